"""Researcher pages for studies. Every view goes through studies.permissions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from studies import services
from studies.forms import MemberForm
from studies.models import Role, StudyMembership
from studies.permissions import MANAGERS, require_role, study_role, visible_studies


@login_required
def study_list(request: HttpRequest) -> HttpResponse:
    studies = visible_studies(request.user).order_by("title")
    return render(request, "studies/study_list.html", {"studies": studies})


@study_role()
def study_detail(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    context = {"study": study, "membership": membership, "description": study.description_in(get_language())}
    return render(request, "studies/study_detail.html", context)


@study_role(*MANAGERS)
def study_team(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        # Viewing the team is for managers; changing it is for owners only.
        require_role(request.user, study.slug, {Role.OWNER})
        if form.is_valid():
            try:
                services.set_member_role(study=study, user=form.cleaned_data["email"], role=form.cleaned_data["role"])
            except services.TeamError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The team was updated."))
                return redirect("studies:team", slug=study.slug)
    members = study.memberships.select_related("user").order_by("role", "user__email")
    context = {"study": study, "membership": membership, "members": members, "form": form}
    return render(request, "studies/study_team.html", context, status=400 if form.errors else 200)
