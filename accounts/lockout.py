"""The account key django-axes counts failures under: the email as typed, case and spaces ignored."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    # Varying the case of an address must not reset the count of failures against one account.
    raw = (credentials or {}).get("username") or request.POST.get("username")
    return str(raw).strip().lower() if raw else None
