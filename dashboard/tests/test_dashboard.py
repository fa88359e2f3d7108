"""The study dashboard: each panel's read against the database after a scripted sequence of events, the
pages and fragments, the retry button, and who may see what."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from accounts.models import AuditEntry, User
from coding.models import CodebookVersion, Coding
from coding.selectors import transcript_agreement
from coding.services.adjudication import open_adjudication
from coding.services.codings import add_coding
from dashboard import agreement, selectors
from studies.models import Participant, Stratum, Study
from studies.services.quotas import stratum_counts
from studies.tests.factories import QuestionFactory
from tests.dashboard_scenario import Scenario, build
from transcription.models import TranscriptionJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(study: Study, owner: User) -> Scenario:
    cache.clear()  # agreement is cached by content; a fresh database may reuse ids
    return build(study, owner)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _panel(client: Client, study: Study, name: str) -> str:
    response = client.get(reverse("dashboard:panel", args=[study.slug, name]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_funnel_counts_who_reached_each_step_and_the_conversions(scenario: Scenario) -> None:
    funnel = selectors.recruitment_funnel(study=scenario.study)
    counts = {step.key: step.count for step in funnel.steps}
    assert counts == {
        "screened": 8,
        "eligible": 7,  # all but the minor; the flagged and the crisis answer were eligible too
        "flagged": 1,
        "waitlisted": 0,
        "invited": 4,
        "consented": 4,  # the person who withdrew still consented once
        "scheduled": 3,
        "interviewed": 3,
        "transcribed": 1,
        "approved": 1,
        "coded": 0,
        "withdrawn": 1,
    }
    steps = {step.key: step for step in funnel.steps}
    assert steps["eligible"].conversion == pytest.approx(7 / 8)
    assert steps["invited"].conversion == pytest.approx(4 / 7)
    assert steps["interviewed"].conversion == pytest.approx(1.0)
    assert steps["coded"].conversion == 0
    assert steps["screened"].conversion is None
    assert steps["withdrawn"].side
    assert steps["withdrawn"].conversion is None


def test_the_funnel_over_time_counts_screening_by_week(scenario: Scenario) -> None:
    weeks = selectors.screening_by_week(study=scenario.study)
    assert len(weeks) == selectors.WEEKS_SHOWN
    this_week = weeks[-1]
    assert (this_week.screened, this_week.eligible, this_week.consented) == (8, 7, 4)
    assert all((w.screened, w.eligible, w.consented) == (0, 0, 0) for w in weeks[:-1])
    old = scenario.people["minor"].responses.get()
    old.submitted_at = timezone.now() - timedelta(weeks=3)
    old.save()
    weeks = selectors.screening_by_week(study=scenario.study)
    assert weeks[-1].screened == 7
    assert sum(w.screened for w in weeks[:-1]) == 1


def test_diversity_counts_the_sample_per_stratum_against_targets(scenario: Scenario) -> None:
    diversity = selectors.sample_diversity(study=scenario.study)
    assert diversity.counted == 3  # consented and beyond; the withdrawn person no longer counts
    region = next(d for d in diversity.dimensions if d.key == "region")
    fills = {fill.name: fill for fill in region.strata}
    assert (fills["Region: Africa"].counted, fills["Region: Africa"].state) == (2, "under")
    assert (fills["Region: Europe"].counted, fills["Region: Europe"].state) == (1, "met")
    assert region.outside == 0
    assert [fill.name for fill in diversity.under_filled] == ["Region: Africa"]
    assert {(r.value, r.count, r.target) for r in diversity.regions} == {("africa", 2, 3), ("europe", 1, 1)}
    age = next(d for d in diversity.dimensions if d.key == "age_band")
    assert [(v.value, v.count) for v in age.values] == [("25-34", 3)]


def test_diversity_counts_invited_people_and_multiple_choice_answers(scenario: Scenario) -> None:
    study = scenario.study
    questionnaire = study.questionnaires.get(kind="screening")
    choices = [{"value": v, "labels": {"en": v.title()}} for v in ("replika", "pi", "claude")]
    QuestionFactory(questionnaire=questionnaire, key="chatbots", kind="multiple", choices=choices)
    Stratum.objects.create(study=study, name="Used Replika", key="chatbots", values=["replika"], target=2, maximum=3)
    eligible = scenario.people["eligible"]
    Participant.objects.filter(pk=eligible.pk).update(status="invited")
    answers = {"kenya": ["replika", "pi"], "germany": ["claude"], "nigeria": ["pi"], "eligible": ["replika"]}
    for name, chosen in answers.items():
        response = scenario.people[name].responses.get()
        response.attributes = {**response.attributes, "chatbots": chosen}
        response.save()
    diversity = selectors.sample_diversity(study=study)
    chatbots = next(d for d in diversity.dimensions if d.key == "chatbots")
    fill = chatbots.strata[0]
    assert (fill.counted, fill.invited, fill.state) == (1, 1, "under")
    assert chatbots.outside == 2  # Germany and Nigeria
    assert {(v.value, v.count) for v in chatbots.values} == {("pi", 2), ("replika", 1), ("claude", 1)}
    assert next(v.label for v in chatbots.values if v.value == "pi") == "Pi"
    assert diversity.invited == 1


def test_diversity_counts_an_intersectional_stratum_only_for_people_in_every_condition(scenario: Scenario) -> None:
    study = scenario.study
    for name, band in (("kenya", "25-34"), ("nigeria", "18-24")):
        response = scenario.people[name].responses.get()
        response.attributes = {**response.attributes, "age_band": band}
        response.save()
    conditions = [{"key": "age_band", "values": ["25-34"]}]
    Stratum.objects.create(
        study=study, name="Africa, 25-34", key="region", values=["africa"], conditions=conditions, target=1, maximum=2
    )
    diversity = selectors.sample_diversity(study=study)
    fills = {fill.name: fill for d in diversity.dimensions for fill in d.strata}
    assert fills["Africa, 25-34"].counted == 1  # Kenya; Nigeria is in Africa but 18-24
    assert fills["Region: Africa"].counted == 2
    assert ("africa", 2, 3) in {(r.value, r.count, r.target) for r in diversity.regions}  # the cell adds no target
    oracle = [stratum_counts(study=study)[s.id] for s in study.strata.order_by("name")]
    assert [fills[s.name].counted for s in study.strata.order_by("name")] == oracle


def test_the_queue_shows_states_running_progress_failures_throughput_and_workers(scenario: Scenario) -> None:
    queue = selectors.transcription_queue(study=scenario.study)
    states = {value: n for value, _label, n in queue.by_state}
    assert states == {"queued": 0, "running": 1, "succeeded": 1, "failed": 1, "cancelled": 0}
    assert [(job.id, job.progress) for job in queue.running] == [(scenario.running.id, 40)]
    assert queue.running[0].eta is not None
    assert [(job.id, job.error_message) for job in queue.failed] == [
        (scenario.failed.id, "The stored recording could not be read back.")
    ]
    assert queue.throughput.audio_hours == pytest.approx(0.5)
    assert queue.throughput.per_hour == pytest.approx(0.5 / 24)
    assert queue.throughput.speed == pytest.approx(3.0)  # 30 min of audio in 10 min
    assert sum(hours for _hour, hours in queue.throughput.hourly) == pytest.approx(0.5)
    workers = {w.name: (w.device_label, w.model_name, w.busy) for w in queue.workers}
    assert workers == {"celery@gpu-1": ("GPU", "large-v3", True), "celery@cpu-1": ("CPU", "base", False)}


def test_a_worker_whose_heartbeat_went_stale_is_no_longer_busy_and_old_ones_disappear(scenario: Scenario) -> None:
    TranscriptionJob.objects.filter(id=scenario.running.id).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    workers = {w.name: w.busy for w in selectors.workers_seen()}
    assert workers["celery@gpu-1"] is False
    later = timezone.now() + timedelta(minutes=30)
    assert selectors.workers_seen(now=later) == []


def test_coding_progress_per_coder_and_agreement_per_code_match_the_coding_app(scenario: Scenario) -> None:
    panel = selectors.coding_progress(study=scenario.study)
    coders = {c.name: (c.assigned, c.in_progress, c.done, c.codings) for c in panel.coders}
    assert coders == {"Coder A": (0, 0, 1, 2), "Coder B": (0, 0, 1, 1), "Coder C": (1, 0, 0, 0)}
    assert (panel.transcripts_ready, panel.transcripts_assigned, panel.double_coded) == (1, 1, 1)
    assert panel.agreement is not None
    rows = {row.name: row for row in panel.agreement.codes}
    reference = transcript_agreement(scenario.version)
    assert reference is not None
    for item in reference.codes:
        name = scenario.codes["Support"].name if item.code == scenario.codes["Support"].id else "Risk"
        assert rows[name].alpha.value == item.alpha.value
        assert rows[name].percent == item.pairs[0].percent_agreement.value
        assert rows[name].kappa == item.pairs[0].kappa.value
    assert rows["Support"].percent == 1.0
    assert rows["Risk"].percent == pytest.approx(0.75)
    assert panel.agreement.units == 4


def test_agreement_is_recomputed_when_a_coding_changes(scenario: Scenario) -> None:
    before = selectors.coding_progress(study=scenario.study).agreement
    assert before is not None
    coder_b = scenario.coders[1]
    add_coding(version=scenario.version, coder=coder_b, code=scenario.codes["Risk"], start=40, end=50)
    after = selectors.coding_progress(study=scenario.study).agreement
    assert after is not None
    assert {row.name: row.percent for row in after.codes}["Risk"] == 1.0


def test_safety_events_wait_for_follow_up(scenario: Scenario) -> None:
    panel = selectors.safety_events(study=scenario.study)
    assert (panel.total, panel.not_notified) == (1, 1)
    assert [(e.participant.code, e.question_key) for e in panel.events] == [(scenario.people["crisis"].code, "crisis")]


def test_the_page_shows_every_panel_with_labelled_charts_and_no_inline_style(scenario: Scenario, owner: User) -> None:
    response = _client(owner).get(reverse("dashboard:page", args=[scenario.study.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("funnel", "diversity", "transcription", "coding", "safety"):
        assert f'id="panel-{name}"' in html
        assert reverse("dashboard:panel", args=[scenario.study.slug, name]) in html
    for chart in ("chart-funnel", "chart-weekly", "chart-regions", "chart-throughput"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert " style=" not in html
    assert "<script>" not in html
    assert "dashboard/dashboard.js" in html
    assert AuditEntry.objects.filter(action="dashboard.safety_events.viewed", study_id=scenario.study.id).exists()


def test_the_fragments_show_the_database_figures(scenario: Scenario, researcher: User) -> None:
    client = _client(researcher)
    funnel = _panel(client, scenario.study, "funnel")
    assert re.search(r'data-step="consented"><th scope="row">Consented</th><td class="count">4</td>', funnel)
    queue = _panel(client, scenario.study, "transcription")
    assert "The stored recording could not be read back." in queue
    assert reverse("dashboard:retry", args=[scenario.study.slug, scenario.failed.id]) in queue
    assert 'value="40"' in queue
    assert "celery@gpu-1" in queue
    assert scenario.people["crisis"].code in _panel(client, scenario.study, "safety")
    assert "Coder A" in _panel(client, scenario.study, "coding")
    assert "Region: Africa: 2 of 3" in _panel(client, scenario.study, "diversity")


def test_a_failed_job_is_queued_again_from_the_dashboard(
    scenario: Scenario, interviewer: User, django_capture_on_commit_callbacks: object
) -> None:
    url = reverse("dashboard:retry", args=[scenario.study.slug, scenario.failed.id])
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        response = _client(interviewer).post(url)
    assert response.status_code == 302
    assert response["Location"].endswith("/dashboard/#panel-transcription")
    scenario.failed.refresh_from_db()
    assert (scenario.failed.status, scenario.failed.attempts, scenario.failed.error_message) == ("queued", 0, "")
    assert len(callbacks) == 1  # the job is sent to the queue once the retry commits
    again = _client(interviewer).post(url, follow=True)
    assert (
        "Only a failed job, or one that has waited unclaimed for a long time, can be retried." in again.content.decode()
    )


def test_the_coder_sees_no_safety_panel_and_cannot_retry(scenario: Scenario, coder: User) -> None:
    client = _client(coder)
    page = client.get(reverse("dashboard:page", args=[scenario.study.slug])).content.decode()
    assert 'id="panel-funnel"' in page
    assert 'id="panel-safety"' not in page
    assert scenario.people["crisis"].code not in page
    assert "Retry" not in page
    safety = client.get(reverse("dashboard:panel", args=[scenario.study.slug, "safety"]))
    assert safety.status_code == 403
    retry = client.post(reverse("dashboard:retry", args=[scenario.study.slug, scenario.failed.id]))
    assert retry.status_code == 403
    assert TranscriptionJob.objects.get(id=scenario.failed.id).status == "failed"


@pytest.mark.parametrize("persona", ["viewer", "interviewer", "coder", "researcher", "owner"])
def test_every_team_role_sees_the_dashboard(study: Study, persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    assert _client(user).get(reverse("dashboard:page", args=[study.slug])).status_code == 200


def test_outsiders_get_404_everywhere_and_strangers_are_sent_to_sign_in(study: Study, outsider: User) -> None:
    client = _client(outsider)
    assert client.get(reverse("dashboard:page", args=[study.slug])).status_code == 404
    assert client.get(reverse("dashboard:panel", args=[study.slug, "funnel"])).status_code == 404
    assert client.post(reverse("dashboard:retry", args=[study.slug, 1])).status_code == 404
    anonymous = Client().get(reverse("dashboard:panel", args=[study.slug, "funnel"]))
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]


def test_an_unknown_panel_is_404_and_another_studys_job_cannot_be_retried(scenario: Scenario, owner: User) -> None:
    client = _client(owner)
    assert client.get(reverse("dashboard:panel", args=[scenario.study.slug, "nope"])).status_code == 404
    other = build_other_study_job()
    response = client.post(reverse("dashboard:retry", args=[scenario.study.slug, other.id]))
    assert response.status_code == 404


def build_other_study_job() -> TranscriptionJob:
    from transcription.tests.factories import TranscriptionJobFactory

    return TranscriptionJobFactory(status="failed", finished_at=timezone.now(), claimed_at=timezone.now())


def test_an_empty_study_shows_every_panel_without_error(study: Study, owner: User) -> None:
    client = _client(owner)
    for name in ("funnel", "diversity", "transcription", "coding", "safety"):
        assert "<svg" in _panel(client, study, name) or name in ("diversity", "coding", "safety")
    assert "No job is running." in _panel(client, study, "transcription")
    assert "No transcript has been finished by two coders yet." in _panel(client, study, "coding")


def test_the_study_page_links_to_the_dashboard(study: Study, viewer: User) -> None:
    page = _client(viewer).get(reverse("studies:detail", args=[study.slug])).content.decode()
    assert reverse("dashboard:page", args=[study.slug]) in page


def test_adjudications_are_counted_and_consensus_codings_are_nobodys_own_work(
    scenario: Scenario, owner: User, researcher: User
) -> None:
    panel = selectors.coding_progress(study=scenario.study)
    assert (panel.open_adjudications, panel.not_adjudicated) == (0, 1)
    assert [(p.participant, p.status) for p in panel.pending] == [(scenario.people["germany"].code, "")]
    open_adjudication(version=scenario.version, adjudicator=owner)
    coder_a = scenario.coders[0]
    Coding.objects.create(
        transcript_version=scenario.version,
        start=40,
        end=50,
        text=scenario.version.text()[40:50],
        code=scenario.codes["Support"],
        coder=coder_a,
        codebook_version=CodebookVersion.objects.filter(study=scenario.study).latest("number"),
        consensus=True,
    )
    panel = selectors.coding_progress(study=scenario.study)
    assert (panel.open_adjudications, panel.not_adjudicated) == (1, 0)
    assert [p.status for p in panel.pending] == ["open"]
    assert {c.name: c.codings for c in panel.coders}["Coder A"] == 2
    assert panel.agreement is not None
    assert {row.name: row.percent for row in panel.agreement.codes}["Support"] == 1.0
    page = _client(researcher).get(reverse("dashboard:panel", args=[scenario.study.slug, "coding"]))
    assert reverse("coding:adjudication", args=[scenario.study.slug, scenario.version.id]) in page.content.decode()


def test_the_demo_study_shows_on_the_dashboard(settings: Settings) -> None:
    settings.DEBUG = True  # the demo loader refuses to run otherwise
    call_command("load_demo_study", "--no-recordings", stdout=io.StringIO())
    study = Study.objects.get(slug="llm-chatbots-mental-health")
    owner = study.memberships.get(role="owner").user
    page = _client(owner).get(reverse("dashboard:page", args=[study.slug])).content.decode()
    funnel = selectors.recruitment_funnel(study=study)
    screened = funnel.steps[0].count
    assert screened == Participant.objects.filter(study=study).count() > 0
    assert f'<td class="count">{screened}</td>' in page
    diversity = selectors.sample_diversity(study=study)
    assert {d.key for d in diversity.dimensions} >= {"region", "gender"}
    assert "Gender: non-binary or self-described" in page


def test_a_coder_still_at_work_does_not_invalidate_the_cached_agreement(scenario: Scenario) -> None:
    versions = agreement.double_coded_versions(study=scenario.study)
    before = agreement._fingerprint(scenario.study, versions)
    coder_c = scenario.coders[2]  # assigned, not finished
    add_coding(version=scenario.version, coder=coder_c, code=scenario.codes["Risk"], start=0, end=5)
    assert agreement._fingerprint(scenario.study, versions) == before
    add_coding(version=scenario.version, coder=scenario.coders[0], code=scenario.codes["Risk"], start=0, end=5)
    assert agreement._fingerprint(scenario.study, versions) != before


def test_jobs_link_to_their_interview_page(scenario: Scenario, coder: User) -> None:
    html = _panel(_client(coder), scenario.study, "transcription")
    interview = scenario.failed.recording.interview_id
    assert reverse("transcription:interview", args=[scenario.study.slug, interview]) in html
    assert reverse("transcription:jobs", args=[scenario.study.slug]) in html


SQLITE_CHECK = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("load_demo_study", "--no-recordings", verbosity=0)
from django.test import Client
from django.urls import reverse
from studies.models import Study
from tests.dashboard_scenario import build
from studies.tests.factories import MembershipFactory, StudyFactory
demo = Study.objects.get(slug="llm-chatbots-mental-health")
owner = demo.memberships.get(role="owner").user
scripted = StudyFactory()
MembershipFactory(study=scripted, user=owner, role="owner")
build(scripted, owner)
client = Client()
client.force_login(owner)
for study in (demo, scripted):
    for name in ("funnel", "diversity", "transcription", "coding", "safety"):
        url = reverse("dashboard:panel", args=[study.slug, name])
        print("CHECK", name, client.get(url).status_code)
    print("CHECK page", client.get(reverse("dashboard:page", args=[study.slug])).status_code)
print("WORKERS", client.get(url.replace("safety", "transcription")).content.decode().count("data-worker="))
"""


@pytest.mark.slow
def test_the_dashboard_answers_on_the_demos_embedded_sqlite_database(tmp_path: Path) -> None:
    # The run command uses SQLite (tests use PostgreSQL), so the selectors must not rely on PostgreSQL alone.
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
        TWO_FACTOR_REQUIRED_ROLES="",
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_CHECK], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    checks = [line for line in done.stdout.splitlines() if line.startswith("CHECK ")]
    assert len(checks) == 12
    assert all(line.endswith(" 200") for line in checks), checks
    assert "WORKERS 2" in done.stdout.splitlines()


def test_a_coder_does_not_see_the_coding_panel_while_coding_is_blind(
    scenario: Scenario, study: Study, coder: User
) -> None:
    client = _client(coder)
    page = client.get(reverse("dashboard:page", args=[study.slug]))
    assert page.status_code == 200
    assert 'id="panel-coding"' not in page.content.decode()
    assert 'id="panel-funnel"' in page.content.decode()
    url = reverse("dashboard:panel", args=[study.slug, "coding"])
    assert client.get(url).status_code == 403
