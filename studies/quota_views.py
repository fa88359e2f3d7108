"""The quotas page: strata with live counts beside their targets. Owners and researchers add, change and delete
strata and choose the stage at which people count; every other role reads the page without forms, and gets 403
for any change. An archived study's quotas no longer change."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from studies.forms.quotas import QuotaStageForm, QuotaVocabulary, StratumForm
from studies.models import Stratum, Study, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services import quota_setup
from studies.services.quota_setup import QuotaSetupError

Renderer = Callable[[StratumForm, int], HttpResponse]
REFRESH, ADD_CONDITION = "refresh", "add_condition"


def _may_edit(membership: StudyMembership) -> bool:
    return membership.role in MANAGERS and membership.study.status != Study.Status.ARCHIVED


def _require_editor(membership: StudyMembership) -> None:
    if not _may_edit(membership):
        raise PermissionDenied


def _stratum(membership: StudyMembership, stratum_id: int) -> Stratum:
    return get_object_or_404(Stratum.objects.select_related("study"), pk=stratum_id, study=membership.study)


@study_role()
def quotas(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    vocabulary = QuotaVocabulary(membership.study)
    if request.method != "POST":
        return _quotas_page(request, membership, vocabulary)
    _require_editor(membership)
    if request.POST.get("form") == "stage":
        return _save_stage(request, membership, vocabulary)
    study = membership.study
    form = StratumForm(request.POST, vocabulary=vocabulary, study=study)
    page = partial(_quotas_page, request, membership, vocabulary)
    return _save_stratum(request, form, page, partial(quota_setup.create_stratum, study=study, request=request))


def _save_stage(request: HttpRequest, membership: StudyMembership, vocabulary: QuotaVocabulary) -> HttpResponse:
    form = QuotaStageForm(request.POST)
    if not form.is_valid():
        return _quotas_page(request, membership, vocabulary, status=400, stage_form=form)
    try:
        changed = quota_setup.set_quota_stage(
            study=membership.study, stage=form.cleaned_data["quota_stage"], request=request
        )
    except QuotaSetupError as error:
        form.add_error(None, str(error))
        return _quotas_page(request, membership, vocabulary, status=400, stage_form=form)
    if changed:
        messages.success(request, _("Quotas now count people from the stage you chose."))
    return redirect("studies:quotas", slug=membership.study.slug)


@study_role()
def quota_stratum(request: HttpRequest, membership: StudyMembership, stratum_id: int) -> HttpResponse:
    """One stratum: its form for those who may change it, what it is and how full for everyone else."""
    stratum = _stratum(membership, stratum_id)
    vocabulary = QuotaVocabulary(membership.study)

    def page(form: StratumForm | None, status: int = 200) -> HttpResponse:
        counted, invited = quota_setup.counts_of(stratum=stratum)
        context = {
            "study": membership.study,
            "stratum": stratum,
            "description": vocabulary.describe(stratum),
            "counted": counted,
            "invited": invited,
            "form": form,
        }
        return render(request, "studies/setup/quota_stratum.html", context, status=status)

    if request.method != "POST":
        editable = _may_edit(membership)
        form = StratumForm(vocabulary=vocabulary, study=membership.study, stratum=stratum) if editable else None
        return page(form)
    _require_editor(membership)
    form = StratumForm(request.POST, vocabulary=vocabulary, study=membership.study, stratum=stratum)
    return _save_stratum(request, form, page, partial(quota_setup.update_stratum, stratum=stratum, request=request))


@study_role(*MANAGERS)
def quota_delete(request: HttpRequest, membership: StudyMembership, stratum_id: int) -> HttpResponse:
    """Asks first (GET), deletes on POST. Nobody's status changes; selection stops weighing the stratum."""
    _require_editor(membership)
    stratum = _stratum(membership, stratum_id)
    if request.method == "POST":
        try:
            quota_setup.delete_stratum(stratum=stratum, request=request)
        except QuotaSetupError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The stratum was deleted."))
        return redirect("studies:quotas", slug=membership.study.slug)
    counted, invited = quota_setup.counts_of(stratum=stratum)
    context = {"study": membership.study, "stratum": stratum, "counted": counted, "invited": invited}
    return render(request, "studies/setup/quota_delete.html", context)


def _save_stratum(
    request: HttpRequest,
    form: StratumForm,
    page: Renderer,
    save: Callable[..., Stratum],
) -> HttpResponse:
    """The buttons that only reshape the form re-render it from what was typed; saving validates everything,
    then writes in one transaction, or answers 400 with the form as it was."""
    action = request.POST.get("action")
    if action in (REFRESH, ADD_CONDITION):
        return page(form.carried(add_row=action == ADD_CONDITION), 200)
    if form.is_valid() and form.draft is not None:
        try:
            stratum = save(draft=form.draft)
        except QuotaSetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The stratum was saved."))
            # To its card: a redirect without a fragment would keep the form's (#stratum-form).
            return redirect(reverse("studies:quotas", args=[form.study.slug]) + f"#stratum-{stratum.pk}")
    return page(form, 400)


def _quotas_page(
    request: HttpRequest,
    membership: StudyMembership,
    vocabulary: QuotaVocabulary,
    form: StratumForm | None = None,
    status: int = 200,
    stage_form: QuotaStageForm | None = None,
) -> HttpResponse:
    study = membership.study
    editable = _may_edit(membership)
    if editable and form is None:
        form = StratumForm(vocabulary=vocabulary, study=study, initial=_picked_key(request, vocabulary))
    if editable and stage_form is None:
        stage_form = QuotaStageForm(initial={"quota_stage": study.quota_stage})
    overview = quota_setup.quota_overview(study=study, targets=vocabulary.targets)
    context = {
        "study": study,
        "membership": membership,
        "editable": editable,
        "archived": study.status == Study.Status.ARCHIVED,
        "sections": vocabulary.present(overview),
        "dimensions": vocabulary.key_choices()[1:],
        "form": form if editable else None,
        "stage_form": stage_form if editable else None,
    }
    return render(request, "studies/setup/quotas.html", context, status=status)


def _picked_key(request: HttpRequest, vocabulary: QuotaVocabulary) -> dict[str, str]:
    """`?key=gender` (each dimension's "add a stratum" link) opens the add form on that key."""
    key = request.GET.get("key", "")
    return {"key": key} if key in vocabulary.targets else {}
