"""The wording of the messages a team may write itself (MessageTemplate kinds): the placeholders, the platform's
wording, checking a team's text, and filling it in for one person.

A text is plain, with the placeholders {code} (the participant's code), {study} (the title), {link} (their
personal page) and {contact} (the study's contact e-mail). Filling is one pass over the team's text, so a title
or code that happens to hold "{link}" is shown as it is, never filled in again. The platform's wording comes from
the catalogs (gettext, in the person's language) with the same placeholders; the invitation keeps the msgids it had
before teams could word it, so its translations still apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from studies.models import MessageTemplate, Participant, Study
from studies.services.portal import portal_url

Kind = MessageTemplate.Kind
S = Participant.Status
PLACEHOLDERS = ("code", "study", "link", "contact")
# Anything in braces counts as a placeholder, so a misspelt one ({lnik}) is refused rather than sent as typed.
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
SUBJECT_MAX_LENGTH = MessageTemplate._meta.get_field("subject").max_length or 200
BODY_MAX_LENGTH = MessageTemplate._meta.get_field("body").max_length or 5000
# The stages at which a message still applies when it is sent; None: any stage (withdrawn people get nothing).
APPLIES_TO: dict[str, frozenset[str] | None] = {
    Kind.INVITATION: frozenset({S.INVITED}),
    Kind.NUDGE_CONSENT: frozenset({S.INVITED}),
    Kind.NUDGE_BOOKING: frozenset({S.CONSENTED}),
    Kind.NO_SHOW: frozenset({S.CONSENTED}),
    Kind.TEAM_MESSAGE: None,
}
# The platform's wording writes %(name)s (the catalogs' format); these turn it into the placeholders above.
AS_PLACEHOLDERS = {"study": "{study}", "url": "{link}", "link": "{link}", "code": "{code}", "contact": "{contact}"}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that are not ours, each once, as written (with their braces)."""
    found = [f"{{{name}}}" for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    return list(dict.fromkeys(found))


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)


def _platform_texts(kind: str) -> tuple[str, str] | None:
    """The platform's subject and body for `kind` in the active language (%(name)s format); None for the team's
    own message, which the platform never words."""
    if kind == Kind.INVITATION:
        return _("Your invitation: %(study)s"), _(
            'Thank you for your interest in the study "%(study)s". You can take part.\n\n'
            "Open your personal page to read the consent information and choose an interview time:\n"
            "%(url)s\n\nThis link is personal; please do not share it."
        )
    if kind == Kind.NUDGE_CONSENT:
        return _("A reminder: %(study)s"), _(
            'You were invited to take part in the study "%(study)s" and have not given your consent yet.\n\n'
            "If you would still like to take part, open your personal page to read the consent information:\n"
            "%(link)s\n\nIf you do not want to take part, you can ignore this e-mail. This link is personal; "
            "please do not share it."
        )
    if kind == Kind.NUDGE_BOOKING:
        return _("Please choose an interview time: %(study)s"), _(
            'Thank you for agreeing to take part in the study "%(study)s". You have not chosen an interview time '
            "yet.\n\nOpen your personal page to choose one:\n%(link)s\n\nThis link is personal; please do not share it."
        )
    if kind == Kind.NO_SHOW:
        return _("We missed you: %(study)s"), _(
            'We are sorry we missed you at your interview for the study "%(study)s". If you would still like to take '
            "part, please choose a new time on your personal page:\n%(link)s\n\n"
            "This link is personal; please do not share it."
        )
    return None


def platform_wording(*, kind: str, language: str) -> Wording | None:
    """The platform's wording of `kind` in `language`, with our placeholders; None for the team's message."""
    with translation.override(language):
        texts = _platform_texts(kind)
    if texts is None:
        return None
    subject, body = texts
    return Wording(subject % AS_PLACEHOLDERS, body % AS_PLACEHOLDERS)


def saved_wording(*, study: Study, kind: str, language: str) -> Wording | None:
    template = MessageTemplate.objects.filter(study=study, kind=kind, language=language).first()
    return Wording(template.subject, template.body) if template is not None else None


def wording_for(*, study: Study, kind: str, language: str) -> Wording | None:
    """The team's wording in `language` when saved, else the platform's (None: nothing to send)."""
    return saved_wording(study=study, kind=kind, language=language) or platform_wording(kind=kind, language=language)


def _filled(wording: Wording, values: dict[str, str]) -> Wording:
    # A subject is one header line: whatever the title holds, it never breaks into a second one.
    return Wording(" ".join(fill(wording.subject, values).split()), fill(wording.body, values))


def compose(*, participant: Participant, kind: str) -> Wording | None:
    """The message of `kind` for `participant`, in their language, with a fresh link to their portal."""
    study = participant.study
    wording = wording_for(study=study, kind=kind, language=participant.language)
    if wording is None:
        return None
    values = {
        "code": participant.code,
        "study": study.title,
        "link": portal_url(participant=participant),
        "contact": study.contact_email,
    }
    return _filled(wording, values)


def preview(*, study: Study, wording: Wording) -> Wording:
    """`wording` filled in with an example person (their link is a sample that opens nothing)."""
    sample = f"{settings.SITE_URL}{reverse('participate:portal_enter')}?{urlencode({'t': 'example'})}"
    values = {"code": "P-7K3Q", "study": study.title, "link": sample, "contact": study.contact_email or "—"}
    return _filled(wording, values)


def problems(*, subject: str, body: str) -> dict[str, str]:
    """What is wrong with a team's wording, per field ("subject", "body"); empty when it can be saved."""
    found: dict[str, str] = {}
    for field, text, limit in (("subject", subject, SUBJECT_MAX_LENGTH), ("body", body, BODY_MAX_LENGTH)):
        if unknown := unknown_placeholders(text):
            found[field] = _("Unknown placeholder: %(names)s. Use only {code}, {study}, {link} and {contact}.") % {
                "names": ", ".join(unknown)
            }
        elif len(text) > limit:
            found[field] = _("Too long: %(length)d characters, at most %(limit)d.") % {
                "length": len(text),
                "limit": limit,
            }
    if "\n" in subject or "\r" in subject:
        found.setdefault("subject", _("The subject must be one line."))
    return found
