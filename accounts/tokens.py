"""Personal API tokens: creation (the secret is returned once), revocation, and DRF authentication.

A token reads `ipt_<prefix>_<secret>`. Only SHA-256(secret) is stored: the secret has 256 bits of entropy,
so a fast hash is enough and a slow one would cost every API request.

Which studies a token reaches is checked where study roles are checked (`studies.permissions`), with the caller's
membership of the study its request's URL names.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.audit import record_event
from accounts.models import ApiToken, User

SCHEME = b"bearer"
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown to its owner once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *, user: User, name: str, study_ids: list[int], read_only: bool, expires_at: datetime | None
) -> IssuedToken:
    """Issue a token limited to studies the caller has checked the user holds a role on."""
    prefix, secret = secrets.token_hex(5), secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=_digest(secret), read_only=read_only, expires_at=expires_at
    )
    token.studies.set(study_ids)
    record_event(action="api.token.created", actor=user, target=token, detail={"studies": sorted(study_ids)})
    return IssuedToken(token, f"ipt_{prefix}_{secret}")


def revoke_api_token(*, token: ApiToken, actor: User) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(action="api.token.revoked", actor=actor, target=token)


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer ipt_…`. Every use is written to the audit trail (sealed into the chain within seconds)."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != SCHEME:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header.")
        token = self._token_for(parts[1].decode("ascii", errors="replace"))
        now = timezone.now()
        # "Last used" is shown to a minute; writing it on every request would cost a row update per call.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        record_event(
            action="api.token.used",
            actor=token.user,
            target=token,
            request=request._request,
            detail={"method": request.method, "path": request.path},
        )
        return token.user, token

    def _token_for(self, raw: str) -> ApiToken:
        kind, _, rest = raw.partition("_")
        prefix, _, secret = rest.partition("_")
        token = _token_with_user(prefix) if kind == "ipt" else None
        # Compare even when nothing matched, so timing does not tell whether a prefix exists.
        expected = token.key_hash if token else _digest("")
        if token is None or not hmac.compare_digest(expected, _digest(secret)):
            raise AuthenticationFailed("Invalid token.")
        if not token.is_usable() or not token.user.is_active:
            raise AuthenticationFailed("This token has expired or was revoked.")
        return token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def _token_with_user(prefix: str) -> ApiToken | None:
    """The token with this prefix and its user, in one query (the checks and the audit entry read the user)."""
    try:
        return ApiToken.objects.select_related("user").get(prefix=prefix)
    except ApiToken.DoesNotExist:
        return None


def token_study_ids(token: ApiToken) -> QuerySet[Any]:
    """The ids of the token's studies, as a subquery (no query of its own)."""
    return ApiToken.studies.through.objects.filter(apitoken_id=token.pk).values("study_id")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the personal-token scheme in the OpenAPI schema (as an alternative to the session cookie)."""

    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token: `ipt_…`."}
