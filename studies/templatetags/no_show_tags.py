"""The interview page's "mark as missed" button (transcription/_no_show.html) asks here whether to show."""

from __future__ import annotations

from django import template

from studies.models import Interview
from studies.services.no_show import may_mark_no_show

register = template.Library()


@register.filter
def no_show_possible(interview: Interview) -> bool:
    """Whether `interview` may be marked as missed now (a booked live interview whose start has passed)."""
    return may_mark_no_show(interview)
