"""The one place where study roles are checked, for web views and API endpoints alike.

A person without a role on a study gets 404 for it (its existence does not leak); a member whose role is
not allowed gets 403. Staff status grants nothing here: research data needs a study role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property, wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import ApiToken
from studies.models import Role, Study, StudyMembership

ALL_ROLES = frozenset(Role)
MANAGERS = frozenset({Role.OWNER, Role.RESEARCHER})
# Roles that may see participants' contact details and meet them.
CONTACT_ROLES = frozenset({Role.OWNER, Role.RESEARCHER, Role.INTERVIEWER})

P = ParamSpec("P")


def membership_for(user: Any, study_slug: str) -> StudyMembership:
    """The user's membership of the study (its study loaded, one query), or Http404 when there is none or no one
    is signed in."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        return StudyMembership.objects.select_related("study").get(study__slug=study_slug, user=user)
    except StudyMembership.DoesNotExist:
        raise Http404 from None


def require_role(user: Any, study_slug: str, roles: Iterable[str] = ALL_ROLES) -> StudyMembership:
    """Membership check plus role check: 404 for outsiders, 403 for members without an allowed role."""
    membership = membership_for(user, study_slug)
    if membership.role not in set(roles):
        raise PermissionDenied
    return membership


def check_token_scope(token: ApiToken, *, study_id: int, method: str) -> None:
    """A token reaches only its studies: outside them a study does not exist for it (404), whatever the role.
    A read-only token only reads: a write within its studies is 403."""
    if not token.studies.filter(pk=study_id).exists():
        raise Http404
    if token.read_only and method not in SAFE_METHODS:
        raise PermissionDenied


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


class StudyScopedView(APIView):
    """For API views under a study's slug (URL kwarg `slug`): the caller's membership, checked once per request.

    The view names the roles it allows in `study_roles` (all roles when absent). DRF makes a view instance per
    request, so the cached membership is this request's and no other's.
    """

    study_roles: frozenset[str] = ALL_ROLES

    @cached_property
    def membership(self) -> StudyMembership:
        membership = require_role(self.request.user, self.kwargs["slug"], self.study_roles)
        if isinstance(self.request.auth, ApiToken):
            check_token_scope(self.request.auth, study_id=membership.study_id, method=self.request.method or "GET")
        return membership


class StudyRolePermission(BasePermission):
    """DRF permission for views that are `StudyScopedView`s: 404 for outsiders and outside a token's studies, 403
    for members whose role the view does not allow and for writes with a read-only token."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not isinstance(view, StudyScopedView):
            raise TypeError(f"{type(view).__name__} must be a StudyScopedView to use StudyRolePermission.")
        return view.membership is not None  # the check itself raises Http404 or PermissionDenied
