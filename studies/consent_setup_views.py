"""The consent editor: every role reads the version participants see and the history; owners and researchers write
the next version as a draft in every study language, preview it and publish it (studies.services.consent_setup)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.consent_setup import MAX_ITEMS, MAX_QUESTIONS, ConsentEditorForm
from studies.models import ConsentDocument, Study, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services import consent_setup as setup
from studies.services.consent import render_consent

# Far longer than any consent text; the preview refuses more rather than render megabytes on every keystroke.
PREVIEW_MAX_CHARACTERS = 50_000
# Buttons that show the form again with one more blank row, saving nothing (no script needed to add rows).
ROW_BUTTONS = {"add_item": ("items", MAX_ITEMS), "add_question": ("questions", MAX_QUESTIONS)}


def _editor(study: Study, data: QueryDict | None = None) -> ConsentEditorForm:
    draft, _version = setup.editable_draft(study)
    return ConsentEditorForm(
        data, languages=setup.study_languages(study), draft=draft, published_keys=setup.published_keys(study)
    )


def _archived(study: Study) -> bool:
    return study.status == Study.Status.ARCHIVED


def _page(
    request: HttpRequest,
    membership: StudyMembership,
    form: ConsentEditorForm | None,
    status: int = 200,
    previews: dict[str, str] | None = None,
) -> HttpResponse:
    """The page: what participants read now and the history for everyone; the editor and publishing for managers
    while the study is not archived."""
    study = membership.study
    form = form if membership.is_manager and not _archived(study) else None
    rows, languages = setup.draft_documents(study), setup.study_languages(study)
    missing = setup.missing_translations(draft=setup.draft_from_documents(rows, languages), languages=languages)
    context: dict[str, Any] = {
        "study": study,
        "membership": membership,
        "archived": _archived(study),
        "form": form,
        # Each language's heading, title and text fields, and the rendered text after the Preview button.
        "sections": [(*section, (previews or {}).get(section[0], "")) for section in form.language_sections()]
        if form
        else [],
        "previewed": previews is not None,
        "draft_version": next(iter(rows.values())).version if rows else None,
        "missing": missing if rows and form else [],
        "shown": setup.texts_participants_see(study),
        "history": setup.consent_history(study),
    }
    return render(request, "studies/setup/consent.html", context, status=status)


@study_role()
def consent_setup(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """GET: the page for every role. POST (managers): save the draft; or, with a row button or Preview, show the
    form again as typed, with one more row or each language's text rendered, saving nothing."""
    study = membership.study
    if request.method != "POST":
        return _page(request, membership, _editor(study) if membership.is_manager else None)
    if not membership.is_manager:
        raise PermissionDenied
    if _archived(study):
        messages.error(request, _("The study is archived: its consent form can no longer change."))
        return redirect("studies:consent_setup", slug=study.slug)
    action, data = request.POST.get("action", "save"), request.POST.copy()
    if action in ROW_BUTTONS:
        name, most = ROW_BUTTONS[action]
        data[name] = str(min(_int(data.get(name)) + 1, most))
    form = _editor(study, data)
    if action != "save":
        previews = {language: _preview(data.get(f"body-{language}", "")) for language in form.languages}
        return _page(request, membership, form, 400 if form.errors else 200, previews if action == "preview" else None)
    if form.is_valid():
        try:
            version = setup.save_consent_draft(study=study, draft=form.draft, request=request)
        except setup.ConsentSetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The draft of version %(version)s is saved.") % {"version": version})
            return redirect("studies:consent_setup", slug=study.slug)
    return _page(request, membership, form, 400)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _preview(text: str) -> str:
    return render_consent(ConsentDocument(body_markdown=text[:PREVIEW_MAX_CHARACTERS]))


@require_POST
@study_role(*MANAGERS)
def consent_preview(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """The sanitised HTML of the posted Markdown (`text`), for the editor's live preview (consent_editor.js)."""
    text = request.POST.get("text", "")
    if len(text) > PREVIEW_MAX_CHARACTERS:
        return HttpResponse(_("The text is too long to preview."), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(_preview(text), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@study_role(*MANAGERS)
def consent_publish(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """Publish the draft in every language (refused, naming each missing text) and start the re-consent flow."""
    study, version = membership.study, _int(request.POST.get("version"))
    try:
        asked = setup.publish_consent_draft(study=study, version=version, request=request)
    except setup.ConsentIncomplete as refusal:
        form = _editor(study)
        form.refuse_publication(version, refusal.missing)
        return _page(request, membership, form, 400)
    except setup.ConsentSetupError as error:
        messages.error(request, str(error))
        return redirect("studies:consent_setup", slug=study.slug)
    message = _("Version %(version)s is published. %(count)s participants were asked to consent again.")
    messages.success(request, message % {"version": version, "count": asked})
    return redirect("studies:consent_setup", slug=study.slug)
