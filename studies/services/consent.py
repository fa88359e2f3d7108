"""E-consent: safe rendering, the hash of the exact text signed, signing, new versions, the PDF copy."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import markdown
import nh3
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from studies.models import (
    CompensationPlan,
    Consent,
    ConsentDocument,
    ConsentItem,
    OutboxMessage,
    Participant,
    Study,
)
from studies.services.incentives import earn_incentive
from studies.services.outbox import queue_message
from studies.services.questionnaire_notices import announce_when_due

CONSENTABLE = (Participant.Status.INVITED, Participant.Status.CONSENTED, Participant.Status.SCHEDULED)
# fontTools logs every font subset at INFO; a consent copy is not worth a log line.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/noto"))


class ConsentError(Exception):
    """A signature that cannot be accepted; the message is for the participant, in their language."""


def render_consent(document: ConsentDocument) -> str:
    """The document's Markdown as sanitised HTML (no script, no attributes beyond links)."""
    return nh3.clean(markdown.markdown(document.body_markdown), link_rel="noopener noreferrer")


def item_label(key: str, rule: dict[str, Any]) -> str:
    """What a participant reads for an item: the team's label, else the platform's for a well-known key (documents
    written before labels existed have none), else the key itself."""
    if label := str(rule.get("label") or "").strip():
        return label
    return str(ConsentItem(key).label) if key in ConsentItem.values else key


def consent_text_sha256(document: ConsentDocument) -> str:
    """SHA-256 of exactly what the participant is shown: the title and the rendered text."""
    return hashlib.sha256(f"{document.title}\n{render_consent(document)}".encode()).hexdigest()


def current_document(*, study: Study, language: str) -> ConsentDocument | None:
    """The latest published version in the language, else in the study's first language."""
    published = ConsentDocument.objects.filter(study=study, published_at__isnull=False).order_by("-version")
    fallback = (study.languages or ["en"])[0]
    return published.filter(language=language).first() or published.filter(language=fallback).first()


def _check(document: ConsentDocument, choices: dict[str, bool], answers: list[int | None], name: str) -> None:
    missing = [item for item, rule in document.items.items() if rule.get("required") and not choices.get(item)]
    if missing:
        raise ConsentError(_("Taking part needs your agreement to every item marked as required."))
    questions = document.comprehension_questions
    if len(answers) != len(questions) or any(a != q["answer"] for a, q in zip(answers, questions, strict=True)):
        raise ConsentError(_("At least one answer about the study is not right yet. Please read the text again."))
    if not name.strip():
        raise ConsentError(_("Please type your full name to sign."))


@transaction.atomic
def sign_consent(
    *,
    participant: Participant,
    document: ConsentDocument,
    choices: dict[str, bool],
    comprehension_answers: list[int | None],
    signature_name: str,
    ip_address: str,
    language: str,
) -> Consent:
    """Record a signature on `document`, superseding earlier consents, and email a PDF copy once committed."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.status not in CONSENTABLE:
        raise ConsentError(_("This consent form is not open to you at the moment."))
    _check(document, choices, comprehension_answers, signature_name)
    now = timezone.now()
    participant.consents.filter(superseded_at__isnull=True).update(superseded_at=now)
    consent = Consent.objects.create(
        participant=participant,
        document=document,
        choices={item: bool(choices.get(item)) for item in document.items},
        signature_name=signature_name.strip(),
        signed_at=now,
        ip_address=ip_address,
        language=language,
        text_sha256=consent_text_sha256(document),
    )
    if participant.status == Participant.Status.INVITED:
        participant.status = Participant.Status.CONSENTED
        participant.nudges_sent = 0  # a new step: its reminders count from zero (studies.services.nudges)
        participant.save(update_fields=["status", "nudges_sent", "updated_at"])
        announce_when_due(participant_id=participant.id)
    earn_incentive(participant=participant, reason=CompensationPlan.Trigger.CONSENTED)  # once: a re-signing earns none
    queue_message(kind=OutboxMessage.Kind.CONSENT_COPY, participant_id=participant.id, consent_id=consent.id)
    return consent


@transaction.atomic
def publish_consent_version(*, document: ConsentDocument, now: datetime | None = None) -> int:
    """Publish a new version and ask everyone not yet interviewed who signed an older one to re-consent.

    Returns how many consents were superseded; those participants get an email once committed.
    """
    now = now or timezone.now()
    document.published_at = now
    document.save(update_fields=["published_at", "updated_at"])
    stale = Consent.objects.filter(
        document__study=document.study,
        document__version__lt=document.version,
        superseded_at__isnull=True,
        participant__status__in=(Participant.Status.CONSENTED, Participant.Status.SCHEDULED),
    )
    participant_ids = list(stale.values_list("participant_id", flat=True))
    count = stale.update(superseded_at=now)
    for pid in participant_ids:
        queue_message(kind=OutboxMessage.Kind.RECONSENT, participant_id=pid)
    return count


def needs_consent(participant: Participant) -> bool:
    return participant.status in CONSENTABLE and not participant.consents.filter(superseded_at__isnull=True).exists()


def _font(name: str) -> str | None:
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return None


DEVANAGARI = re.compile(r"[\u0900-\u097F\uA8E0-\uA8FF]")
NEUTRAL = re.compile(r"[\s\d.,:;!?()\-\u2013\u2014\"'/]")


def _script_runs(text: str) -> list[tuple[bool, str]]:
    """Split text into runs of Devanagari and of everything else; spaces and punctuation stay in the run
    they follow, so words are never split from their punctuation."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        devanagari = bool(DEVANAGARI.match(char)) if not NEUTRAL.match(char) or not runs else runs[-1][0]
        if runs and runs[-1][0] == devanagari:
            runs[-1] = (devanagari, runs[-1][1] + char)
        else:
            runs.append((devanagari, char))
    return runs


def consent_pdf(consent: Consent) -> bytes:
    """A PDF copy of the signed text, the choices and the signature record.

    DejaVu Sans covers Latin (Spanish included), Greek and Cyrillic; Noto Sans Devanagari (Debian
    fonts-noto-core) covers Hindi, shaped with HarfBuzz so conjuncts render correctly. Each run of text is
    written in the font of its script.
    """
    document = consent.document
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    latin, devanagari = _font("DejaVuSans.ttf"), _font("NotoSansDevanagari-Regular.ttf")
    if latin is None:
        raise RuntimeError("The DejaVu fonts (Debian fonts-dejavu-core) are needed for consent PDFs.")
    pdf.add_font("latin", fname=latin)
    pdf.add_font("deva", fname=devanagari or latin)
    pdf.set_text_shaping(True)
    pdf.add_page()

    def write(text: str, size: float = 10.5) -> None:
        height = size * 0.55
        for paragraph in text.split("\n"):
            for is_devanagari, run in _script_runs(paragraph):
                pdf.set_font("deva" if is_devanagari else "latin", size=size)
                pdf.write(height, run)
            pdf.ln(height)

    write(document.title, size=15)
    text = html.unescape(nh3.clean(render_consent(document).replace("</p>", "</p>\n"), tags=set()))
    write(text.strip())
    pdf.ln(4)
    for item, rule in document.ordered_items():
        answer = _("Yes") if consent.choices.get(item) else _("No")
        write(f"{item_label(item, rule)}: {answer}")
    pdf.ln(4)
    write(
        _("Signed by %(name)s on %(when)s (UTC), version %(version)s, language %(language)s.")
        % {
            "name": consent.signature_name,
            "when": consent.signed_at.strftime("%Y-%m-%d %H:%M"),
            "version": document.version,
            "language": consent.language,
        }
    )
    write(f"SHA-256: {consent.text_sha256}")
    return bytes(pdf.output())
