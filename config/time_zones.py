"""IANA time zones: the names people may choose (a team member's profile, a participant's booking page).

In config, the lowest layer, so that accounts (the profile) and studies (booking) share one list.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from django.utils.translation import gettext as _

# "localtime" is the server's own zone and "Factory" a placeholder: neither names a place a person lives in.
TIME_ZONES: list[str] = sorted(available_timezones() - {"localtime", "Factory"})
_KNOWN = frozenset(TIME_ZONES)


def is_time_zone(name: str) -> bool:
    return name in _KNOWN


def zone_or_utc(name: str) -> ZoneInfo:
    """The zone called `name`, or UTC when it is empty or not a zone this system knows (a stored name that a newer
    tz database dropped must not break every page)."""
    return ZoneInfo(name if name in _KNOWN else "UTC")


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The zones for a <select>, grouped by region ("America", "Europe", ...), so the list stays usable by
    keyboard and on a phone; zones without a region (UTC, "EST5EDT" and the like) come last, under "Other". Labels are
    the whole name ("America/New York"): a closed <select> shows no group."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in TIME_ZONES:
        region, _slash, place = name.partition("/")
        if place:
            groups.setdefault(region, []).append((name, name.replace("_", " ")))
        else:
            groups.setdefault("", []).append((name, name))
    other = groups.pop("", [])
    return [*groups.items(), (_("Other"), other)] if other else list(groups.items())
