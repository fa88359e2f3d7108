"""The client's address, behind as many reverse proxies as the operator says there are (TRUSTED_PROXY_COUNT).

Each trusted proxy appends the address it was connected from to X-Forwarded-For, so the client's address is the
N-th entry from the right; everything further left was written by the client and can be forged. With no proxy
(the default) the header is ignored and REMOTE_ADDR is the client. django-ipware reads the header with another
model (proxies listing their own addresses), which does not fit the usual nginx or load-balancer set-up.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(hops) < count:
        return remote  # a proxy that should have added itself did not: the header is not to be trusted
    return hops[-count]
