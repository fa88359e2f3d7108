"""Two-factor authentication (TOTP, via django-otp): who must use it, and setting up a device."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import record_event
from accounts.models import User

DEVICE_NAME = "Authenticator app"


def requires_two_factor(user: Any) -> bool:
    """True when one of the user's study roles is in TWO_FACTOR_REQUIRED_ROLES (owner, researcher)."""
    roles = settings.TWO_FACTOR_REQUIRED_ROLES
    return bool(roles) and user.memberships.filter(role__in=roles).exists()


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(*, user: User) -> TOTPDevice:
    """The user's unconfirmed device, created on first call, to show as a QR code until confirmed."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": DEVICE_NAME})
    return device


def manual_key(device: TOTPDevice) -> str:
    """The secret as authenticator apps expect it typed: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG (no script, no external request)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1d232a")


@transaction.atomic
def confirm_device(*, device: TOTPDevice, token: str) -> bool:
    """Confirm the device when `token` is valid for it; the user's older devices are removed."""
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(action="account.two_factor.enabled", actor=device.user)
    return True
