"""The team's questionnaire pages: the list, one questionnaire (its questions and rules), one question.

Every role of the study reads them; owners and researchers change them (studies.permissions: 403 for a POST by
anyone else), never in an archived study. Each change is one service call (studies.services.questionnaires).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from studies.forms.question_layout import question_layout
from studies.forms.questions import DuplicateQuestionForm, QuestionForm, QuestionnaireForm
from studies.forms.rules import RuleForm
from studies.forms.scales import ScaleForm
from studies.forms.screening import localized
from studies.forms.sections import SectionForm
from studies.models import Question, Questionnaire, Section, Study, StudyMembership
from studies.permissions import ALL_ROLES, MANAGERS, study_role
from studies.services import questionnaires as builder
from studies.services import sections as section_service
from studies.services.question_usage import answered, deletion_problems
from studies.services.questionnaire_export import answers_csv
from studies.services.rules import questionnaire_rule_errors, rule_in_words

ARCHIVED = Study.Status.ARCHIVED
PartT = TypeVar("PartT", Question, Section)


def can_edit(membership: StudyMembership) -> bool:
    return membership.role in MANAGERS and membership.study.status != ARCHIVED


def refuse_post(request: HttpRequest, membership: StudyMembership) -> bool:
    """For a POST: 403 unless the member manages the study; True (with a message) when the study is archived."""
    if membership.role not in MANAGERS:
        raise PermissionDenied
    if membership.study.status == ARCHIVED:
        messages.error(request, _("This study is archived: its questionnaires can no longer change."))
        return True
    return False


def show_errors(form: Form, error: builder.QuestionnaireError) -> None:
    for field, message in error.errors:
        form.add_error(field if field in form.fields else None, message)


def get_questionnaire(membership: StudyMembership, pk: int) -> Questionnaire:
    return get_object_or_404(Questionnaire.objects.select_related("study"), pk=pk, study=membership.study)


def questionnaire_part(model: type[PartT], membership: StudyMembership, pk: int, part_pk: int) -> PartT:
    """A question or section of questionnaire `pk` of the member's study, or 404."""
    return get_object_or_404(
        model.objects.select_related("questionnaire__study"),
        pk=part_pk,
        questionnaire__pk=pk,
        questionnaire__study=membership.study,
    )


def _question(membership: StudyMembership, pk: int, question_pk: int) -> Question:
    return questionnaire_part(Question, membership, pk, question_pk)


@study_role(*ALL_ROLES)
def questionnaire_list(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    if request.method == "POST" and refuse_post(request, membership):
        return redirect("studies:questionnaires", slug=study.slug)
    form = QuestionnaireForm(request.POST or None) if can_edit(membership) else None
    if form is not None and request.method == "POST" and form.is_valid():
        language = (study.languages or ["en"])[0]
        try:
            created = builder.create_questionnaire(
                study=study,
                kind=form.cleaned_data["kind"],
                title={language: form.cleaned_data["title"]},
                available_from=form.cleaned_data["available_from"],
                min_completion_seconds=form.cleaned_data["min_completion_seconds"],
                draft=True,
                request=request,
            )
        except IntegrityError:
            form.add_error("kind", _("This study already has a screening questionnaire."))
        else:
            return redirect("studies:questionnaire", slug=study.slug, pk=created.pk)
    context = {"study": study, "form": form, "questionnaires": study.questionnaires.order_by("kind", "id")}
    status = 400 if form is not None and form.errors else 200
    return render(request, "studies/setup/questionnaire_list.html", context, status=status)


@study_role(*ALL_ROLES)
def questionnaire_detail(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    """The builder: sections and their questions, and the rules; managers add a question (`action=question`), a
    section (`action=section`) or a rule (`action=rule`) here."""
    questionnaire = get_questionnaire(membership, pk)
    if request.method == "POST" and refuse_post(request, membership):
        return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = _add_forms(questionnaire, action, request.POST) if can_edit(membership) else {}
    if request.method == "POST" and action not in forms:
        return HttpResponseBadRequest(_("Add a question, or a rule to the screening questionnaire."))
    if action is not None and _added(request, questionnaire, action, forms[action]):
        return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)
    question_form = cast(QuestionForm | None, forms.get("question"))
    context = {
        **questionnaire_context(membership, questionnaire),
        "question_form": question_form,
        "layout": question_layout(question_form) if question_form is not None else None,
        "section_form": forms.get("section"),
        "rule_form": forms.get("rule"),
        "scale_form": ScaleForm(auto_id="id_scale_%s") if forms else None,
    }
    status = 400 if any(form.errors for form in forms.values()) else 200
    return render(request, "studies/setup/questionnaire.html", context, status=status)


def _add_forms(questionnaire: Questionnaire, action: str | None, data: Any) -> dict[str, Form]:
    """The forms to add a question and (to a screening) a rule; the one named by `action` bound to `data`."""
    forms: dict[str, Form] = {
        "question": QuestionForm(data if action == "question" else None, questionnaire=questionnaire),
        # Its own ids: the question form has a `key` field too.
        "section": SectionForm(
            data if action == "section" else None, questionnaire=questionnaire, auto_id="id_section_%s"
        ),
    }
    if questionnaire.kind == Questionnaire.Kind.SCREENING:
        # Its own ids: both forms have a `key` field, and a label (or the error summary's link) must reach its own.
        rule = RuleForm(data if action == "rule" else None, questionnaire=questionnaire, auto_id="id_rule_%s")
        forms["rule"] = rule
    return forms


def _added(request: HttpRequest, questionnaire: Questionnaire, action: str, form: Form) -> bool:
    if not form.is_valid():
        return False
    try:
        if isinstance(form, QuestionForm):
            builder.create_question(questionnaire=questionnaire, fields=form.question_fields, request=request)
        elif isinstance(form, SectionForm):
            key, title = form.cleaned_data["key"], form.title()
            section_service.create_section(questionnaire=questionnaire, key=key, title=title, request=request)
        else:
            builder.create_rule(questionnaire=questionnaire, request=request, **form.cleaned_data)
    except builder.QuestionnaireError as error:
        show_errors(form, error)
        return False
    added = {"question": _("The question was added."), "section": _("The section was added.")}
    messages.success(request, added.get(action, _("The rule was added.")))
    return True


def questionnaire_context(membership: StudyMembership, questionnaire: Questionnaire) -> dict[str, Any]:
    """What the builder shows: the status and versions, the questions under their sections (each with the study
    languages its text lacks), the rules and what no longer holds of them."""
    rules = list(questionnaire.rules.order_by("id"))
    problems = questionnaire_rule_errors(questionnaire)
    languages = membership.study.languages or ["en"]
    sections = list(questionnaire.sections.order_by("position", "id"))
    questions = builder.in_order(list(questionnaire.questions.order_by("position", "id")), sections)
    rows = [
        (question, [language for language in languages if not question.text.get(language)]) for question in questions
    ]
    return {
        "study": membership.study,
        "membership": membership,
        "editable": can_edit(membership),
        "manager": membership.role in MANAGERS,
        "questionnaire": questionnaire,
        "languages": languages,
        "earlier_versions": questionnaire.versions.count(),
        "questions": rows,
        "groups": _groups(rows, sections, languages[0]),
        "edges": _edges(questions, sections),
        "rules": [
            (rule, rule_in_words(key=rule.key, operator=rule.operator, value=rule.value), problems.get(rule.id, []))
            for rule in rules
        ],
    }


def _edges(questions: list[Question], sections: list[Section]) -> tuple[int | None, int | None]:
    """The question that cannot move up (first, before any section) and the one that cannot move down (last, in the
    last section): at a section's edge, a move crosses into the neighbouring section (the service does it)."""
    if not questions:
        return None, None
    first, last = questions[0], questions[-1]
    last_section = sections[-1].pk if sections else None
    return (first.pk if first.section_id is None else None), (last.pk if last.section_id == last_section else None)


def _groups(rows: list[tuple[Question, list[str]]], sections: list[Section], fallback: str) -> list[dict[str, Any]]:
    """The questions before the first section (always listed: a place to drop into), then each section's, its title
    in the page's language."""
    language = get_language() or fallback
    groups: list[dict[str, Any]] = [{"section": None, "questions": []}]
    groups += [
        {
            "section": section,
            "title": localized(section.title, language, fallback),
            "questions": [],
            "first": i == 0,
            "last": i == len(sections) - 1,
        }
        for i, section in enumerate(sections)
    ]
    by_id = {group["section"].pk: group for group in groups[1:]}
    for question, untranslated in rows:
        by_id.get(question.section_id, groups[0])["questions"].append((question, untranslated))
    return groups


@study_role(*ALL_ROLES)
def question_page(request: HttpRequest, membership: StudyMembership, pk: int, question_pk: int) -> HttpResponse:
    """One question: everyone reads it; managers edit it here, and copy, move or delete it from here."""
    question = _question(membership, pk, question_pk)
    if request.method == "POST" and refuse_post(request, membership):
        return redirect("studies:question", slug=membership.study.slug, pk=pk, question_pk=question_pk)
    form = None
    if can_edit(membership):
        form = QuestionForm(request.POST or None, questionnaire=question.questionnaire, question=question)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            builder.edit_question(question=question, fields=form.question_fields, request=request)
        except builder.QuestionnaireError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The question was saved."))
            return redirect(_in_list(question))
    return _render_question(request, membership, question, form=form)


def _render_question(
    request: HttpRequest,
    membership: StudyMembership,
    question: Question,
    *,
    form: QuestionForm | None = None,
    copy_form: DuplicateQuestionForm | None = None,
) -> HttpResponse:
    editable = can_edit(membership)
    if editable and copy_form is None:
        copy_form = DuplicateQuestionForm(question=question)
    context = {
        "study": membership.study,
        "questionnaire": question.questionnaire,
        "question": question,
        "languages": membership.study.languages or ["en"],
        "form": form,
        "layout": question_layout(form) if form is not None else None,
        "copy_form": copy_form if editable else None,
        "answered": answered(questionnaire=question.questionnaire, question=question),
    }
    failed = (form is not None and form.errors) or (copy_form is not None and copy_form.errors)
    return render(request, "studies/setup/question.html", context, status=400 if failed else 200)


def _in_list(question: Question) -> str:
    url = reverse("studies:questionnaire", args=[question.questionnaire.study.slug, question.questionnaire_id])
    return f"{url}#question-{question.pk}"


@require_POST
@study_role(*ALL_ROLES)
def question_move(request: HttpRequest, membership: StudyMembership, pk: int, question_pk: int) -> HttpResponse:
    question = _question(membership, pk, question_pk)
    if refuse_post(request, membership):
        return redirect(_in_list(question))
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Say whether to move the question up or down."))
    try:
        builder.move_question(question=question, up=direction == "up", request=request)
    except builder.QuestionnaireError as error:
        messages.error(request, str(error))
    return redirect(_in_list(question))


@require_POST
@study_role(*ALL_ROLES)
def question_duplicate(request: HttpRequest, membership: StudyMembership, pk: int, question_pk: int) -> HttpResponse:
    question = _question(membership, pk, question_pk)
    if refuse_post(request, membership):
        return redirect(_in_list(question))
    copy_form = DuplicateQuestionForm(request.POST, question=question)
    if copy_form.is_valid():
        try:
            copied = builder.duplicate_question(question=question, key=copy_form.cleaned_data["key"], request=request)
        except builder.QuestionnaireError as error:
            show_errors(copy_form, error)
        else:
            messages.success(request, _("The copy was added below the question: change what differs."))
            return redirect("studies:question", slug=membership.study.slug, pk=pk, question_pk=copied.pk)
    return _render_question(request, membership, question, copy_form=copy_form)


@require_POST
@study_role(*ALL_ROLES)
def question_delete(request: HttpRequest, membership: StudyMembership, pk: int, question_pk: int) -> HttpResponse:
    """A first POST shows what will be deleted (or why it cannot be); the confirming POST deletes."""
    question = _question(membership, pk, question_pk)
    if refuse_post(request, membership):
        return redirect(_in_list(question))
    if request.POST.get("confirm") != "yes":
        questions = list(question.questionnaire.questions.order_by("position", "id"))
        problems = deletion_problems(questionnaire=question.questionnaire, question=question, questions=questions)
        thing = _("the question “%(key)s”") % {"key": question.key}
        cancel = reverse("studies:question", args=[membership.study.slug, pk, question_pk])
        return confirm_delete(request, membership, thing=thing, problems=problems, cancel=cancel)
    try:
        builder.delete_question(question=question, request=request)
    except builder.QuestionnaireError as error:
        messages.error(request, str(error))
        return redirect("studies:question", slug=membership.study.slug, pk=pk, question_pk=question_pk)
    messages.success(request, _("The question was deleted."))
    return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)


def confirm_delete(
    request: HttpRequest, membership: StudyMembership, *, thing: str, problems: list[str], cancel: str
) -> HttpResponse:
    """The confirmation step of a delete: what goes, or why it cannot (then without a button to confirm)."""
    context = {"study": membership.study, "thing": thing, "problems": problems, "cancel": cancel}
    return render(request, "studies/setup/confirm_delete.html", context)


@require_GET
@study_role(*MANAGERS)
def questionnaire_export(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    """Every response to the questionnaire as CSV (pseudonyms, no contact details), audit-logged. Answers are for
    owners and researchers only."""
    study = membership.study
    questionnaire = get_questionnaire(membership, pk)
    record_event(
        action="questionnaire_responses.exported",
        request=request,
        study_id=study.id,
        target=questionnaire,
        detail={"questionnaire": questionnaire.id, "responses": questionnaire.responses.count()},
    )
    response = StreamingHttpResponse(answers_csv(questionnaire=questionnaire), content_type="text/csv; charset=utf-8")
    filename = f"{study.slug}-{questionnaire.kind}-{questionnaire.id}-answers.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    # studies.permissions types views as returning HttpResponse; a streaming response serves the same purpose.
    return cast(HttpResponse, response)
