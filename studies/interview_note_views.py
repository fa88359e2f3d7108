"""Time-stamped notes during a live interview (studies.services.interview_notes): save one, take one back.

For owners, researchers and interviewers (NOTE_ROLES, checked by studies.permissions); the service audits every
write with ids only. The form on the interview page is a plain POST that comes back to the page; its script sends
the same POST asking for JSON and adds the note without reloading (the interview goes on meanwhile).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from studies.forms.interview_notes import InterviewNoteForm
from studies.models import Interview, InterviewNote, StudyMembership
from studies.permissions import study_role
from studies.services.distress import LIVE_MODES
from studies.services.interview_notes import NOTE_ROLES, NoteError, add_note, delete_note
from studies.templatetags.distress_tags import clock


def _interview(membership: StudyMembership, interview_id: int) -> Interview:
    return get_object_or_404(
        Interview.objects.select_related("study", "participant"),
        id=interview_id,
        study=membership.study,
        mode__in=LIVE_MODES,
    )


def _notes_url(membership: StudyMembership, interview_id: int) -> str:
    return reverse("transcription:interview", args=[membership.study.slug, interview_id]) + "#notes"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_POST
@study_role(*NOTE_ROLES)
def note_add(request: HttpRequest, membership: StudyMembership, interview_id: int) -> HttpResponse:
    """Save a note now. A refusal answers 400: JSON with the reason for the page's script, else the form on a page
    of its own with the text as typed."""
    interview = _interview(membership, interview_id)
    form = InterviewNoteForm(request.POST)
    if form.is_valid():
        try:
            note = add_note(interview=interview, text=form.cleaned_data["text"], user=request.user, request=request)
        except NoteError as error:
            form.add_error("text", str(error))
        else:
            return _saved(request, membership, note)
    if _wants_json(request):
        return JsonResponse({"error": " ".join(map(str, form.errors.get("text", [])))}, status=400)
    context = {"study": membership.study, "interview": interview, "form": form}
    return render(request, "studies/interview_notes/note_form.html", context, status=400)


def _saved(request: HttpRequest, membership: StudyMembership, note: InterviewNote) -> HttpResponse:
    shown = clock(note.offset) or _("not started")
    if not _wants_json(request):
        messages.success(request, _("The note was saved at %(time)s.") % {"time": shown})
        return redirect(_notes_url(membership, note.interview_id))
    # The page's script turns the time into a link to the recording when the page has one.
    context = {"note": note, "study": membership.study, "interview": note.interview, "deletable_notes": {note.pk}}
    html = render_to_string("studies/interview_notes/_note.html", context, request=request)
    return JsonResponse({"id": note.pk, "offset": note.offset, "clock": shown, "html": html}, status=201)


@require_POST
@study_role(*NOTE_ROLES)
def note_delete(request: HttpRequest, membership: StudyMembership, interview_id: int) -> HttpResponse:
    """Take back one's own note, in its first minutes (the note's id in the form's `note`)."""
    interview = _interview(membership, interview_id)
    note_id = request.POST.get("note", "")
    note = get_object_or_404(
        InterviewNote.objects.select_related("interview__study"),
        pk=int(note_id) if note_id.isascii() and note_id.isdigit() and len(note_id) < 10 else 0,
        interview=interview,
    )
    try:
        delete_note(note=note, user=request.user, request=request)
    except NoteError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The note was deleted."))
    return redirect(_notes_url(membership, interview.id))
