"""Two-factor authentication (TOTP and one-time recovery codes, via django-otp): who must use it, enrolling,
replacing and removing an authenticator, and the recovery codes that stand in for a lost phone.

Changing or removing an existing authenticator always asks for the current factor again (a code from the
authenticator or an unused recovery code), even in a verified session: a session left open on a shared computer
must not be enough to take over the account's second factor.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import record_event
from accounts.models import RecoveryCode, RecoveryCodeDevice, User, recovery_digest

DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: the codes are copied by hand from paper. Ten of 31 symbols hold about 50 bits each.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TOTP_CODE = re.compile(r"^\d{6}$")


def requires_two_factor(user: Any) -> bool:
    """True for staff and superusers (the admin), and when one of the user's study roles is in
    TWO_FACTOR_REQUIRED_ROLES (owner and researcher by default)."""
    if user.is_staff or user.is_superuser:
        return True
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


def matching_device(*, user: User, code: str) -> TOTPDevice | RecoveryCodeDevice | None:
    """The device that accepts `code`: the confirmed authenticator for six digits, else the recovery codes.

    A recovery code that matches is spent by this call.
    """
    code = code.strip()
    if TOTP_CODE.match(code):
        device = confirmed_device(user)
        return device if device is not None and device.verify_token(code) else None
    recovery = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is not None and recovery.verify_token(code):
        record_event(action="account.recovery_code.used", actor=user)
        return recovery
    return None


@transaction.atomic
def issue_recovery_codes(*, user: User) -> list[str]:
    """A fresh set of recovery codes for `user`, replacing any earlier set. Only their hashes are stored:
    the caller shows the returned codes once and forgets them."""
    device, _ = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    device.codes.all().delete()
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    formatted = [f"{code[:5]}-{code[5:]}" for code in codes]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, digest=recovery_digest(code)) for code in codes)
    record_event(action="account.recovery_codes.issued", actor=user)
    return formatted


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at=None).count()


@transaction.atomic
def enrol_device(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm `device` when `token` is valid for it; any earlier authenticator of the user is removed.

    Returns the new recovery codes (issued with every enrolment, so a replaced phone never leaves old codes
    valid), or None when the code did not match. The caller must have checked the current factor when the user
    already had a confirmed authenticator (`matching_device`).
    """
    if not device.verify_token(token):
        return None
    user = device.user
    replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()[0] > 0
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(action="account.two_factor.replaced" if replaced else "account.two_factor.enabled", actor=user)
    return issue_recovery_codes(user=user)


@transaction.atomic
def remove_two_factor(*, user: User) -> None:
    """Remove the user's authenticator and recovery codes. The caller must have checked the current factor."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    record_event(action="account.two_factor.removed", actor=user)
