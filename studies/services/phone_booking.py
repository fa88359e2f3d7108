"""A phone interview needs a number to call. When a participant books a phone slot and their contact details hold
no phone number, the booking asks for one; it is checked with libphonenumber (the `phonenumbers` port), stored in
E.164 form, encrypted, with its keyed hash as the screening stores one, in the booking's own transaction: a refused
booking stores no number. Only the roles that meet participants read it (the interview page, the participant page).
"""

from __future__ import annotations

import phonenumbers
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.audit import record_event
from config.crypto import keyed_hash
from studies.models import ContactDetails, Interview, Participant, Slot
from studies.selectors import participant_country
from studies.services.scheduling import BookingError, book_slot


def normalise_phone(text: str, *, region: str = "") -> str:
    """The number in E.164 form ("+442079460018"): typed with its country code, or in the person's own country's
    format when `region` (ISO 3166 alpha-2, from their screening) is known. ValueError for anything that is not a
    valid number; the error never carries the number."""
    try:
        parsed = phonenumbers.parse(text, region.upper() or None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_region_for(participant: Participant, slots: QuerySet[Slot]) -> str | None:
    """None when the booking asks for no phone number (the person has one on record, or none of the open `slots` is
    by phone); else their screening country (ISO alpha-2, "" when unknown), for a number typed without its code."""
    if not slots.filter(mode=Interview.Mode.PHONE).exists():
        return None
    if ContactDetails.objects.filter(participant=participant).exclude(phone="").exists():
        return None
    return participant_country(participant)


def book_with_phone(*, participant: Participant, slot: Slot, time_zone: str = "", phone: str = "") -> Interview:
    """Book `slot` (studies.services.scheduling.book_slot); for a phone slot, store `phone` (E.164, checked by the
    caller with normalise_phone) when the person has no number on record. BookingError when a phone slot is booked
    without any number. Locks the participant, then the slot, as book_slot does (the same order: no deadlock)."""
    with transaction.atomic():
        Participant.objects.select_for_update().get(pk=participant.pk)
        locked = Slot.objects.select_for_update().filter(pk=slot.pk).first()
        if locked is not None and locked.mode == Interview.Mode.PHONE:
            _store_phone(participant, phone)
        return book_slot(participant=participant, slot=slot, time_zone=time_zone)


def _store_phone(participant: Participant, phone: str) -> None:
    contact = ContactDetails.objects.select_for_update().filter(participant=participant).first()
    if contact is not None and contact.phone:
        return  # the number they gave before stays; the team can reach them on it
    if not phone:
        raise BookingError(_("A phone interview needs the number we should call you on."))
    if contact is None:
        contact = ContactDetails(participant=participant)
    contact.phone = phone
    contact.phone_hash = keyed_hash(phone)
    contact.save()
    record_event(action="contact_details.phone_added", study_id=participant.study_id, target=participant)
