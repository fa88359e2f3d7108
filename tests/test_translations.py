"""Messages that reach people from code rather than templates are translated: coding service errors, the codebook
CSV reader, the upload page's script messages and the team's emails, in Spanish and Hindi. The catalogs (Spanish,
Hindi and Arabic) are complete (no empty or fuzzy message) and their compiled .mo files match them."""

from __future__ import annotations

import ast
import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django.fixtures import Settings

from accounts.models import User
from coding.codetree import CodebookFormatError
from coding.csv_io import read_codebook_csv
from coding.services.codebook import CodeDraft, add_code
from coding.services.codings import CodingError, write_memo
from coding.services.queue import update_policy
from studies.models import Role, SafetyContact, SafetyEvent, Study
from studies.services.emails import notify_safety_contact, send_membership_email
from studies.services.team import set_member_role
from studies.tests.factories import InterviewFactory, ParticipantFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
PO_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')
pytestmark = pytest.mark.django_db


def catalog(language: str) -> list[dict[str, object]]:
    """The entries of a .po file: context, msgid, plural msgid, translations, fuzzy flag."""
    entries = []
    for block in (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, object] = {"msgctxt": None, "msgid_plural": None, "fuzzy": False, "obsolete": False}
        strings: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            entry["fuzzy"] = entry["fuzzy"] or (line.startswith("#,") and "fuzzy" in line)
            entry["obsolete"] = entry["obsolete"] or line.startswith("#~")
            if match := PO_LINE.match(line):
                key = match.group(1)
                strings[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                strings[key] += ast.literal_eval(line)
        if strings.get("msgid"):
            entry.update(strings)
            entry["msgstr"] = [value for name, value in sorted(strings.items()) if name.startswith("msgstr")]
            entries.append(entry)
    return entries


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
def test_every_message_of_the_catalog_is_translated_and_compiled(language: str) -> None:
    entries = catalog(language)
    untranslated = [e["msgid"] for e in entries if e["fuzzy"] or e["obsolete"] or not all(e["msgstr"])]  # type: ignore[arg-type]
    assert untranslated == []
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        msgid = str(entry["msgid"])
        key = f"{entry['msgctxt']}\x04{msgid}" if entry["msgctxt"] is not None else msgid
        first = compiled._catalog.get((key, 0) if entry["msgid_plural"] else key)  # type: ignore[attr-defined]
        if first != entry["msgstr"][0]:  # type: ignore[index]
            stale.append(msgid)
    assert stale == [], "run manage.py compilemessages"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "Ya existe un código llamado «Trust» en el nivel superior."),
        ("hi", "सबसे ऊपरी स्तर पर 'Trust' नाम का कोड पहले से है।"),
    ],
)
def test_a_codebook_error_reaches_the_researcher_in_their_language(
    study: Study, researcher: User, language: str, expected: str
) -> None:
    add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(researcher)
    response = client.post(reverse("coding:code_add", args=[study.slug]), {"name": "Trust", "is_codable": "on"})
    assert response.status_code == 400
    assert expected in html.unescape(response.content.decode())


def test_coding_service_errors_are_written_in_the_active_language(study: Study, researcher: User) -> None:
    with translation.override("es"), pytest.raises(CodingError) as memo:
        write_memo(study=study, author=researcher, text="   ")
    assert str(memo.value) == "Un memo necesita algo de texto."
    with translation.override("hi"), pytest.raises(ValueError, match="दोहरी कोडिंग") as policy:
        update_policy(study=study, double_share=101, coders_per_double=2, coders=[])
    assert str(policy.value) == "दोहरी कोडिंग का हिस्सा 0 से 100 के बीच का प्रतिशत होता है।"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "Fila 2: «#zz» no es un color con la forma #RRGGBB."), ("hi", "पंक्ति 2: '#zz' #RRGGBB रूप का रंग नहीं है।")],
)
def test_the_codebook_csv_reader_explains_a_bad_row_in_the_active_language(language: str, expected: str) -> None:
    with translation.override(language), pytest.raises(CodebookFormatError) as refused:
        read_codebook_csv(b"name,colour\nTrust,#zz\n")
    assert str(refused.value) == expected


def test_the_upload_script_takes_its_messages_translated_from_the_page(study: Study, interviewer: User) -> None:
    interview = InterviewFactory(participant=ParticipantFactory(study=study))
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(interviewer)
    page = html.unescape(
        client.get(reverse("transcription:interview", args=[study.slug, interview.id])).content.decode()
    )
    assert 'data-missing-label="Elija primero el archivo o los archivos."' in page
    assert 'data-too-large-label="El archivo supera el límite de ' in page
    assert 'data-finishing-label="Comprobando y cifrando la grabación…"' in page
    script = (Path(settings.BASE_DIR) / "transcription/static/transcription/upload.js").read_text(encoding="utf-8")
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("//"))
    assert re.findall(r'"([A-Z][a-z]*(?: [^"]+)+)"', code) == []  # no English sentence left in the script


def test_team_emails_are_written_in_the_sites_language_whatever_is_active(
    study: Study, owner: User, settings: Settings
) -> None:
    settings.LANGUAGE_CODE = "es"
    newcomer = User.objects.create_user("new@example.org")
    membership = set_member_role(study=study, user=newcomer, role=Role.RESEARCHER)
    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    event = SafetyEvent.objects.create(study=study, participant=ParticipantFactory(study=study), question_key="crisis")
    with translation.override("hi"):  # a worker run inline during someone's Hindi request
        send_membership_email(membership.id)
        notify_safety_contact(event.id)
    role, alert = mail.outbox
    assert role.subject == f"Su rol en «{study.title}»: Investigador"
    assert alert.subject == f"Alerta de seguridad: {study.title}, participante {event.participant.code}"
    assert "Registre el seguimiento en la página de seguridad:" in alert.body
    assert alert.body.rstrip().endswith(reverse("studies:safety", args=[study.slug]) + f"#event-{event.id}")
