"""After withdrawal, an old link or the portal says plainly that the person has withdrawn, and whom to write to,
in their language, instead of "this link cannot be used" (issue #23). Nothing opens: no session, no page of theirs.
Other people's old, forged or expired links are refused as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from studies.models import Participant, Study
from studies.portal_views import SESSION_KEY
from studies.services.portal import make_link_token
from studies.services.withdrawal import withdraw_participant
from studies.tests.test_portal_and_consent import enter, invited, portal_client

pytestmark = pytest.mark.django_db

HAS_WITHDRAWN = "Your study page is closed, and nothing more is asked of you."
CANNOT_BE_USED = "This link cannot be used"


def withdrawn(participant: Participant, scope: str = Participant.WithdrawalScope.KEEP_DATA) -> None:
    withdraw_participant(participant=participant, scope=scope)


def text(response: Any) -> str:
    return str(response.content.decode())


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("scope", Participant.WithdrawalScope.values)
def test_an_old_link_tells_a_withdrawn_person_so_and_how_to_reach_the_team(
    study: Study, method: str, scope: str
) -> None:
    Study.objects.filter(pk=study.pk).update(contact_email="team@example.org")
    participant = invited(study)
    token = make_link_token(participant=participant)  # the invitation e-mail's link
    withdrawn(participant, scope)

    client = Client()
    response = enter(client, token, method=method)

    assert response.status_code == 403
    page = text(response)
    assert "<h1>You have withdrawn</h1>" in page
    assert f"You withdrew from the study “{study.title}”." in page
    assert '<a href="mailto:team@example.org">team@example.org</a>' in page
    assert CANNOT_BE_USED not in page
    assert "expired" not in page
    assert SESSION_KEY not in client.session  # nothing was opened


def test_an_expired_link_of_a_withdrawn_person_says_the_same(study: Study, settings: Settings) -> None:
    participant, other = invited(study), invited(study)
    tokens = make_link_token(participant=participant), make_link_token(participant=other)
    withdrawn(participant)
    settings.PORTAL_LINK_MAX_AGE_DAYS = -1  # every link has expired

    assert HAS_WITHDRAWN in text(enter(Client(), tokens[0], method="get"))
    expired = enter(Client(), tokens[1], method="get")
    assert expired.status_code == 400
    assert CANNOT_BE_USED in text(expired)


def test_an_open_portal_says_so_in_their_language_when_the_team_withdraws_the_person(study: Study) -> None:
    Study.objects.filter(pk=study.pk).update(contact_email="equipo@example.org")
    participant = invited(study, language="es")
    client = portal_client(participant)
    assert client.get(reverse("participate:portal")).status_code == 200

    withdrawn(participant)  # by the team, for example after an e-mail from the person

    for name in ("participate:portal", "participate:portal_book", "participate:portal_consent"):
        again = client.get(reverse(name))
        assert again.status_code == 403, name
        assert 'lang="es"' in text(again)
        assert "equipo@example.org" in text(again)
        assert participant.code not in text(again)
        assert "Este enlace no se puede usar" not in text(again)
    booking = client.post(reverse("participate:portal_book"), {"slot": "1"})
    assert booking.status_code == 403
    assert "equipo@example.org" in text(booking)


def test_after_withdrawing_in_the_portal_the_device_keeps_nothing_but_old_links_say_so(study: Study) -> None:
    participant = invited(study)
    token = make_link_token(participant=participant)  # the invitation e-mail's link
    client = portal_client(participant)
    response = client.post(reverse("participate:portal_withdraw"), {"scope": "keep_data", "confirm": "on"})
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.status == Participant.Status.WITHDRAWN

    # The session is flushed: on a shared device the next person learns nothing about the study or the withdrawal.
    after = text(client.get(reverse("participate:portal")))
    assert CANNOT_BE_USED in after
    assert study.title not in after
    # The person's own e-mail link still tells them plainly.
    assert HAS_WITHDRAWN in text(enter(client, token, method="get"))


def test_without_a_contact_address_the_page_still_says_whom_to_ask(study: Study) -> None:
    participant = invited(study)
    token = make_link_token(participant=participant)
    withdrawn(participant)

    page = text(enter(Client(), token, method="get"))

    assert "If you have a question, please contact the research team of this study." in page
    assert "mailto:" not in page


def test_a_forged_link_or_a_revoked_link_of_someone_still_taking_part_is_refused_as_before(study: Study) -> None:
    participant = invited(study)
    old = make_link_token(participant=participant)
    portal_client(participant)  # spends a newer link: every earlier one is revoked

    for token in ("forged", old):
        response = enter(Client(), token, method="get")
        assert response.status_code == 400
        assert CANNOT_BE_USED in text(response)
        assert HAS_WITHDRAWN not in text(response)
