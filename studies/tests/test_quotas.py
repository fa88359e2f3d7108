"""Quotas: waitlisting in full strata, coverage-first selection with reasons, invitations by email."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from studies.models import Participant, QuotaStage, Stratum, Study
from studies.services.emails import send_invitation_email
from studies.services.quotas import invite_participants, select_for_invitation, stratum_counts
from studies.tests.factories import build_screening
from studies.tests.test_screening import submit

pytestmark = pytest.mark.django_db


def screen(study: Study, country: str, n: int) -> Participant:
    submit(Client(REMOTE_ADDR=f"192.0.2.{n}"), study, q_country=country, email=f"p{n}@example.org")
    return Participant.objects.order_by("-created_at").first()  # type: ignore[return-value]


def strata(study: Study) -> tuple[Stratum, Stratum]:
    europe = Stratum.objects.create(study=study, name="Europe", key="region", values=["europe"], target=1, maximum=1)
    asia = Stratum.objects.create(study=study, name="Asia", key="region", values=["asia"], target=2, maximum=3)
    return europe, asia


def test_it_waitlists_eligible_people_in_a_full_stratum(study: Study) -> None:
    build_screening(study)
    europe, _asia = strata(study)
    first = screen(study, "ES", 1)
    assert first.status == Participant.Status.ELIGIBLE
    Participant.objects.filter(pk=first.pk).update(status=Participant.Status.CONSENTED)
    assert stratum_counts(study=study)[europe.id] == 1
    second = screen(study, "FR", 2)
    assert second.status == Participant.Status.WAITLISTED
    outside = screen(study, "BR", 3)
    assert outside.status == Participant.Status.ELIGIBLE


def test_quotas_count_at_the_stage_the_study_chooses(study: Study) -> None:
    build_screening(study)
    Study.objects.filter(pk=study.pk).update(quota_stage=QuotaStage.INTERVIEWED)
    study.refresh_from_db()
    europe, _asia = strata(study)
    first = screen(study, "ES", 1)
    Participant.objects.filter(pk=first.pk).update(status=Participant.Status.CONSENTED)
    assert stratum_counts(study=study)[europe.id] == 0
    assert screen(study, "DE", 2).status == Participant.Status.ELIGIBLE


def test_selection_fills_under_filled_strata_first_and_says_why(study: Study) -> None:
    build_screening(study)
    europe, asia = strata(study)
    spain, france = screen(study, "ES", 1), screen(study, "FR", 2)
    india, japan, nepal = screen(study, "IN", 3), screen(study, "JP", 4), screen(study, "NP", 5)
    brazil = screen(study, "BR", 6)
    picks = select_for_invitation(study=study, limit=6)
    chosen = [pick.participant for pick in picks]
    # Europe (target 1) and Asia (target 2) are both empty: one European fills Europe completely, which
    # scores highest; then Asia to its target; nobody more from Europe (maximum 1); Asia up to its maximum
    # only after the people outside every quota.
    assert chosen[0] == spain
    assert set(chosen[1:3]) == {india, japan}
    assert france not in chosen
    assert brazil in chosen
    assert nepal in chosen
    assert "fills Europe (0 of target 1)" in picks[0].reasons
    assert any("fills Asia" in reason for reason in picks[1].reasons)
    assert picks[-1].reasons  # every pick has a reason
    assert europe.id != asia.id


def test_invited_people_count_as_pending_so_selection_does_not_over_invite(study: Study) -> None:
    build_screening(study)
    strata(study)
    spain, france = screen(study, "ES", 1), screen(study, "FR", 2)
    assert invite_participants(participants=[spain]) == 1
    picks = select_for_invitation(study=study, limit=5)
    assert france not in [pick.participant for pick in picks]


def test_an_invitation_email_carries_a_magic_link_in_the_participants_language(
    study: Study, django_capture_on_commit_callbacks: object
) -> None:
    build_screening(study)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    submit(client, study, email="luz@example.org")
    person = Participant.objects.get()
    assert person.language == "es"
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        invite_participants(participants=[person])
    assert len(callbacks) == 1
    person.refresh_from_db()
    assert person.status == Participant.Status.INVITED
    send_invitation_email(person.id)
    assert mail.outbox[0].to == ["luz@example.org"]
    assert "/p/portal/enter/" in mail.outbox[0].body
    assert study.title in mail.outbox[0].subject
