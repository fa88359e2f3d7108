"""Fraud and bot signals on public screening responses, and the per-IP rate limit.

Every signal works on keyed hashes (config.crypto.keyed_hash): neither IP addresses, user agents nor
email addresses are stored or compared in plaintext.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from config.crypto import keyed_hash
from studies.models import ContactDetails, Question, ScreeningResponse, Study

logger = logging.getLogger(__name__)


def client_hash(*, ip: str, user_agent: str) -> str:
    return keyed_hash(f"{ip}|{user_agent}")


def allow_submission(*, ip: str) -> bool:
    """Count a public form submission from this IP; False once the hourly limit is passed.

    A fixed one-hour window in the shared cache (Redis in production), keyed by a hash of the address.
    """
    key = f"screening-rate:{keyed_hash(ip)}"
    try:
        try:
            count = cache.incr(key)  # one round trip in the common case
        except ValueError:  # the first submission of this window
            count = 1 if cache.add(key, 1, timeout=3600) else cache.incr(key)
    except RedisError as error:
        # Fail open: a participant's answers (perhaps given in distress) must never be lost to a cache outage;
        # the other fraud signals still apply. Logged without the address.
        logger.warning("Screening rate limit unavailable (%s); submission allowed", type(error).__name__)
        return True
    return count <= settings.SCREENING_RATE_LIMIT_PER_HOUR


@dataclass
class RiskAssessment:
    reasons: list[str] = field(default_factory=list)
    bot: bool = False

    @property
    def level(self) -> str:
        if self.bot:
            return ScreeningResponse.Risk.HIGH
        return ScreeningResponse.Risk.MEDIUM if self.reasons else ScreeningResponse.Risk.LOW


def assess_risk(
    *,
    study: Study,
    questions: list[Question],
    answers: dict[str, Any],
    honeypot: str,
    seconds_taken: float,
    min_seconds: int,
    email_hash: str,
    phone_hash: str,
    client: str,
    now: datetime,
) -> RiskAssessment:
    """Reasons are short codes researchers see on the review page."""
    risk = RiskAssessment()
    if honeypot:
        risk.bot = True
        risk.reasons.append("honeypot_filled")
    if seconds_taken < min_seconds:
        risk.reasons.append("too_fast")
    contacts = ContactDetails.objects.filter(participant__study=study)
    if email_hash and contacts.filter(email_hash=email_hash).exists():
        risk.reasons.append("duplicate_email")
    if phone_hash and contacts.filter(phone_hash=phone_hash).exists():
        risk.reasons.append("duplicate_phone")
    window = now - timedelta(hours=settings.SCREENING_DUPLICATE_WINDOW_HOURS)
    if ScreeningResponse.objects.filter(study=study, client_hash=client, submitted_at__gte=window).exists():
        risk.reasons.append("duplicate_device")
    for question in questions:
        if question.is_attention_check and str(answers.get(question.key, "")) != question.attention_answer:
            risk.reasons.append("failed_attention_check")
    return risk
