"""The one place where study roles are checked, for web views and API endpoints alike.

A person without a role on a study gets 404 for it (its existence does not leak); a member whose role is
not allowed gets 403. Staff status grants nothing here: research data needs a study role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.tokens import StudyLookup, token_scope_allows
from config.sqlrows import JoinedRows
from studies.models import Role, Study, StudyMembership

ALL_ROLES = frozenset(Role)
MANAGERS = frozenset({Role.OWNER, Role.RESEARCHER})
# Roles that may see participants' contact details and meet them.
CONTACT_ROLES = frozenset({Role.OWNER, Role.RESEARCHER, Role.INTERVIEWER})

P = ParamSpec("P")


def membership_for(user: Any, study_slug: str, token: Any = None) -> StudyMembership:
    """The user's membership of the study (its study loaded), or Http404 when there is none or no one signed in.

    With an API token, the membership also says whether the study is in the token's scope (`in_token_scope`);
    without one it is always true. One query, hand-written: every API request makes it (see config.sqlrows); none
    when the token's own query already looked the membership up (`accounts.tokens.StudyLookup`).
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    lookup = getattr(token, "study_lookup", None)
    if isinstance(lookup, StudyLookup) and lookup.slug == study_slug and token.user_id == user.pk:
        if lookup.membership is None:
            raise Http404
        return lookup.membership
    if isinstance(token, ApiToken):
        rows = _MEMBERSHIP_IN_TOKEN_SCOPE.fetch([token.pk, study_slug, user.pk])
    else:
        rows = _MEMBERSHIP.fetch([study_slug, user.pk])
    if not rows:
        raise Http404
    membership, study, in_scope = rows[0]
    membership.study = study
    membership.in_token_scope = bool(in_scope)
    return membership


_MEMBERSHIP = JoinedRows(
    "SELECT {membership}, {study}, 1 FROM {membership_table} m JOIN {study_table} s ON s.id = m.study_id"
    " WHERE s.slug = %s AND m.user_id = %s",
    membership=(StudyMembership, "m"),
    study=(Study, "s"),
)
# The same, and whether the token (its id the first parameter) reaches the study.
_MEMBERSHIP_IN_TOKEN_SCOPE = JoinedRows(
    "SELECT {membership}, {study}, EXISTS (SELECT 1 FROM {scope_table} t"
    " WHERE t.apitoken_id = %s AND t.study_id = m.study_id)"
    " FROM {membership_table} m JOIN {study_table} s ON s.id = m.study_id WHERE s.slug = %s AND m.user_id = %s",
    membership=(StudyMembership, "m"),
    study=(Study, "s"),
    tables={"scope_table": ApiToken.studies.through},
)


def require_role(user: Any, study_slug: str, roles: Iterable[str] = ALL_ROLES, token: Any = None) -> StudyMembership:
    """Membership check plus role check: 404 for outsiders, 403 for members without an allowed role."""
    membership = membership_for(user, study_slug, token)
    if membership.role not in set(roles):
        raise PermissionDenied
    return membership


def study_role(
    *roles: str,
) -> Callable[
    [Callable[Concatenate[HttpRequest, StudyMembership, P], HttpResponse]],
    Callable[..., HttpResponse],
]:
    """View decorator: login, then `require_role`; the view receives the membership after the request."""
    allowed = frozenset(roles) or ALL_ROLES

    def decorator(
        view: Callable[Concatenate[HttpRequest, StudyMembership, P], HttpResponse],
    ) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            membership = require_role(request.user, slug, allowed)
            return view(request, membership, *args, **kwargs)

        return wrapper

    return decorator


def visible_studies(user: Any) -> QuerySet[Study]:
    """Studies the user has any role on."""
    return Study.objects.filter(memberships__user=user).distinct()


class StudyRolePermission(BasePermission):
    """DRF permission for endpoints under a study's slug (URL kwarg `slug`).

    The view names the roles it allows in `study_roles` (all roles when absent). On success the membership
    is stored on the request as `request.study_membership` for the view to use.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        roles = getattr(view, "study_roles", ALL_ROLES)
        membership = require_role(request.user, view.kwargs["slug"], roles, token=request.auth)
        in_scope = membership.in_token_scope  # type: ignore[attr-defined]
        if not token_scope_allows(request.auth, in_scope=in_scope, method=request.method or "GET"):
            # Outside the token's studies the study does not exist for it; writes with a read-only token are 403.
            if request.method in SAFE_METHODS or not in_scope:
                raise Http404
            raise PermissionDenied
        request.study_membership = membership  # type: ignore[attr-defined]
        return True
