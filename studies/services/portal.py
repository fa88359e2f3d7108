"""Magic links: encrypted, expiring, single-use links instead of passwords for participants.

A link's token is the participant id, their `link_version` and, for a "questionnaire due" e-mail, the
questionnaire to open, encrypted with a key derived from SECRET_KEY (so it shows no sequential id). It travels in
the query string (`?t=`), which the access log leaves out (config/gunicorn.py), and opening it shows a page with
one button: only that POST spends the link, so a mail scanner that fetches links does not use it up. Spending
bumps `link_version` by a conditional update: the link, and every link issued before it, stops working, and the
session that spent it holds the new version. Revoking (withdrawal) bumps the version too.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils.encoding import force_bytes

from studies.models import Participant


class InvalidLink(Exception):
    """A link that is forged, expired, already used or revoked (permanent)."""


class WithdrawnParticipant(InvalidLink):
    """A genuine link, however old, of someone who has withdrawn: they are told so, not that it expired."""

    def __init__(self, participant: Participant) -> None:
        super().__init__()
        self.participant = participant


@dataclass(frozen=True)
class PortalLink:
    participant: Participant
    version: int
    questionnaire_id: int | None


def _fernet() -> MultiFernet:
    # SECRET_KEY_FALLBACKS keep links sent before a key rotation working until they expire.
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    keys = [hashlib.sha256(b"studies.portal-link:" + force_bytes(secret)).digest() for secret in secrets]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in keys])


def make_link_token(*, participant: Participant, questionnaire_id: int | None = None) -> str:
    payload: dict[str, int] = {"p": participant.id, "v": participant.link_version}
    if questionnaire_id is not None:
        payload["q"] = questionnaire_id
    return _fernet().encrypt(json.dumps(payload).encode()).decode()


def link_path(*, participant: Participant, questionnaire_id: int | None = None) -> str:
    token = make_link_token(participant=participant, questionnaire_id=questionnaire_id)
    return f"{reverse('participate:portal_enter')}?{urlencode({'t': token})}"


def portal_url(*, participant: Participant) -> str:
    return settings.SITE_URL + link_path(participant=participant)


def questionnaire_url(*, participant: Participant, questionnaire_id: int) -> str:
    """A portal link that opens one later-stage questionnaire (the questionnaire view checks it is due)."""
    return settings.SITE_URL + link_path(participant=participant, questionnaire_id=questionnaire_id)


def _decrypt(token: str, *, ttl: int | None) -> dict[str, Any]:
    try:
        data = json.loads(_fernet().decrypt(token.encode(), ttl=ttl))
    except (InvalidToken, ValueError) as error:
        raise InvalidLink from error
    if not isinstance(data, dict):
        raise InvalidLink
    return data


def read_link(*, token: str) -> PortalLink:
    """The link's participant and version, when the token is genuine, unexpired and not yet spent or revoked.

    Raises WithdrawnParticipant for any genuine link of someone who has withdrawn, expired or not: only the holder
    of one of their own links learns it, and only about them.
    """
    data = _decrypt(token, ttl=None)
    participant = Participant.objects.select_related("study").filter(id=int(data.get("p", 0))).first()
    if participant is not None and participant.status == Participant.Status.WITHDRAWN:
        raise WithdrawnParticipant(participant)
    _decrypt(token, ttl=settings.PORTAL_LINK_MAX_AGE_DAYS * 24 * 3600)  # an expired link stops here
    if participant is None or participant.link_version != data.get("v"):
        raise InvalidLink
    questionnaire_id = data.get("q")
    return PortalLink(participant=participant, version=participant.link_version, questionnaire_id=questionnaire_id)


def spend_link(*, link: PortalLink) -> int:
    """Use the link up; returns the participant's new link version, for the session it opens.

    The conditional update makes two clicks racing with one link open one session at most.
    """
    spent = Participant.objects.filter(id=link.participant.id, link_version=link.version).update(
        link_version=F("link_version") + 1
    )
    if not spent:
        raise InvalidLink
    return link.version + 1


def revoke_links(*, participant: Participant) -> None:
    """Invalidate every link issued so far (for example after withdrawal)."""
    Participant.objects.filter(id=participant.id).update(link_version=F("link_version") + 1)
