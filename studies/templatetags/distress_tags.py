"""Template filters of the distress protocol's pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds: float | None) -> str:
    """Seconds into a recording as m:ss, rounded down (the second the moment falls in, as a player shows it);
    minutes go past 59 rather than adding hours, so the value can be typed back into the m:ss field."""
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
