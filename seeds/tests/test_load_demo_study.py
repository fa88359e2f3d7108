"""The synthetic demo study in seeds/: what `load_demo_study` loads, and that loading it again changes nothing."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from coding.models import Adjudication, Code, CodebookVersion, Coding, CodingPolicy, Memo
from config.media import open_decrypted
from seeds.management.commands import _demo_recordings
from studies.models import ConsentDocument, GuideQuestion, Participant, Question, SafetyEvent, Study
from studies.services.consent import consent_text_sha256
from transcription.models import MediaFile, Recording, Transcript, TranscriptionJob

SLUG = "llm-chatbots-mental-health"
LANGUAGES = ("en", "es", "hi")
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@pytest.fixture
def demo(db: None, settings: SettingsWrapper, tmp_path: Path) -> Path:
    """DEBUG on (the loader refuses otherwise), and storage and uploads in this test's own folder."""
    settings.DEBUG = True
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return media


def load(*options: str) -> str:
    out = io.StringIO()
    call_command("load_demo_study", *options, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, tuple[int, Any]]:
    """Row count and latest update time of every model of the platform's apps."""
    state = {}
    for label in ("accounts", "studies", "transcription", "coding"):
        for model in apps.get_app_config(label).get_models():
            rows = model._default_manager.all()
            latest = rows.aggregate(latest=Max("updated_at"))["latest"] if hasattr(model, "updated_at") else None
            state[model._meta.label] = (rows.count(), latest)
    return state


def test_loading_the_demo_study_twice_changes_nothing(demo: Path) -> None:
    load()
    first = snapshot()
    output = load()
    assert snapshot() == first
    assert first["studies.Participant"][0] == 8
    assert "created" not in output
    assert "screened" not in output
    assert Study.objects.get(slug=SLUG).status == Study.Status.RECRUITING


def test_every_screening_question_and_choice_is_in_english_spanish_and_hindi(demo: Path) -> None:
    load("--no-recordings")
    questions = list(Question.objects.filter(questionnaire__study__slug=SLUG))
    assert len(questions) >= 12
    for question in questions:
        texts = [question.text, question.help_text or dict.fromkeys(LANGUAGES, "-")]
        texts += [choice["labels"] for choice in question.choices]
        for text in texts:
            assert all(text.get(language, "").strip() for language in LANGUAGES), (question.key, text)
        assert DEVANAGARI.search(question.text["hi"]), question.key
    risk = [q for q in questions if q.is_risk_item]
    assert [q.key for q in risk] == ["current_crisis"]
    assert risk[0].risk_values == ["yes"]
    assert any(q.is_attention_check and q.attention_answer for q in questions)


def test_the_consent_form_exists_in_three_languages_that_differ(demo: Path) -> None:
    load("--no-recordings")
    documents = {d.language: d for d in ConsentDocument.objects.filter(study__slug=SLUG, published_at__isnull=False)}
    assert sorted(documents) == sorted(LANGUAGES)
    assert len({d.body_markdown for d in documents.values()}) == 3
    assert len({consent_text_sha256(d) for d in documents.values()}) == 3
    assert DEVANAGARI.search(documents["hi"].body_markdown)
    assert "grabación" in documents["es"].body_markdown
    for document in documents.values():
        assert document.items["audio_recording"] == {"required": True, "position": 0}
        assert document.items["verbatim_quotes"] == {"required": False, "position": 2}
        assert len(document.comprehension_questions) == 3


def test_the_codebook_has_the_six_themes_with_sub_codes_in_one_version_and_a_coding_policy(demo: Path) -> None:
    load("--no-recordings")
    themes = Code.objects.filter(study__slug=SLUG, parent=None)
    assert set(themes.values_list("name", flat=True)) == {
        "Support roles",
        "Filling gaps in everyday care",
        "Cultural and linguistic limitations",
        "Therapeutic alignment and misalignment",
        "Risks and harms",
        "Trust and disclosure",
    }
    for theme in themes:
        assert theme.children.count() >= 3
        assert theme.colour
        assert theme.definition
        assert theme.when_not_to_use
    assert CodebookVersion.objects.filter(study__slug=SLUG).count() == 1
    policy = CodingPolicy.objects.get(study__slug=SLUG)
    assert policy.double_share == 50
    assert sorted(policy.coders.values_list("email", flat=True)) == [
        "coder-a.demo@example.org",
        "coder-b.demo@example.org",
    ]


def test_the_interview_guide_is_a_free_standing_memo_covering_the_study_questions(demo: Path) -> None:
    load("--no-recordings")
    memo = Memo.objects.get(study__slug=SLUG, transcript=None, code=None)
    assert memo.title.startswith("Interview guide")
    for topic in (
        "what role it plays",
        "Gaps in everyday care",
        "culture and language",
        "Risks and harms",
        "wish it did",
    ):
        assert topic in memo.text


def test_the_demo_study_has_voice_questions_in_english_spanish_and_hindi(demo: Path) -> None:
    output = load("--no-recordings")
    questions = list(GuideQuestion.objects.filter(study__slug=SLUG).order_by("position"))
    assert len(questions) == 5
    assert all(set(question.prompt) == {"en", "es", "hi"} for question in questions)
    assert "Voice interview questions: 5 created" in output
    assert "Voice interview questions: 5 unchanged" in load("--no-recordings")


def test_quota_targets_sum_to_the_target_sample_size_on_each_dimension(demo: Path) -> None:
    load("--no-recordings")
    study = Study.objects.get(slug=SLUG)
    dimensions: dict[str, int] = {}
    for stratum in study.strata.all():
        dimensions[stratum.key] = dimensions.get(stratum.key, 0) + stratum.target
        assert stratum.maximum >= stratum.target
    assert dimensions == {"region": study.target_sample_size, "gender": study.target_sample_size}
    assert study.target_sample_size == 21


def test_the_participants_went_through_the_journey_and_the_risk_item_was_logged(demo: Path) -> None:
    load("--no-recordings")
    statuses = sorted(Participant.objects.filter(study__slug=SLUG).values_list("status", flat=True))
    assert statuses == ["eligible", *["interviewed"] * 6, "scheduled"]
    assert SafetyEvent.objects.filter(study__slug=SLUG, question_key="current_crisis").count() == 1


@needs_espeak
def test_recordings_are_stored_encrypted_and_their_jobs_queued_on_commit(
    demo: Path, django_capture_on_commit_callbacks: Any
) -> None:
    load("--no-recordings")
    with django_capture_on_commit_callbacks() as callbacks:
        output = load()
    # Four interviews are synthesized for the worker; two arrived coded from the seeds (text only, no job).
    assert "Recordings: 4 synthesized" in output
    assert len(callbacks) == 4  # one transcription job sent per recording, nothing else changed
    assert Recording.objects.count() == 6
    assert Recording.objects.filter(files__isnull=True).count() == 2
    translated = Recording.objects.filter(translate_to_english=True)
    assert sorted(translated.values_list("interview__participant__language", flat=True)) == ["de"]
    assert set(TranscriptionJob.objects.values_list("status", flat=True)) == {TranscriptionJob.Status.QUEUED}
    for media in MediaFile.objects.all():
        raw = (demo / media.storage_name).read_bytes()
        assert b"RIFF" not in raw[:64]
        assert b"WAVE" not in raw[:64]
        assert open_decrypted(media.storage_name).read(4) == b"RIFF"
        assert media.channels == 2
        assert media.duration > 10


def test_it_refuses_to_load_when_debug_is_off_unless_forced(demo: Path, settings: SettingsWrapper) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load()
    assert not Study.objects.filter(slug=SLUG).exists()
    load("--force", "--no-recordings")
    assert Study.objects.filter(slug=SLUG).exists()


def test_setup_demo_gives_the_demo_login_its_password_after_a_plain_load(demo: Path) -> None:
    load("--no-recordings")
    assert not User.objects.get(email="demo@example.org").has_usable_password()
    call_command("setup_demo", stdout=io.StringIO())
    user = User.objects.get(email="demo@example.org")
    assert user.check_password("demo-password-local-only")
    for email in ("researcher.demo@example.org", "interviewer.demo@example.org", "coder-a.demo@example.org"):
        assert User.objects.get(email=email).check_password("demo-password-local-only")  # sign in as each role
    assert user.can_create_studies  # the demo login may create studies of its own (STUDY_CREATION=allowed)
    assert Study.objects.get(slug=SLUG).memberships.get(user=user).role == "owner"


def test_without_espeak_ng_the_recordings_are_skipped_with_a_clear_message(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # espeak-ng is a system program outside the platform: its absence is simulated.
    monkeypatch.setattr(_demo_recordings, "espeak_available", lambda: False)
    output = load()
    assert "espeak-ng is not installed" in output
    assert not MediaFile.objects.exists()
    assert Recording.objects.count() == 2  # the two that arrive coded, as text
    assert Participant.objects.filter(status="interviewed").count() == 6


@needs_espeak
def test_a_recording_the_consent_no_longer_allows_is_refused_with_a_message(demo: Path) -> None:
    load("--no-recordings")
    withdrawn = Participant.objects.filter(status="interviewed").order_by("id").first()
    assert withdrawn is not None
    Participant.objects.filter(pk=withdrawn.pk).update(status=Participant.Status.WITHDRAWN)
    output = load()
    assert f"recording for {withdrawn.code} refused" in output
    assert Recording.objects.count() == 5
    assert not Recording.objects.filter(interview__participant=withdrawn).exists()


def test_two_transcripts_arrive_reviewed_approved_and_double_coded_without_a_worker(demo: Path) -> None:
    output = load("--no-recordings")
    assert "Coded transcripts (text, no audio): 1 coded and adjudicated, 1 coded, awaiting adjudication" in output
    transcripts = Transcript.objects.filter(recording__interview__study__slug=SLUG)
    assert sorted(transcripts.values_list("state", flat=True)) == ["coded", "coded"]
    for transcript in transcripts:
        approved = transcript.approvals.get().version
        assert approved.redaction is not None  # the de-identified version is the one coded
        coders = set(
            Coding.objects.filter(transcript_version=approved, consensus=False).values_list("coder__email", flat=True)
        )
        assert coders == {"coder-a.demo@example.org", "coder-b.demo@example.org"}
    assert list(Adjudication.objects.values_list("status", flat=True)) == [Adjudication.Status.DONE]
    assert Coding.objects.filter(consensus=True).exists()
    assert not TranscriptionJob.objects.exists()
    assert "2 unchanged" in load("--no-recordings")


def test_setup_demo_writes_the_address_and_a_login_per_role_to_a_file_it_prints(
    demo: Path, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    settings.SITE_URL = "http://127.0.0.1:8123"
    call_command("setup_demo", stdout=io.StringIO())
    written = (tmp_path / "var" / "demo-logins.txt").read_text()
    assert "http://127.0.0.1:8123/" in written
    for role, email in (("owner", "demo@example.org"), ("coder", "coder-b.demo@example.org")):
        assert re.search(rf"{role}\s+{re.escape(email)}", written)
    printed = io.StringIO()
    call_command("setup_demo", "--print-login", stdout=printed)
    assert printed.getvalue().strip() == written.strip()
