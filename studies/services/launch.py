"""The launch checklist: what a study needs before it may recruit, each item saying what is missing and where to
fix it. Starting recruiting (studies.services.study_setup.change_study_status) is refused until every required
item is ready; a warning (quotas that do not add up) never blocks.

Reads only; a handful of queries per call, so the study page can show the summary on every visit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from studies.iso_names import country_name, language_name
from studies.models import ConsentDocument, DistressProtocol, Interview, Question, Questionnaire, Study
from studies.services.rules import questionnaire_rule_errors
from studies.services.safety_setup import recruiting_countries
from studies.services.scheduling import open_slots


@dataclass(frozen=True)
class Check:
    """One item of the checklist. `message` says what is there, or what is missing; `url` is where to fix it."""

    code: str
    title: str
    ok: bool
    message: str
    url: str
    blocking: bool = True


@dataclass(frozen=True)
class Summary:
    ready: int
    required: int
    warnings: int

    @property
    def can_launch(self) -> bool:
        return self.ready == self.required


def launch_checklist(*, study: Study) -> list[Check]:
    """Every item of the checklist, in the order a team usually works through them."""
    screening = Questionnaire.objects.filter(study=study, kind=Questionnaire.Kind.SCREENING).first()
    return [
        _screening(study, screening),
        _eligibility(study, screening),
        _consent(study),
        _crisis_resources(study),
        _safety_contact(study),
        _interviews(study),
        _retention(study),
        _quotas(study),
        _distress_protocol(study),
        _translations(study),
    ]


def summarize(checks: list[Check]) -> Summary:
    required = [check for check in checks if check.blocking]
    return Summary(
        ready=sum(check.ok for check in required),
        required=len(required),
        warnings=sum(not check.ok for check in checks if not check.blocking),
    )


def missing_items(checks: list[Check]) -> list[Check]:
    """The required items that are not ready (what holds the launch)."""
    return [check for check in checks if check.blocking and not check.ok]


def _url(name: str, study: Study, *args: object) -> str:
    return reverse(name, args=[study.slug, *args])


def _screening(study: Study, screening: Questionnaire | None) -> Check:
    title = _("Screening questionnaire")
    if screening is None:
        message = _("There is no screening questionnaire yet: add one with at least one question.")
        return Check("screening", title, False, message, _url("studies:questionnaires", study))
    url = _url("studies:questionnaire", study, screening.pk)
    count = screening.questions.count()
    if not count:
        return Check("screening", title, False, _("The screening questionnaire has no questions yet."), url)
    # A scored scale's items arrive without wording (studies.scales): asking them blank is no screening.
    if unworded := screening.questions.filter(text={}).count():
        message = ngettext(
            "%(count)d question has no wording yet: enter the wording you are licensed to use.",
            "%(count)d questions have no wording yet: enter the wording you are licensed to use.",
            unworded,
        ) % {"count": unworded}
        return Check("screening", title, False, message, url)
    if screening.published_at is None:
        message = _("The screening questionnaire is a draft: preview it, then publish it.")
        return Check("screening", title, False, message, url)
    message = ngettext("%(count)d question.", "%(count)d questions.", count) % {"count": count}
    return Check("screening", title, True, message, url)


def _translations(study: Study) -> Check:
    """A warning, not a hold: a question not yet written in a study language shows in the study's first language
    to the people who chose it (an import from a one-language file, a language added later)."""
    title = _("Translations")
    languages = study.languages or ["en"]
    missing = [
        question
        for question in Question.objects.filter(questionnaire__study=study).select_related("questionnaire")
        if question.text and any(not question.text.get(code) for code in languages)
    ]
    if not missing:
        return Check("translations", title, True, _("Every question is written in every study language."), "", False)
    first = missing[0].questionnaire
    message = _(
        "Some questions are not yet in every study language (%(keys)s): people who chose another language see them in "
        "the study's first language."
    ) % {"keys": ", ".join(question.key for question in missing[:10])}
    return Check("translations", title, False, message, _url("studies:questionnaire", study, first.pk), False)


def _eligibility(study: Study, screening: Questionnaire | None) -> Check:
    title = _("Eligibility rules")
    if screening is None:
        message = _("Add the screening questionnaire first; its rules decide who is eligible.")
        return Check("eligibility", title, False, message, _url("studies:questionnaires", study))
    url = _url("studies:questionnaire", study, screening.pk)
    problems = questionnaire_rule_errors(screening)
    if problems:
        message = ngettext(
            "%(count)d rule no longer fits the questions: fix or delete it.",
            "%(count)d rules no longer fit the questions: fix or delete them.",
            len(problems),
        ) % {"count": len(problems)}
        return Check("eligibility", title, False, message, url)
    count = screening.rules.count()
    if not count:
        return Check("eligibility", title, True, _("No rules: everyone who completes screening is eligible."), url)
    message = ngettext("%(count)d rule, all valid.", "%(count)d rules, all valid.", count) % {"count": count}
    return Check("eligibility", title, True, message, url)


def _consent(study: Study) -> Check:
    title, url = _("Consent form"), _url("studies:consent_setup", study)
    languages = study.languages or ["en"]
    latest: dict[str, ConsentDocument] = {}
    published = ConsentDocument.objects.filter(study=study, published_at__isnull=False).order_by("version")
    for document in published:
        latest[document.language] = document  # ordered by version: the last one seen is the latest
    missing = [language for language in languages if language not in latest]
    if missing:
        message = _("No published consent form in: %(languages)s.") % {"languages": _names(missing)}
        return Check("consent", title, False, message, url)
    versions = {latest[language].version for language in languages}
    if len(versions) > 1:
        shown = ", ".join(f"{language_name(code)} v{latest[code].version}" for code in languages)
        message = _("Publish the same version in every language (now: %(versions)s).") % {"versions": shown}
        return Check("consent", title, False, message, url)
    empty = [language for language in languages if not latest[language].items]
    if empty:
        message = _("The consent form has no consent items in: %(languages)s.") % {"languages": _names(empty)}
        return Check("consent", title, False, message, url)
    message = _("Version %(version)d is published in every study language.") % {"version": versions.pop()}
    return Check("consent", title, True, message, url)


def _crisis_resources(study: Study) -> Check:
    title, url = _("Crisis resources"), _url("studies:safety_setup", study)
    covered = set(study.crisis_resources.values_list("country", flat=True))
    if "" in covered:
        return Check("crisis_resources", title, True, _("An international fallback covers every country."), url)
    countries = set(recruiting_countries(study=study))
    if not countries:
        message = _("The study names no countries, so it needs an international fallback resource.")
        return Check("crisis_resources", title, False, message, url)
    uncovered = sorted(countries - covered)
    if uncovered:
        names = ", ".join(f"{country_name(code)} ({code})" for code in uncovered)
        message = _("No crisis resource for %(countries)s: add one per country, or an international fallback.") % {
            "countries": names
        }
        return Check("crisis_resources", title, False, message, url)
    message = _("Every country the study recruits in has a resource: %(countries)s.") % {
        "countries": ", ".join(sorted(countries))
    }
    return Check("crisis_resources", title, True, message, url)


def _safety_contact(study: Study) -> Check:
    title, url = _("Safety contact"), _url("studies:safety_setup", study)
    count = study.safety_contacts.exclude(email="").count()
    if not count:
        message = _("Name at least one safety contact with an e-mail address: risk alerts go there.")
        return Check("safety_contact", title, False, message, url)
    message = ngettext(
        "%(count)d contact with an e-mail address.", "%(count)d contacts with an e-mail address.", count
    ) % {"count": count}
    return Check("safety_contact", title, True, message, url)


def _distress_protocol(study: Study) -> Check:
    """A warning only: the platform's protocol always applies; a study's own may lack a language added since."""
    title, url = _("Distress protocol"), _url("studies:distress_protocol", study)
    protocol = DistressProtocol.objects.filter(study=study).first()
    if protocol is None or not protocol.questions:
        message = _("Interviews follow the platform's assessment questions; review the protocol before interviewing.")
        return Check("distress_protocol", title, True, message, url, False)
    languages = study.languages or ["en"]
    gaps = [code for code in languages if any(not question.get(code) for question in protocol.questions)]
    if gaps:
        message = _("Some assessment questions have no text in %(languages)s.") % {"languages": _names(gaps)}
        return Check("distress_protocol", title, False, message, url, False)
    count = len(protocol.questions)
    message = ngettext(
        "%(count)d assessment question of the study's own.", "%(count)d assessment questions of the study's own.", count
    ) % {"count": count}
    return Check("distress_protocol", title, True, message, url, False)


def _interviews(study: Study) -> Check:
    """Free future slots; slots for voice answers (booked like any other) also need the guide's questions."""
    title, url = _("Interview slots"), _url("studies:slots", study)
    free = open_slots(study=study)
    count = free.count()
    if not count:
        message = _("There are no free interview slots ahead: add times participants can book.")
        return Check("interviews", title, False, message, url)
    voice = free.filter(mode=Interview.Mode.ASYNC_VOICE).exists()
    if voice and not study.guide_questions.exists():
        message = _("Slots for voice answers need an interview guide with at least one question.")
        return Check("interviews", title, False, message, _url("studies:guide", study))
    message = ngettext("%(count)d free slot ahead.", "%(count)d free slots ahead.", count) % {"count": count}
    return Check("interviews", title, True, message, url)


def _retention(study: Study) -> Check:
    title, url = _("Retention periods"), _url("studies:settings", study)
    if study.raw_audio_retention_days is None or study.contact_retention_days is None:
        message = _("Say how long raw recordings and contact details are kept (in the study settings).")
        return Check("retention", title, False, message, url)
    message = _("Raw recordings: %(audio)d days after approval; contact details: %(contact)d days after closing.") % {
        "audio": study.raw_audio_retention_days,
        "contact": study.contact_retention_days,
    }
    return Check("retention", title, True, message, url)


def _quotas(study: Study) -> Check:
    """A warning only: quota targets per dimension that do not add up to the target sample."""
    title, url = _("Quotas (optional)"), _url("studies:quotas", study)
    sums: dict[str, int] = defaultdict(int)
    for stratum in study.strata.all():
        conditions = sorted(str(condition.get("key")) for condition in stratum.conditions)
        sums[" & ".join([stratum.key, *conditions])] += stratum.target
    if not sums:
        return Check("quotas", title, True, _("No quotas: recruitment is not balanced by group."), url, False)
    off = {dimension: total for dimension, total in sums.items() if total != study.target_sample_size}
    if off:
        shown = ", ".join(f"{dimension}: {total}" for dimension, total in sorted(off.items()))
        message = _("Targets do not add up to the target sample of %(target)d (%(sums)s).") % {
            "target": study.target_sample_size,
            "sums": shown,
        }
        return Check("quotas", title, False, message, url, False)
    message = _("Targets add up to the target sample in every dimension.")
    return Check("quotas", title, True, message, url, False)


def _names(codes: list[str]) -> str:
    return ", ".join(f"{language_name(code)} ({code})" for code in codes)
