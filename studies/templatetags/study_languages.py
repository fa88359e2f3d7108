"""Template filters for a study's languages, which may be any ISO 639 code (Django knows only some of them)."""

from __future__ import annotations

from django import template

from studies.iso_names import own_name

register = template.Library()


@register.filter
def language_options(codes: list[str] | None) -> list[tuple[str, str]]:
    """(code, the language's own name) per study language, for a language switcher."""
    return [(code, own_name(code)) for code in codes or []]
