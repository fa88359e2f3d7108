"""Seal every response's answers and take free-text answers out of the plain attributes, in batches.

The reverse unseals the answers and puts free-text answers back into the attributes, as they were stored before.
"""

import config.fields
from django.db import migrations, transaction

BATCH = 500
FREE_TEXT_KINDS = ("short_text", "long_text")


def _free_text_keys(apps):
    Question = apps.get_model("studies", "Question")
    keys = {}
    for questionnaire_id, key in Question.objects.filter(kind__in=FREE_TEXT_KINDS).values_list(
        "questionnaire_id", "key"
    ):
        keys.setdefault(questionnaire_id, set()).add(key)
    return keys


def _rewrite(apps, change):
    ScreeningResponse = apps.get_model("studies", "ScreeningResponse")
    free_text, last = _free_text_keys(apps), 0
    while True:
        with transaction.atomic():
            rows = ScreeningResponse.objects.filter(pk__gt=last).order_by("pk").select_for_update()
            batch = list(rows.values_list("pk", "questionnaire_id", "answers", "attributes")[:BATCH])
            ScreeningResponse.objects.bulk_update(
                [
                    ScreeningResponse(
                        pk=pk, **change(answers or {}, attributes or {}, free_text.get(questionnaire, ()))
                    )
                    for pk, questionnaire, answers, attributes in batch
                ],
                ["answers", "attributes"],
            )
        if not batch:
            return
        last = batch[-1][0]


def seal_answers(apps, schema_editor):
    def change(answers, attributes, keys):
        # Answers are read through the field (plaintext whichever form is stored) and written back sealed.
        return {"answers": answers, "attributes": {k: v for k, v in attributes.items() if k not in keys}}

    _rewrite(apps, change)


def unseal_answers(apps, schema_editor):
    def change(answers, attributes, keys):
        restored = {**attributes, **{k: answers[k] for k in keys if k in answers}}
        return {"answers": config.fields.Plain(answers), "attributes": restored}

    _rewrite(apps, change)


class Migration(migrations.Migration):
    # Each batch commits on its own, so a large table is not rewritten in one transaction; a rerun after a
    # failure seals again what is already sealed, which changes nothing but the ciphertext.
    atomic = False

    dependencies = [
        ("studies", "0010_questionnaire_notice"),
    ]

    operations = [
        migrations.AlterField(
            model_name="screeningresponse",
            name="answers",
            field=config.fields.SealedJSONField(default=dict),
        ),
        migrations.RunPython(seal_answers, unseal_answers, elidable=False),
    ]
