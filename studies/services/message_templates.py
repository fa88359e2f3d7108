"""The team's own wording of the messages participants get (MessageTemplate), and the team's message to one person.

Owners and researchers word them (the views check the role); every write is audited with ids and codes only,
never the text. An archived study's set-up is final, its templates included.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from studies.models import MessageTemplate, OutboxMessage, Participant, Study
from studies.services import message_wording as wording
from studies.services.outbox import queue_message
from studies.services.study_setup import check_setup_editable

Kind = MessageTemplate.Kind


class MessageTemplateError(Exception):
    """A template or message that cannot be saved or sent; nothing was written. `field` names the form field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _check(*, study: Study, kind: str, language: str) -> None:
    if kind not in Kind.values:
        raise MessageTemplateError(_("Choose one of the messages listed."))
    if language not in (study.languages or ["en"]):
        raise MessageTemplateError(_("Choose one of the study's languages."))


def _plain_lines(text: str) -> str:
    """Line breaks as LF (a browser's text box sends CRLF), with the ends trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@transaction.atomic
def save_message_template(
    *,
    study: Study,
    kind: str,
    language: str,
    subject: str,
    body: str,
    user: User,
    request: HttpRequest | None = None,
) -> MessageTemplate:
    """Save the team's wording of `kind` in `language` (replacing an earlier one); refused while it names an unknown
    placeholder or is too long (MessageTemplateError naming the field)."""
    check_setup_editable(study)
    _check(study=study, kind=kind, language=language)
    if found := wording.problems(subject=subject, body=body):
        field, problem = next(iter(found.items()))
        raise MessageTemplateError(problem, field=field)
    template, created = MessageTemplate.objects.update_or_create(
        study=study, kind=kind, language=language, defaults={"subject": subject.strip(), "body": _plain_lines(body)}
    )
    record_event(
        action="message_template.saved",
        actor=user,
        request=request,
        study_id=study.id,
        target=template,
        detail={"kind": kind, "language": language, "created": created},
    )
    return template


@transaction.atomic
def delete_message_template(
    *, study: Study, kind: str, language: str, user: User, request: HttpRequest | None = None
) -> bool:
    """Go back to the platform's wording of `kind` in `language`; False when there was no saved wording."""
    check_setup_editable(study)
    deleted, _rows = MessageTemplate.objects.filter(study=study, kind=kind, language=language).delete()
    if deleted:
        detail = {"kind": kind, "language": language}
        record_event(action="message_template.deleted", actor=user, request=request, study_id=study.id, detail=detail)
    return bool(deleted)


def team_message_ready(participant: Participant) -> bool:
    """Whether the team's message can go to `participant`: they take part and it is written in their language."""
    return (
        participant.status != Participant.Status.WITHDRAWN
        and MessageTemplate.objects.filter(
            study_id=participant.study_id, kind=Kind.TEAM_MESSAGE, language=participant.language
        ).exists()
    )


@transaction.atomic
def queue_team_message(*, participant: Participant, user: User, request: HttpRequest | None = None) -> OutboxMessage:
    """Queue the team's message (the study's TEAM_MESSAGE template in the person's language) to `participant`.

    The caller has checked the role. The row is locked so a withdrawal made meanwhile is seen."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.status == Participant.Status.WITHDRAWN:
        raise MessageTemplateError(_("This person has withdrawn: they get no more messages."))
    if not team_message_ready(participant):
        raise MessageTemplateError(
            _("The team's message has no wording in this person's language (%(language)s) yet: write it first.")
            % {"language": participant.language}
        )
    message = queue_message(kind=OutboxMessage.Kind.TEAM_MESSAGE, participant_id=participant.id)
    record_event(
        action="participant.team_message_queued",
        actor=user,
        request=request,
        study_id=participant.study_id,
        target=participant,
        detail={"outbox": message.id},
    )
    return message
