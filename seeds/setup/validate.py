"""`validate_setup`: every problem of a set-up document, each with its path, before anything is written.

Plain code rather than a schema library (none is a dependency of the platform): the checks need the platform's own
knowledge (question kinds, the keys an eligibility rule or a quota may name, consent items, colours), and every
message is written for a research team and translated.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from review.services.identifiers import KEEP_TERM_MAX_LENGTH, KEEP_TERMS_MAX
from seeds.setup import checks as c
from seeds.setup.parts import check_codebook, check_consent, check_guide, check_safety
from seeds.setup.questions import check_questionnaire, check_questionnaires
from seeds.setup.running import check_compensation, check_messages
from seeds.setup.shapes import FORMAT, SECTIONS, VERSION
from studies.models import EligibilityRule, Question, Questionnaire, QuotaStage
from studies.services.nudges import MAX_AFTER_DAYS, MAX_COUNT
from studies.services.quota_setup import QUOTA_KINDS, StratumDraft, stratum_problems
from studies.services.rules import Target, rule_errors, targets_of

Operator = EligibilityRule.Operator
STUDY_REQUIRED = ("title", "languages")
STUDY_OPTIONAL = (
    "descriptions",
    "ethics_reference",
    "target_sample_size",
    "contact_email",
    "quota_stage",
    "video_call_base_url",
    "raw_audio_retention_days",
    "contact_retention_days",
    "nudge_after_days",
    "nudge_max_count",
    "member_check_raw",
    "deid_keep_terms",
    "deid_keep_countries",
)


def validate_setup(data: Any) -> list[str]:
    """Every problem of the document as "path: message" (empty when it can be imported as it is)."""
    problems = c.Problems()
    root = c.mapping(problems, "", data, required=("format", "version", "study"), optional=SECTIONS)
    if root is None:
        return problems.items
    if root.get("format") != FORMAT:
        problems.add("format", _("This is not a set-up file: expected “format: %(format)s”.") % {"format": FORMAT})
        return problems.items
    if root.get("version") != VERSION:
        problems.add("version", _("This platform reads set-up files of version %(version)d.") % {"version": VERSION})
        return problems.items
    c.unstorable_text(problems, "", root)
    languages = _study(problems, root.get("study"))
    if not languages:
        return problems.items  # every text is checked against the study's languages: those come first
    questions = None
    if "screening" in root:
        questions = check_questionnaire(problems, "screening", root["screening"], languages, screening=True)
    if "questionnaires" in root:
        check_questionnaires(problems, "questionnaires", root["questionnaires"], languages)
    targets = targets_of(questions) if questions is not None else None
    _eligibility(problems, root, targets, questions or [])
    _quotas(problems, root, questions)
    if "consent" in root:
        check_consent(problems, "consent", root["consent"], languages)
    code_keys = check_codebook(problems, "codebook", root["codebook"]) if "codebook" in root else set()
    if "interview_guide" in root:
        check_guide(problems, "interview_guide", root["interview_guide"], languages, code_keys)
    if "safety" in root:
        check_safety(problems, "safety", root["safety"], languages)
    if "compensation" in root:
        check_compensation(problems, "compensation", root["compensation"], languages)
    if "messages" in root:
        check_messages(problems, "messages", root["messages"], languages)
    return problems.items


def _study(problems: c.Problems, value: Any) -> list[str]:
    """The study's languages (what every per-language text is checked against)."""
    data = c.mapping(problems, "study", value, required=STUDY_REQUIRED, optional=STUDY_OPTIONAL)
    if data is None:
        return []
    c.text(problems, "study.title", data.get("title"), max_length=200)
    given = c.sequence(problems, "study.languages", data.get("languages"), non_empty=True) or []
    languages = [
        code for index, code in enumerate(given) if c.language_code(problems, c.at("study.languages", index), code)
    ]
    c.unique(problems, "study.languages", [(f"study.languages[{i}]", code) for i, code in enumerate(languages)],
             _("language"))  # fmt: skip
    if "descriptions" in data:
        c.per_language(problems, "study.descriptions", data["descriptions"], languages, first_required=False)
    c.text(problems, "study.ethics_reference", data.get("ethics_reference", ""), max_length=120, blank=True)
    if "target_sample_size" in data:
        c.integer(problems, "study.target_sample_size", data["target_sample_size"], low=1)
    c.email(problems, "study.contact_email", data.get("contact_email", ""))
    if data.get("quota_stage", QuotaStage.CONSENTED) not in QuotaStage.values:
        stages = ", ".join(QuotaStage.values)
        problems.add("study.quota_stage", _("Expected one of: %(values)s.") % {"values": stages})
    base_url = data.get("video_call_base_url", "")
    if c.url(problems, "study.video_call_base_url", base_url) and base_url and not base_url.startswith("https://"):
        # As the study form: a generated meeting link names a private room, never sent in the clear.
        problems.add("study.video_call_base_url", _("Use an https:// address: meeting links must be private."))
    for name in ("raw_audio_retention_days", "contact_retention_days"):
        if data.get(name) is not None:
            c.integer(problems, f"study.{name}", data[name], high=36500)
    if "nudge_after_days" in data:
        c.integer(problems, "study.nudge_after_days", data["nudge_after_days"], low=1, high=MAX_AFTER_DAYS)
    if "nudge_max_count" in data:
        c.integer(problems, "study.nudge_max_count", data["nudge_max_count"], high=MAX_COUNT)
    if "member_check_raw" in data:
        c.boolean(problems, "study.member_check_raw", data["member_check_raw"])
    _keep_list(problems, data)
    return languages


def _keep_list(problems: c.Problems, data: dict[str, Any]) -> None:
    """The de-identification keep list: at most KEEP_TERMS_MAX short phrases, and whether countries are kept."""
    if "deid_keep_countries" in data:
        c.boolean(problems, "study.deid_keep_countries", data["deid_keep_countries"])
    if "deid_keep_terms" not in data:
        return
    terms = c.sequence(problems, "study.deid_keep_terms", data["deid_keep_terms"])
    if terms is not None and len(terms) > KEEP_TERMS_MAX:
        problems.add("study.deid_keep_terms", _("At most %(limit)s words or phrases.") % {"limit": KEEP_TERMS_MAX})
    for index, term in enumerate(terms or []):
        c.text(problems, c.at("study.deid_keep_terms", index), term, max_length=KEEP_TERM_MAX_LENGTH)


def _eligibility(
    problems: c.Problems, root: dict[str, Any], targets: dict[str, Target] | None, questions: list[Question]
) -> None:
    rules = c.sequence(problems, "eligibility", root.get("eligibility", [])) or []
    if rules and "screening" not in root:
        problems.add("eligibility", _("Eligibility rules read the screening answers: add a screening section."))
    for index, rule in enumerate(rules):
        path = c.at("eligibility", index)
        data = c.mapping(problems, path, rule, required=("key", "operator", "value"), optional=("description",))
        if data is None:
            continue
        c.text(problems, c.at(path, "description"), data.get("description", ""), max_length=200, blank=True)
        known_operator = data.get("operator") in Operator.values
        if not known_operator:
            operators = ", ".join(Operator.values)
            problems.add(c.at(path, "operator"), _("Expected one of: %(values)s.") % {"values": operators})
        if not c.slug(problems, c.at(path, "key"), data.get("key")) or not known_operator or targets is None:
            continue
        if data["key"] not in targets:
            problems.add(c.at(path, "key"), _unknown_key(data["key"], targets, questions))
            continue
        # The questionnaire is not saved yet: the targets stand for its questions.
        for error in rule_errors(questionnaire=Questionnaire(), key=data["key"], operator=data["operator"],
                                 value=data["value"], targets=targets):  # fmt: skip
            problems.add(path, error)


def _unknown_key(key: str, targets: dict[str, Target], questions: list[Question]) -> str:
    if any(question.key == key and question.kind in Question.FREE_TEXT_KINDS for question in questions):
        return _("“%(key)s” is a free-text question: its answers are sealed, so rules and quotas cannot read them.") % {
            "key": key
        }
    return _("No screening question or derived value is called “%(key)s”. Keys you can use: %(known)s.") % {
        "key": key,
        "known": ", ".join(sorted(targets)) or _("none: the screening has no closed questions"),
    }


def _quotas(problems: c.Problems, root: dict[str, Any], questions: list[Question] | None) -> None:
    quotas = c.sequence(problems, "quotas", root.get("quotas", [])) or []
    if quotas and "screening" not in root:
        problems.add("quotas", _("Quotas count screening answers: add a screening section."))
    targets = None
    if questions is not None:
        targets = {key: t for key, t in targets_of(questions).items() if t.kind in QUOTA_KINDS and t.allowed}
    names = []
    for index, quota in enumerate(quotas):
        path = c.at("quotas", index)
        required = ("name", "key", "values", "target", "maximum")
        data = c.mapping(problems, path, quota, required=required, optional=("conditions",))
        if data is None:
            continue
        draft = _stratum(problems, path, data)
        if draft is None:
            continue
        names.append((c.at(path, "name"), draft.name.strip().casefold()))
        if targets is None:
            continue  # the screening's own problems come first
        # The quota editor's own check (studies.services.quota_setup), against the file's screening questions.
        for part, message in stratum_problems(draft=draft, targets=targets).items():
            problems.add(_quota_path(path, part), message)
    c.unique(problems, "quotas", names, _("quota name (capitals aside)"))


def _stratum(problems: c.Problems, path: str, data: dict[str, Any]) -> StratumDraft | None:
    """The quota as the quota editor's draft when every part has the right kind of value."""
    before = len(problems.items)
    c.text(problems, c.at(path, "name"), data.get("name"), max_length=120)
    _dimension(problems, path, data)
    conditions = c.sequence(problems, c.at(path, "conditions"), data.get("conditions", [])) or []
    for number, condition in enumerate(conditions):
        where = c.at(c.at(path, "conditions"), number)
        if c.mapping(problems, where, condition, required=("key", "values")) is not None:
            _dimension(problems, where, condition)
    c.integer(problems, c.at(path, "target"), data.get("target"))
    c.integer(problems, c.at(path, "maximum"), data.get("maximum"))
    if len(problems.items) != before:
        return None
    return StratumDraft(name=data["name"], key=data["key"], values=list(data["values"]), target=data["target"],
                        maximum=data["maximum"], conditions=list(conditions))  # fmt: skip


def _dimension(problems: c.Problems, path: str, data: dict[str, Any]) -> None:
    """A quota's (or a condition's) key and the values it counts, as texts."""
    c.text(problems, c.at(path, "key"), data.get("key"), max_length=60)
    values = c.sequence(problems, c.at(path, "values"), data.get("values"), non_empty=True) or []
    for index, value in enumerate(values):
        c.text(problems, c.at(c.at(path, "values"), index), value, max_length=60)


def _quota_path(path: str, part: str) -> str:
    """Where the quota editor's field (key, values, condition_<n>_key, maximum ...) is in the file."""
    if part.startswith("condition_"):
        number, name = part.removeprefix("condition_").split("_", 1)
        return c.at(c.at(c.at(path, "conditions"), int(number)), name)
    return c.at(path, part)
