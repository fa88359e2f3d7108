"""A team member's own profile: the name others see and the time zone they work in."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from config.time_zones import is_time_zone


class ProfileError(ValueError):
    """A value the profile cannot hold (the form offers only valid ones; this guards other callers)."""


@transaction.atomic
def update_profile(*, user: User, display_name: str, time_zone: str) -> User:
    """Set the display name and the time zone (an IANA name, or empty for UTC). Not audited: neither says anything
    about a study, and both are the person's own to change."""
    if time_zone and not is_time_zone(time_zone):
        raise ProfileError(time_zone)
    user.display_name = display_name.strip()
    user.time_zone = time_zone
    user.save(update_fields=["display_name", "time_zone"])
    return user
