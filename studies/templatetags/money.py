"""Amounts of money as people read them: `{{ line.amount|money:line.currency }}` gives "US$25.00"."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()

# Symbols that say which currency they are without the code; any other currency is shown with its ISO 4217 code.
SYMBOLS = {
    "USD": "US$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "MXN": "MX$",
    "BRL": "R$",
}


def format_money(amount: Decimal, currency: str) -> str:
    """The amount with two decimals in the page language's number format, after the currency's symbol or code."""
    number = number_format(amount, 2, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency)
    # No-break space: "KES 25.00" never splits across lines.
    return f"{symbol}{number}" if symbol else f"{currency}\u00a0{number}"


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)
