"""A question's logic in words on the team's pages: "shown if used_chatbot equal to yes and age at least 18"."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from studies.forms.questions import OPERATOR_CHOICES
from studies.models import Question

register = template.Library()


@register.filter
def conditions_in_words(question: Question) -> str:
    """The conditions joined by "and" (all) or "or" (any); empty when the question is always shown."""
    words = dict(OPERATOR_CHOICES)
    parts = []
    for condition in question.conditions:
        value = condition.get("value")
        shown = "" if value in (None, "") else f" {value}"
        parts.append(f"{condition.get('key', '')} {words.get(condition.get('op', ''), condition.get('op', ''))}{shown}")
    joiner = f" {_('or')} " if question.condition_match == Question.Match.ANY else f" {_('and')} "
    return joiner.join(parts)
