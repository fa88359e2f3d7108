"""participants.csv lists only people who consented; everyone screened out, flagged or never consenting stays out
of the archive altogether, and the data dictionary says so."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from exports.tests.kit import built, member_bytes
from studies.models import Participant, Questionnaire, ScreeningResponse, Study
from studies.tests.factories import ConsentFactory, ParticipantFactory
from tests.exportkit import make_transcript, screen

pytestmark = pytest.mark.django_db
Status = Participant.Status
Scope = Participant.WithdrawalScope


def person(
    study: Study, code: str, status: str, *, consented: bool = False, scope: str = "", age_band: str = "18-24"
) -> Participant:
    """A screened person: a response to the study's one screening questionnaire, made with the first person."""
    participant = ParticipantFactory(study=study, code=code, status=status, withdrawal_scope=scope)
    attributes: dict[str, object] = {"region": f"region-of-{code}", "age_band": age_band}
    questionnaire = Questionnaire.objects.filter(study=study).first()
    if questionnaire is None:
        screen(participant, attributes)
    else:
        now = timezone.now()
        ScreeningResponse.objects.create(
            study=study,
            questionnaire=questionnaire,
            participant=participant,
            form_token=f"token-{participant.pk}",
            language="en",
            answers=attributes,
            attributes=attributes,
            started_at=now - timedelta(minutes=5),
            submitted_at=now,
        )
    if consented:
        ConsentFactory(participant=participant)
    return participant


def rows(data: bytes, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_participants_csv_holds_only_people_who_consented(study: Study, owner: User) -> None:
    make_transcript(study, participant=person(study, "P-INTV", Status.INTERVIEWED, consented=True))
    person(study, "P-CONS", Status.CONSENTED, consented=True)
    person(study, "P-SCHD", Status.SCHEDULED, consented=True)
    person(study, "P-KEPT", Status.WITHDRAWN, consented=True, scope=Scope.KEEP_DATA)
    person(study, "P-SCRN", Status.SCREENED)
    person(study, "P-FLAG", Status.FLAGGED)
    person(study, "P-INEL", Status.INELIGIBLE, age_band="under 18")
    person(study, "P-ELIG", Status.ELIGIBLE)
    person(study, "P-WAIT", Status.WAITLISTED)
    person(study, "P-INVT", Status.INVITED)
    person(study, "P-LEFT", Status.WITHDRAWN, scope=Scope.KEEP_DATA)  # withdrew before consenting
    person(study, "P-ERAS", Status.WITHDRAWN, consented=True, scope=Scope.DELETE_ALL)

    _, data = built(study, owner)

    listed = {row["participant"] for row in rows(data, "participants.csv")}
    assert listed == {"P-INTV", "P-CONS", "P-SCHD", "P-KEPT"}
    everything = member_bytes(data)
    for absent in ("P-SCRN", "P-FLAG", "P-INEL", "P-ELIG", "P-WAIT", "P-INVT", "P-LEFT", "P-ERAS"):
        assert absent.encode() not in everything, absent
        assert f"region-of-{absent}".encode() not in everything, absent
    assert b"under 18" not in everything


def test_the_data_dictionary_says_who_participants_csv_lists(study: Study, owner: User) -> None:
    _, data = built(study, owner)

    dictionary = rows(data, "data_dictionary.csv")
    [listed] = [row["description"] for row in dictionary if (row["file"], row["column"]) == ("participants.csv", "*")]
    assert "who consented" in listed
    assert "flagged" in listed
    assert "delete" in listed
