"""Load the synthetic demo study from seeds/ through the platform's own services (idempotent; DEBUG only).

Every row is looked up by a natural key before anything is written (the study by slug, a question by its key,
a consent document by language and text, a participant by the form token derived from their seed key, a code
by the GUID derived from its seed keys), so a second run finds everything in place and changes nothing.
Where a service exists (screening, invitation, consent, booking, codebook import, recording upload) it does
the writing, with the same checks and side effects as in real use; rows no service writes yet (study details,
questions, rules, strata, slots, a finished interview) are written here directly. The interview guide has no
model field, so it becomes a free-standing memo of the study's owner.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coding.models import Code, CodingPolicy, Memo
from coding.services import import_codebook
from coding.services.codings import edit_memo, write_memo
from coding.services.queue import update_policy
from seeds.management.commands import _demo_coding, _demo_recordings
from seeds.management.commands._demo_seeds import code_fields, flatten, read_seeds, upsert
from seeds.setup import setup_from_seeds, validate_setup
from seeds.setup.shapes import DEFAULT_ANSWER_SECONDS, code_node, document_items, guide_text, question_values
from studies.models import (
    ConsentDocument,
    CrisisResource,
    EligibilityRule,
    GuideQuestion,
    Interview,
    Participant,
    Question,
    Questionnaire,
    SafetyContact,
    ScreeningResponse,
    Slot,
    Stratum,
    Study,
    StudyMembership,
)
from studies.services import create_study, set_member_role
from studies.services.consent import current_document, publish_consent_version, sign_consent
from studies.services.guide import add_guide_question, edit_guide_question
from studies.services.questionnaires import add_question, add_rule, create_questionnaire
from studies.services.quotas import invite_participants
from studies.services.scheduling import book_slot
from studies.services.screening import Submission, submit_screening
from transcription.services import RecordingRefused

# The data sits in the seeds app itself, beside its code (seeds/llm-chatbots-mental-health/).
SEED_DIR = Path(__file__).resolve().parents[2] / "llm-chatbots-mental-health"
S = Participant.Status


class Command(BaseCommand):
    help = "Load the synthetic demo study (questionnaire, consent, codebook, participants, recordings) from seeds/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Load even when DEBUG is off.")
        parser.add_argument("--no-recordings", action="store_true", help="Do not synthesize interview recordings.")
        parser.add_argument("--seeds", type=Path, default=SEED_DIR, help="The study's seed folder.")

    def handle(self, *args: Any, force: bool, no_recordings: bool, seeds: Path, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("The demo study is for local runs (DEBUG=1); pass --force to load it anyway.")
        self.seeds = read_seeds(seeds)
        # The set-up parts are a set-up file's sections (seeds.setup): checked the same way before anything is written.
        self.setup = setup_from_seeds(self.seeds)
        if problems := validate_setup(self.setup):
            raise CommandError(f"The seed files in {seeds} are not a valid set-up:\n" + "\n".join(problems))
        self.now = timezone.now()
        with transaction.atomic():
            study = self.load_study()
            questionnaire = self.load_screening(study)
            self.load_consent(study)
            self.load_slots(study)
            self.load_codebook(study)
            self.load_coding_policy(study)
            self.load_interview_guide(study)
            self.load_voice_questions(study)
            people = self.load_participants(study, questionnaire)
            self.load_coded_transcripts(study, people)
        if no_recordings:
            self.stdout.write("Recordings: skipped (--no-recordings).")
        else:
            self.load_recordings(study, people)
        self.stdout.write(self.style.SUCCESS(f"Demo study '{study.slug}' is loaded."))

    def report(self, what: str, tally: Counter[str]) -> None:
        counts = ", ".join(f"{count} {state}" for state, count in sorted(tally.items()) if count) or "nothing to do"
        self.stdout.write(f"{what}: {counts}")

    # Study and team -------------------------------------------------------------------------------------------

    def user(self, email: str, display_name: str = "") -> User:
        user = User.objects.filter(email=email).first()
        # No usable password: only setup_demo gives the demo login one.
        return user or User.objects.create_user(email=email, password=None, display_name=display_name)

    def load_study(self) -> Study:
        data, team = self.seeds["study"]["study"], self.seeds["study"]["team"]
        owner = next(self.user(m["email"], m["display_name"]) for m in team if m["role"] == "owner")
        tally: Counter[str] = Counter()
        study = Study.objects.filter(slug=data["slug"]).first()
        created = study is None
        if study is None:
            study = create_study(owner=owner, title=data["title"], slug=data["slug"], languages=data["languages"])
        fields = ("title", "descriptions", "ethics_reference", "languages", "target_sample_size", "contact_email")
        values = {name: data[name] for name in fields}
        values.update(status=data["status"], quota_stage=data["quota_stage"])
        _study, state = upsert(Study, {"pk": study.pk}, values)
        tally["created" if created else state] += 1
        self.load_safety(study)
        for member in team:
            user = self.user(member["email"], member["display_name"])
            if not StudyMembership.objects.filter(study=study, user=user, role=member["role"]).exists():
                set_member_role(study=study, user=user, role=member["role"])
                tally["team members added"] += 1
        self.report(f"Study {study.slug}", tally)
        study.refresh_from_db()
        return study

    def load_safety(self, study: Study) -> None:
        safety = self.setup["safety"]
        for position, contact in enumerate(safety.get("safety_contacts", [])):
            fields = {name: contact.get(name, "") for name in ("email", "phone", "notes")}
            upsert(SafetyContact, {"study": study, "name": contact["name"]}, {**fields, "position": position})
        for position, resource in enumerate(safety.get("crisis_resources", [])):
            lookup = {"study": study, "name": resource["name"], "country": resource.get("country", "")}
            values = {name: resource.get(name, "") for name in ("language", "phone", "url", "description")}
            upsert(CrisisResource, {**lookup, "language": values.pop("language")}, {**values, "position": position})

    # Screening questionnaire, eligibility and quotas --------------------------------------------------------------

    def load_screening(self, study: Study) -> Questionnaire:
        # Missing rows are made by the questionnaire builder's services; later changes are field updates.
        data, kind = self.setup["screening"], Questionnaire.Kind.SCREENING
        questionnaire, state = upsert(
            Questionnaire,
            {"study": study, "kind": kind},
            {"title": data["title"], "min_completion_seconds": data["min_completion_seconds"]},
            create=lambda: create_questionnaire(study=study, kind=kind, title=data["title"]),
        )
        tally: Counter[str] = Counter({f"questionnaire {state}": 1})
        for position, question in enumerate(data["questions"]):
            values = question_values(question, position)
            _row, state = upsert(
                Question,
                {"questionnaire": questionnaire, "key": question["key"]},
                values,
                create=partial(add_question, questionnaire=questionnaire, key=question["key"], **values),
            )
            tally[f"questions {state}"] += 1
        for rule in self.setup["eligibility"]:
            lookup = {"questionnaire": questionnaire, "key": rule["key"], "operator": rule["operator"]}
            values = {"value": rule["value"], "description": rule.get("description", "")}
            _row, state = upsert(
                EligibilityRule,
                lookup,
                values,
                create=partial(add_rule, **lookup, **values),
            )
            tally[f"rules {state}"] += 1
        for quota in self.setup["quotas"]:
            values = {name: quota[name] for name in ("key", "values", "target", "maximum")}
            values["conditions"] = quota.get("conditions", [])
            _row, state = upsert(Stratum, {"study": study, "name": quota["name"]}, values)
            tally[f"strata {state}"] += 1
        self.report("Screening", tally)
        return questionnaire

    # Consent documents ------------------------------------------------------------------------------------------

    def load_consent(self, study: Study) -> None:
        data, tally = self.setup["consent"], Counter[str]()
        for language, document in data["documents"].items():
            wanted = {
                "title": document["title"],
                "body_markdown": document["body"],
                "items": document_items(data["items"], language),
                "comprehension_questions": document.get("comprehension", []),
            }
            latest = ConsentDocument.objects.filter(study=study, language=language).order_by("-version").first()
            if latest is not None and all(getattr(latest, name) == value for name, value in wanted.items()):
                if latest.published_at is None:
                    publish_consent_version(document=latest)
                tally["unchanged" if latest.published_at else "published"] += 1
                continue
            # A changed text is a new version (signed hashes of the old one stay true); publishing it asks
            # people who signed the old one and are not yet interviewed to consent again.
            version = 1 if latest is None else latest.version + 1
            created = ConsentDocument.objects.create(study=study, language=language, version=version, **wanted)
            publish_consent_version(document=created)
            tally[f"version {version} published"] += 1
        self.report("Consent documents", tally)

    # Slots ----------------------------------------------------------------------------------------------------

    def load_slots(self, study: Study) -> None:
        tally: Counter[str] = Counter()
        for slot in self.seeds["study"]["slots"]:
            if Slot.objects.filter(study=study, details=slot["details"]).exists():
                tally["unchanged"] += 1
                continue
            day = self.now.date() + timedelta(days=slot["days_ahead"])
            start = datetime.combine(day, time.fromisoformat(slot["time"]), tzinfo=UTC)
            Slot.objects.create(
                study=study,
                details=slot["details"],
                start=start,
                duration_minutes=slot["duration_minutes"],
                mode=slot["mode"],
                interviewer=self.user(slot["interviewer"]),
            )
            tally["created"] += 1
        self.report("Interview slots", tally)

    # Codebook -----------------------------------------------------------------------------------------------

    def load_codebook(self, study: Study) -> None:
        nodes = [code_node(study.slug, code, ()) for code in self.setup["codebook"]["codes"]]
        wanted = flatten(nodes, None)
        have = {
            code.guid: code_fields(code, code.parent.guid if code.parent else None)
            for code in Code.objects.filter(study=study, guid__in=list(wanted)).select_related("parent")
        }
        if have == wanted:
            self.report("Codebook", Counter({"codes unchanged": len(wanted)}))
            return
        owner = study.memberships.filter(role="owner").select_related("user").first()
        report = import_codebook(
            study=study,
            actor=owner.user if owner else None,
            nodes=nodes,
            source="demo seeds (seeds/llm-chatbots-mental-health/codebook.yaml)",
        )
        number = report.version.number if report.version else 0
        tally = Counter({"codes created": report.created, "codes updated": report.updated, f"as version {number}": 1})
        self.report("Codebook", tally)

    def load_coding_policy(self, study: Study) -> None:
        data = self.seeds["study"]["coding_policy"]
        coders = [self.user(email) for email in data["coders"]]
        wanted = (data["double_share"], data["coders_per_double"], {coder.id for coder in coders})
        policy = CodingPolicy.objects.filter(study=study).first()
        if policy is not None and wanted == (
            policy.double_share,
            policy.coders_per_double,
            set(policy.coders.values_list("id", flat=True)),
        ):
            state = "unchanged"
        else:
            update_policy(
                study=study,
                double_share=data["double_share"],
                coders_per_double=data["coders_per_double"],
                coders=coders,
            )
            state = "set"
        self.report("Coding policy", Counter({state: 1}))

    def load_interview_guide(self, study: Study) -> None:
        # No model field holds a guide, so it is a free-standing memo of the study's owner (the REFI-QDA shape
        # for project notes) that the team sees beside the codebook.
        guide = self.setup["interview_guide"]
        text = guide_text(guide)
        memo = Memo.objects.filter(study=study, title=guide["title"], transcript=None, code=None).first()
        if memo is None:
            owner = study.memberships.filter(role="owner").select_related("user").first()
            if owner is None:
                raise CommandError("The study needs an owner to write the interview guide memo.")
            write_memo(study=study, author=owner.user, title=guide["title"], text=text)
            state = "created"
        elif memo.text != text.strip():
            edit_memo(memo=memo, author=memo.author, title=guide["title"], text=text)
            state = "updated"
        else:
            state = "unchanged"
        self.report("Interview guide memo", Counter({state: 1}))

    def load_voice_questions(self, study: Study) -> None:
        """The guide questions of asynchronous voice interviews, by position, through the guide's services."""
        tally: Counter[str] = Counter()
        for position, seed in enumerate(self.setup["interview_guide"].get("voice_questions", []), start=1):
            question = GuideQuestion.objects.filter(study=study, position=position).first()
            seconds = seed.get("max_seconds", DEFAULT_ANSWER_SECONDS)
            if question is None:
                add_guide_question(study=study, prompt=seed["prompt"], max_seconds=seconds)
                tally["created"] += 1
            elif (question.prompt, question.max_seconds) != (seed["prompt"], seconds):
                edit_guide_question(question=question, prompt=seed["prompt"], max_seconds=seconds)
                tally["updated"] += 1
            else:
                tally["unchanged"] += 1
        self.report("Voice interview questions", tally)

    # Participants ---------------------------------------------------------------------------------------------

    def load_participants(self, study: Study, questionnaire: Questionnaire) -> list[tuple[Participant, dict[str, Any]]]:
        data = self.seeds["participants"]
        people, tally = [], Counter[str]()
        for person in data["participants"]:
            token = f"seed-{study.slug}-{person['key']}"[:64]
            response = ScreeningResponse.objects.filter(form_token=token).select_related("participant").first()
            if response is None:
                submission = Submission(
                    form_token=token,
                    started_at=self.now - timedelta(minutes=7),
                    answers=person["answers"],
                    name=person["name"],
                    email=person["email"],
                    phone="",
                    language=person["language"],
                    ip=person["ip"],
                    user_agent=data["defaults"]["user_agent"],
                )
                response = submit_screening(study=study, questionnaire=questionnaire, submission=submission).response
                tally["screened"] += 1
            participant = self.advance(response.participant, person)
            tally[f"now {participant.status}"] += 1
            people.append((participant, person))
        self.report("Participants", tally)
        return people

    def advance(self, participant: Participant, person: dict[str, Any]) -> Participant:
        """Take the participant through the journey up to their seeded stage; steps already taken are skipped."""
        stage = person["stage"]
        if stage != "eligible" and participant.status in (S.ELIGIBLE, S.WAITLISTED):
            invite_participants(participants=[participant])
            participant.refresh_from_db()
        if participant.status == S.INVITED:
            document = current_document(study=participant.study, language=participant.language)
            if document is None:
                raise CommandError("No published consent document to sign.")
            sign_consent(
                participant=participant,
                document=document,
                choices=person["consent"],
                comprehension_answers=[question["answer"] for question in document.comprehension_questions],
                signature_name=person["name"],
                ip_address=person["ip"],
                language=document.language,
            )
            participant.refresh_from_db()
        if participant.status == S.CONSENTED and stage == "scheduled":
            slot = Slot.objects.get(study=participant.study, details=person["slot"])
            book_slot(participant=participant, slot=slot, time_zone=person.get("time_zone", ""))
            participant.refresh_from_db()
        if participant.status == S.CONSENTED and stage == "interviewed":
            self.record_interview(participant, person["interview"])
            participant.refresh_from_db()
        return participant

    def record_interview(self, participant: Participant, interview: dict[str, Any]) -> None:
        # No service records an interview held outside a booked slot yet, so the row is written here.
        held = datetime.combine((self.now - timedelta(days=interview["days_ago"])).date(), time(10, 0), tzinfo=UTC)
        interviewer = User.objects.filter(memberships__study=participant.study, memberships__role="interviewer").first()
        Interview.objects.create(
            study=participant.study,
            participant=participant,
            interviewer=interviewer,
            mode=interview["mode"],
            status=Interview.Status.COMPLETED,
            scheduled_start=held,
        )
        Participant.objects.filter(pk=participant.pk).update(status=S.INTERVIEWED, updated_at=self.now)

    # Transcripts that arrive coded ----------------------------------------------------------------------------

    def load_coded_transcripts(self, study: Study, people: list[tuple[Participant, dict[str, Any]]]) -> None:
        seeds, tally = _demo_coding.coded_seeds(self.seeds.get("coding")), Counter[str]()
        for participant, person in people:
            seed = seeds.get(person["key"])
            if seed is not None and participant.status == S.INTERVIEWED:
                state = _demo_coding.load_coded_transcript(
                    study=study, participant=participant, script=person["script"], seed=seed
                )
                tally[state] += 1
        self.report("Coded transcripts (text, no audio)", tally)

    # Recordings ---------------------------------------------------------------------------------------------

    def load_recordings(self, study: Study, people: list[tuple[Participant, dict[str, Any]]]) -> None:
        if not _demo_recordings.espeak_available():
            self.stdout.write(
                self.style.WARNING(
                    "Recordings: skipped, espeak-ng is not installed (apt-get install espeak-ng, then run "
                    "load_demo_study again to add them)."
                )
            )
            return
        defaults, tally = self.seeds["participants"]["defaults"], Counter[str]()
        for participant, person in people:
            interview = participant.interviews.filter(status=Interview.Status.COMPLETED).first()
            if interview is None or not person.get("script"):
                continue
            if interview.recordings.exists():
                tally["unchanged"] += 1
                continue
            try:
                _demo_recordings.upload_script(
                    interview=interview,
                    script=person["script"],
                    voice=person["interview"]["voice"],
                    variants=(defaults["interviewer_variant"], person["interview"]["variant"]),
                    translate=person["interview"].get("translate_to_english", False),
                )
            except RecordingRefused as refused:
                # For example a demo participant withdrawn since the last load: their consent no longer allows it.
                self.stdout.write(self.style.WARNING(f"  recording for {participant.code} refused: {refused}"))
                tally["refused"] += 1
                continue
            tally["synthesized, encrypted and queued for transcription"] += 1
            self.stdout.write(f"  recording for {participant.code} ({person['interview']['voice']}) uploaded")
        self.report("Recordings", tally)
