"""Participants' screening demographics, pseudonymous by construction.

Only closed answers travel (choices, Likert items, country, language), the derived age band and world region, and
the scores of scored scales (studies.scales): free-text answers may hold anything a person typed, an exact age or
birth year narrows a person down, and risk items and attention checks are not demographics. Contact details are
never read here (studies.ContactDetails).
"""

from __future__ import annotations

from collections.abc import Iterable

from studies.models import Question, QuestionnaireVersion, ScreeningResponse
from studies.scales import score_columns

CLOSED_KINDS = (
    Question.Kind.SINGLE,
    Question.Kind.MULTIPLE,
    Question.Kind.LIKERT,
    Question.Kind.COUNTRY,
    Question.Kind.LANGUAGE,
)
DERIVED_KEYS = ("age_band", "region")


def demographic_keys(study_id: int) -> list[str]:
    """The keys shared for a study: derived ones first, then closed screening questions in their order (then those
    only earlier questionnaire versions had), then the scores of its scored scales (totals and bands, not the items:
    a scale's answers are read through its score)."""
    questions = Question.objects.filter(
        questionnaire__study_id=study_id, kind__in=CLOSED_KINDS, is_risk_item=False, is_attention_check=False
    ).order_by("questionnaire_id", "position", "id")
    keys = list(DERIVED_KEYS)
    for key in questions.filter(scale_key="").values_list("key", flat=True):
        if key not in keys:
            keys.append(key)
    scale_keys = list(
        Question.objects.filter(questionnaire__study_id=study_id)
        .exclude(scale_key="")
        .values_list("scale_key", flat=True)
    )
    # Questions of earlier questionnaire versions only (deleted since): their answers are still shared, after the rest.
    frozen = QuestionnaireVersion.objects.filter(questionnaire__study_id=study_id).order_by(
        "questionnaire_id", "-number"
    )
    for definition in frozen.values_list("definition", flat=True):
        for fields in definition.get("questions", []):
            if fields.get("scale_key"):
                scale_keys.append(fields["scale_key"])
            elif _shared(fields) and fields["key"] not in keys:
                keys.append(fields["key"])
    return keys + score_columns(scale_keys)


def _shared(fields: dict[str, object]) -> bool:
    return (
        fields.get("kind") in CLOSED_KINDS and not fields.get("is_risk_item") and not fields.get("is_attention_check")
    )


def demographics_of(participant_ids: Iterable[int], keys: list[str]) -> dict[int, dict[str, object]]:
    """participant id -> {key: value} from the latest screening response (absent keys left out)."""
    found: dict[int, dict[str, object]] = {}
    responses = ScreeningResponse.objects.filter(participant_id__in=list(participant_ids)).order_by(
        "participant_id", "-submitted_at"
    )
    for participant_id, attributes in responses.values_list("participant_id", "attributes").iterator():
        if participant_id not in found:
            found[participant_id] = {key: attributes[key] for key in keys if key in attributes}
    return found
