"""Magic links: signed, expiring, single-purpose links instead of passwords for participants.

A link carries the participant id, a purpose and the participant's `link_version`; bumping the version
revokes every link issued before. Each purpose has its own salt, so a link for one purpose never opens
another.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.urls import reverse

from studies.models import Participant

PORTAL = "portal"


class InvalidLink(Exception):
    """A link that is forged, expired, revoked or for another purpose (permanent)."""


def make_link_token(*, participant: Participant, purpose: str = PORTAL) -> str:
    return signing.dumps({"p": participant.id, "v": participant.link_version}, salt=f"studies.link.{purpose}")


def portal_url(*, participant: Participant) -> str:
    token = make_link_token(participant=participant)
    return settings.SITE_URL + reverse("participate:portal_enter", args=[token])


def questionnaire_url(*, participant: Participant, questionnaire_id: int) -> str:
    """A portal link that opens one later-stage questionnaire (the same portal token; the id is not secret)."""
    token = make_link_token(participant=participant)
    return settings.SITE_URL + reverse("participate:portal_enter_questionnaire", args=[token, questionnaire_id])


def participant_from_token(*, token: str, purpose: str = PORTAL) -> Participant:
    max_age = settings.PORTAL_LINK_MAX_AGE_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=f"studies.link.{purpose}", max_age=max_age)
    except signing.BadSignature as error:
        raise InvalidLink from error
    participant = Participant.objects.filter(id=data.get("p"), link_version=data.get("v")).first()
    if participant is None:
        raise InvalidLink
    return participant


def revoke_links(*, participant: Participant) -> None:
    """Invalidate every link issued so far (for example after withdrawal)."""
    Participant.objects.filter(id=participant.id).update(link_version=F("link_version") + 1)
