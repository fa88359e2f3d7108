"""What the platform knows about who and what to remove: the participant's records and the study's list.

Read only by the redaction pass (owner/researcher pages); nothing here is logged or returned to a page.
"""

from __future__ import annotations

import phonenumbers
from django.db import transaction

from accounts.models import User
from review.models import StudyIdentifier
from review.redaction import Kind, ParticipantIdentifiers, StudyEntity
from review.redaction.keep import DEFAULT_KEEP_TERMS
from studies.models import ContactDetails, Participant, ScreeningResponse, Study

# Screening answers that hold identifiers when a study asks for them (question keys, by convention).
_ANSWER_KEYS = {
    "given_name": ("given_name", "first_name"),
    "family_name": ("family_name", "last_name", "surname"),
    "city": ("city", "town", "city_of_residence"),
    "address": ("address", "street_address"),
    "employer": ("employer", "workplace", "organisation", "organization"),
}
_OTHER_NAME_KEYS = ("nickname", "preferred_name", "other_names")
# The keep list's bounds (the form and the set-up file check them): a list, not a dictionary.
KEEP_TERMS_MAX = 300
KEEP_TERM_MAX_LENGTH = 80


def _answers(participant: Participant) -> dict[str, object]:
    merged: dict[str, object] = {}
    for response in ScreeningResponse.objects.filter(participant=participant).order_by("submitted_at"):
        merged.update(response.attributes or {})
        merged.update(response.answers or {})
    return merged


def _first_text(answers: dict[str, object], keys: tuple[str, ...]) -> str:
    return next((str(answers[k]).strip() for k in keys if isinstance(answers.get(k), str) and answers[k]), "")


def participant_identifiers(participant: Participant) -> ParticipantIdentifiers:
    """Name, email and phone from the encrypted contact record; city, address, employer and other names from
    screening answers with conventional keys; the screening country as the region for local phone numbers."""
    contact = ContactDetails.objects.filter(participant=participant).first()
    answers = _answers(participant)
    country = answers.get("country")
    region = country.upper() if isinstance(country, str) and len(country) == 2 else ""
    return ParticipantIdentifiers(
        given_name=_first_text(answers, _ANSWER_KEYS["given_name"]),
        family_name=_first_text(answers, _ANSWER_KEYS["family_name"]),
        full_name=contact.name if contact and contact.name else "",
        other_names=tuple(t for t in (_first_text(answers, (key,)) for key in _OTHER_NAME_KEYS) if t),
        emails=(contact.email,) if contact and contact.email else (),
        phones=(contact.phone,) if contact and contact.phone else (),
        city=_first_text(answers, _ANSWER_KEYS["city"]),
        address=_first_text(answers, _ANSWER_KEYS["address"]),
        employer=_first_text(answers, _ANSWER_KEYS["employer"]),
        phone_region=region or _region_of(contact.phone if contact else ""),
    )


def _region_of(phone: str) -> str:
    """The country of an international number in the record: local numbers in the transcript are read there."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone, None)) or ""
    except phonenumbers.NumberParseException:
        return ""


def study_entities(study: Study) -> list[StudyEntity]:
    entities = []
    for item in StudyIdentifier.objects.filter(study=study):
        aliases = tuple(line.strip() for line in item.aliases.splitlines() if line.strip())
        entities.append(StudyEntity(Kind(item.kind), item.name.strip(), aliases))
    return entities


@transaction.atomic
def add_study_identifier(*, study: Study, kind: str, name: str, aliases: str, author: User) -> StudyIdentifier:
    """Add a person, place or organisation to the study's list (the caller checked the role)."""
    return StudyIdentifier.objects.create(study=study, kind=kind, name=name.strip(), aliases=aliases.strip())


@transaction.atomic
def remove_study_identifier(*, study: Study, identifier_id: int) -> None:
    StudyIdentifier.objects.filter(study=study, id=identifier_id).delete()


def keep_terms_of(study: Study) -> list[str]:
    """The study's keep list: its own words, or the platform's defaults while the team never changed them."""
    return list(DEFAULT_KEEP_TERMS) if study.deid_keep_terms is None else [str(t) for t in study.deid_keep_terms]


@transaction.atomic
def set_keep_terms(*, study: Study, terms: list[str], keep_countries: bool) -> None:
    """Replace the words the entity finder never proposes, and whether countries are among them. `terms` come
    cleaned from KeepTermsForm (one phrase each, no duplicates). Proposals are recomputed on each page, so the
    change shows at once; decisions already taken stay. The caller checked the role."""
    # An update of these two columns only: a concurrent settings save elsewhere keeps its own fields.
    Study.objects.filter(pk=study.pk).update(deid_keep_terms=terms, deid_keep_countries=keep_countries)
