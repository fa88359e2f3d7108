"""Researcher pages for studies. Every view goes through studies.permissions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from studies.models import StudyMembership
from studies.permissions import study_role, visible_studies
from studies.services.launch import launch_checklist, summarize
from studies.services.study_setup import may_create_studies


@login_required
def study_list(request: HttpRequest) -> HttpResponse:
    studies = visible_studies(request.user).order_by("title")
    context = {"studies": studies, "can_create": may_create_studies(request.user)}
    return render(request, "studies/study_list.html", context)


@study_role()
def study_detail(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    context = {
        "study": study,
        "membership": membership,
        "description": study.description_in(get_language()),
        "checklist": summarize(launch_checklist(study=study)),
    }
    return render(request, "studies/study_detail.html", context)
