"""A study's safety set-up: its own crisis resources, its safety contacts, and which recruiting countries they cover.

Writes are typed, keyword-only and atomic. Each locks the study row first, so an archive that lands at the same time
either waits for the change or refuses it (an archived study's set-up is read-only), and two team members ordering
contacts at once take turns. Audit entries hold ids and codes only: never a name, an address or a description.
The caller has checked the role (studies.permissions).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pycountry
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.iso_names import country_name
from studies.models import CrisisResource, EligibilityRule, Question, SafetyContact, Study

Op = EligibilityRule.Operator
# Rules that say where people must live: "country = MX" or "country is one of [MX, CO]". A "not in" rule names where
# the study does not recruit, so it says nothing about where it does.
RECRUITING_OPERATORS = (Op.EQUALS, Op.IN)
COUNTRY_CODES = frozenset(country.alpha_2 for country in pycountry.countries)
# Statuses in which participants answer risk items (screening, then the questionnaires after consent): a risk alert
# must reach someone. A draft has no participants yet; an archived study's set-up no longer changes.
ALERTING = (Study.Status.RECRUITING, Study.Status.PAUSED, Study.Status.CLOSED)


class SafetySetupError(Exception):
    """A change the safety set-up refuses (an archived study, an unknown row); nothing was changed."""


@dataclass(frozen=True)
class ResourceFields:
    """One crisis resource as the team typed it (validated by studies.forms.safety_setup). An empty country is the
    international fallback; an empty language means any language; position None puts it after the others."""

    country: str
    language: str
    name: str
    phone: str
    url: str
    description: str
    position: int | None = None


@dataclass(frozen=True)
class ContactFields:
    """One safety contact: an e-mail address, a phone number or both (the database insists on one)."""

    name: str
    email: str
    phone: str
    notes: str


def _lock_open_study(study: Study) -> Study:
    locked = Study.objects.select_for_update().get(pk=study.pk)
    if locked.status == Study.Status.ARCHIVED:
        raise SafetySetupError(_("This study is archived: its set-up can no longer be changed."))
    return locked


def _next_position(rows: Any) -> int:
    last = rows.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


# --- Crisis resources ------------------------------------------------------------------------------------------


@transaction.atomic
def add_crisis_resource(
    *, study: Study, fields: ResourceFields, actor: Any, request: HttpRequest | None = None
) -> CrisisResource:
    """Add a crisis resource of the study's own. From the first one on, participants see only the study's rows."""
    study = _lock_open_study(study)
    values = asdict(fields)
    if values["position"] is None:
        values["position"] = _next_position(CrisisResource.objects.filter(study=study))
    resource = CrisisResource.objects.create(study=study, **values)
    _audit_resource("crisis_resource.created", resource, actor=actor, request=request)
    return resource


@transaction.atomic
def edit_crisis_resource(
    *, resource: CrisisResource, fields: ResourceFields, actor: Any, request: HttpRequest | None = None
) -> CrisisResource:
    """Change one of the study's crisis resources (never a platform default: those have no study). Refused while the
    study recruits when it would leave a country it recruits in without help (see `keep_covered`)."""
    study = _lock_open_study(_own_study(resource))
    gaps = coverage_gaps(study)
    for name, value in asdict(fields).items():
        if name != "position" or value is not None:
            setattr(resource, name, value)
    resource.save()
    keep_covered(study, gaps)
    _audit_resource("crisis_resource.updated", resource, actor=actor, request=request)
    return resource


@transaction.atomic
def delete_crisis_resource(*, resource: CrisisResource, actor: Any, request: HttpRequest | None = None) -> None:
    """Delete one of the study's crisis resources. With the last one gone, participants see the platform's list.
    Refused while the study recruits when it would leave a country it recruits in without help."""
    study = _lock_open_study(_own_study(resource))
    gaps = coverage_gaps(study)
    _audit_resource("crisis_resource.deleted", resource, actor=actor, request=request)
    resource.delete()
    keep_covered(study, gaps)


def coverage_gaps(study: Study) -> set[str]:
    """Where the study's own crisis resources leave participants without help, as the launch checklist counts it: the
    recruiting countries without a row, and "" when the study names no country and has no international fallback."""
    coverage = safety_coverage(study=study)
    return {*coverage.uncovered, *([""] if coverage.needs_fallback else [])}


def keep_covered(study: Study, before: set[str]) -> None:
    """Refuse (the caller's transaction rolls the change back) a change that opens a gap while the study recruits:
    someone screening now who answers a risk item would be shown no service for their country. Changes to crisis
    resources, and to the rules and strata that name recruiting countries, call it with `coverage_gaps` of before."""
    opened = coverage_gaps(study) - before
    # A study without resources of its own shows the platform's list (crisis_resources_for): nothing to keep here.
    own = CrisisResource.objects.filter(study=study).exists()
    if study.status != Study.Status.RECRUITING or not opened or not own:
        return
    names = ", ".join(f"{country_name(code)} ({code})" for code in sorted(opened) if code) or _("every country")
    raise SafetySetupError(
        _(
            "The study is recruiting, and this would leave %(countries)s without a crisis resource. Add one on the "
            "safety set-up page first, or an international fallback."
        )
        % {"countries": names}
    )


@transaction.atomic
def copy_default_resources(
    *, study: Study, countries: list[str] | None, actor: Any, request: HttpRequest | None = None
) -> int:
    """Copy the platform's default crisis resources (rows without a study) into the study, for `countries` (ISO codes,
    "" for the international rows) or for every country when None, with their translated twins. Rows the study
    already has (same country, language and name) are skipped, so copying twice adds nothing. Returns how many rows
    were added."""
    study = _lock_open_study(study)
    defaults = CrisisResource.objects.filter(study__isnull=True).order_by("position", "name", "language")
    if countries is not None:
        defaults = defaults.filter(country__in=countries)
    have = set(CrisisResource.objects.filter(study=study).values_list("country", "language", "name"))
    copies = [
        CrisisResource(
            study=study,
            country=row.country,
            language=row.language,
            name=row.name,
            phone=row.phone,
            url=row.url,
            description=row.description,
            position=row.position,
        )
        for row in defaults
        if (row.country, row.language, row.name) not in have
    ]
    CrisisResource.objects.bulk_create(copies)
    record_event(
        action="crisis_resource.copied",
        actor=actor,
        request=request,
        study_id=study.id,
        detail={"countries": sorted({row.country for row in copies}), "count": len(copies)},
    )
    return len(copies)


def _own_study(resource: CrisisResource) -> Study:
    if resource.study is None:
        raise SafetySetupError(_("The platform's own crisis resources are kept by the instance's operators."))
    return resource.study


def _audit_resource(action: str, resource: CrisisResource, *, actor: Any, request: HttpRequest | None) -> None:
    record_event(
        action=action,
        actor=actor,
        request=request,
        study_id=resource.study_id,
        target=resource,
        detail={"country": resource.country, "language": resource.language},
    )


# --- Safety contacts -------------------------------------------------------------------------------------------


@transaction.atomic
def add_safety_contact(
    *, study: Study, fields: ContactFields, actor: Any, request: HttpRequest | None = None
) -> SafetyContact:
    """Add a safety contact after the others. Every contact with an e-mail address gets the study's safety alerts."""
    study = _lock_open_study(study)
    position = _next_position(SafetyContact.objects.filter(study=study))
    contact = SafetyContact.objects.create(study=study, position=position, **asdict(fields))
    _audit_contact("safety_contact.created", contact, actor=actor, request=request)
    return contact


@transaction.atomic
def edit_safety_contact(
    *, contact: SafetyContact, fields: ContactFields, actor: Any, request: HttpRequest | None = None
) -> SafetyContact:
    """Change a safety contact; alerts not yet sent go to the new address (the outbox renders them at send time).
    Refused when a study that has started would keep no contact with an e-mail address."""
    study = _lock_open_study(contact.study)
    for name, value in asdict(fields).items():
        setattr(contact, name, value)
    contact.save()
    _keep_an_alert_address(study)
    _audit_contact("safety_contact.updated", contact, actor=actor, request=request)
    return contact


@transaction.atomic
def delete_safety_contact(*, contact: SafetyContact, actor: Any, request: HttpRequest | None = None) -> None:
    """Delete a safety contact. A draft left without one with an e-mail cannot launch (the launch checklist says so);
    a study that has started keeps one (`_keep_an_alert_address`)."""
    study = _lock_open_study(contact.study)
    _audit_contact("safety_contact.deleted", contact, actor=actor, request=request)
    contact.delete()
    _keep_an_alert_address(study)


def _keep_an_alert_address(study: Study) -> None:
    """Refuse (the caller's transaction rolls the change back) leaving a study whose participants may answer risk
    items without a safety contact with an e-mail address: their alerts would be sent to nobody."""
    if study.status in ALERTING and not SafetyContact.objects.filter(study=study).exclude(email="").exists():
        raise SafetySetupError(
            _(
                "Risk alerts would reach nobody: a study that has started keeps at least one safety contact with an "
                "e-mail address. Add the new contact first."
            )
        )


@transaction.atomic
def move_safety_contact(*, contact: SafetyContact, up: bool, actor: Any, request: HttpRequest | None = None) -> bool:
    """Swap a contact with its neighbour above (or below); False when it is already first (or last).

    The contacts are numbered 0..n-1 again on the way, so rows that shared a position (a migrated single
    contact beside new ones) still move one place at a time.
    """
    _lock_open_study(contact.study)
    order = list(SafetyContact.objects.filter(study_id=contact.study_id).order_by("position", "id"))
    index = next(i for i, row in enumerate(order) if row.pk == contact.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(order):
        return False
    order[index], order[other] = order[other], order[index]
    for position, row in enumerate(order):
        if row.position != position:
            SafetyContact.objects.filter(pk=row.pk).update(position=position)
    record_event(
        action="safety_contact.updated",
        actor=actor,
        request=request,
        study_id=contact.study_id,
        target=contact,
        detail={"moved": "up" if up else "down"},
    )
    return True


def _audit_contact(action: str, contact: SafetyContact, *, actor: Any, request: HttpRequest | None) -> None:
    record_event(action=action, actor=actor, request=request, study_id=contact.study_id, target=contact)


# --- Reads: where the study recruits, and what covers it ----------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Which countries the study recruits in and which of them its own crisis resources leave uncovered.

    `uncovered` lists recruiting countries without a row of their own while the study has no international
    fallback; `needs_fallback` is True when the study names no country and has no fallback either (then nobody
    is sure to see a resource). Platform defaults do not count: they stop showing once the study has rows.
    """

    countries: list[str]
    has_own: bool
    has_fallback: bool
    uncovered: list[str]
    needs_fallback: bool


def recruiting_countries(*, study: Study) -> list[str]:
    """ISO codes the study recruits in: the values of its eligibility rules on a country (=, is one of) and of its
    quota strata on a country (as the stratum's dimension or one of its conditions).

    "A country" is the derived `country` value or the key of a country question itself. Values that are no ISO
    3166 code (a typo a rule checker refuses) are left out.
    """
    keys = {"country"} | set(
        Question.objects.filter(questionnaire__study=study, kind=Question.Kind.COUNTRY).values_list("key", flat=True)
    )
    found: set[str] = set()
    rules = EligibilityRule.objects.filter(questionnaire__study=study, key__in=keys, operator__in=RECRUITING_OPERATORS)
    for value in rules.values_list("value", flat=True):
        found |= _codes(value)
    for stratum in study.strata.all():
        if stratum.key in keys:
            found |= _codes(stratum.values)
        for condition in stratum.conditions:
            if isinstance(condition, dict) and condition.get("key") in keys:
                found |= _codes(condition.get("values"))
    return sorted(found)


def _codes(value: object) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {str(item).strip().upper() for item in values if str(item).strip().upper() in COUNTRY_CODES}


def safety_coverage(*, study: Study) -> Coverage:
    """What the set-up page warns about (see Coverage)."""
    countries = recruiting_countries(study=study)
    own = set(CrisisResource.objects.filter(study=study).values_list("country", flat=True).distinct())
    fallback = "" in own
    return Coverage(
        countries=countries,
        has_own=bool(own),
        has_fallback=fallback,
        uncovered=[] if fallback else [code for code in countries if code not in own],
        needs_fallback=not countries and not fallback,
    )


def default_resource_countries() -> list[str]:
    """The countries the platform's default list has rows for ("" for its international rows)."""
    rows = CrisisResource.objects.filter(study__isnull=True).values_list("country", flat=True).distinct()
    return sorted(set(rows))
