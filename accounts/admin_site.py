"""The Django admin, for instance operators: behind the second factor, and every request to it audited.

The admin is not a way around study roles: research data (screening answers, transcript text, coded words) is not
registered in it, and each admin request leaves an audit entry with its path (ids only, never the query string,
which can hold a search term) and method.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from accounts.audit import record_event


class AuditedAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # The two-factor middleware already holds an unverified session; this keeps the admin shut even if a
        # future change to the middleware let one through.
        return super().has_permission(request) and request.user.is_verified()  # type: ignore[union-attr]

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:  # Any: the stubs' view type is private
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if self.has_permission(request):
                record_event(
                    action="admin.request", request=request, detail={"method": request.method, "path": request.path}
                )
            return inner(request, *args, **kwargs)

        return audited
