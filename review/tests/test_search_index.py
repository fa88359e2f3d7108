"""The blind search index: PostgreSQL's lexemes, keyed; rows follow the versions each audience reads, and nothing in
the search tables is a word of the transcripts."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from config.celery import app
from review.models import SearchAudience, SearchIndexState, SegmentSearchTerms, StudyIdentifier
from review.search import highlight, matching_rows, query_terms, study_languages
from review.services import redaction, versions
from review.services.approval import approve_version
from review.services.search_index import index_stale, index_transcript, reindex_after_cut, stale_transcripts
from review.tests.factories import machine_transcript
from studies.models import SafetyEvent, Study
from transcription.models import Segment, Transcript

RAW, REDACTED = SearchAudience.RAW, SearchAudience.REDACTED
TEXTS = ["My sister Zanele Okonkwo runs every morning.", "The chatbot listened when nobody else did."]


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks sent on commit run at once in this process (the real task and service; no broker round trip)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def hits(study: Study, audience: str, q: str) -> list[tuple[int, int]]:
    terms = query_terms(q=q, languages=study_languages(study.id))
    rows = matching_rows(study_id=study.id, audience=audience, terms=terms)
    return list(rows.values_list("transcript_id", "index"))


def redacted_transcript(study: Study, user: User, texts: list[str] = TEXTS) -> Transcript:
    StudyIdentifier.objects.create(study=study, kind="NAME", name="Zanele Okonkwo")
    transcript = machine_transcript(study, texts)
    redaction.accept_undecided(version=transcript.versions.get(), user=user)
    redaction.redact_latest(transcript=transcript, base_number=1, user=user)
    index_transcript(transcript_id=transcript.id)
    return transcript


def test_it_finds_the_raw_name_for_owners_and_never_for_the_redacted_audience(study: Study, researcher: User) -> None:
    transcript = redacted_transcript(study, researcher)
    assert hits(study, RAW, "Okonkwo") == [(transcript.id, 0)]
    assert hits(study, REDACTED, "Okonkwo") == []
    assert hits(study, REDACTED, "zanele") == []
    # The redacted row still finds the rest of the segment, and shows the tag where the name was.
    assert hits(study, REDACTED, "sister morning") == [(transcript.id, 0)]
    redacted_text = Segment.objects.get(version__number=2, version__transcript=transcript, index=0).text
    [html] = highlight(q="sister", hits=[("en", redacted_text)])
    assert "[NAME-1]" in html
    assert "<mark>sister</mark>" in html
    assert "Zanele" not in html


def test_it_stems_english_and_spanish_with_their_own_configurations(study: Study) -> None:
    english = machine_transcript(study, ["He runs to the clinic.", "Nothing here."])
    spanish = machine_transcript(study, ["Me gusta correr por la mañana.", "Nada."])
    Transcript.objects.filter(pk=spanish.pk).update(language="es")
    Segment.objects.filter(version__transcript=spanish).update(language="es")
    for transcript in (english, spanish):
        index_transcript(transcript_id=transcript.id)
    assert study_languages(study.id) == ["en", "es"]
    assert hits(study, RAW, "running") == [(english.id, 0)]
    assert hits(study, RAW, "corriendo") == [(spanish.id, 0)]
    assert hits(study, RAW, "correr") == [(spanish.id, 0)]
    # Every word must be there (AND), and words PostgreSQL drops as stop words leave nothing to match.
    assert hits(study, RAW, "runs nothing") == []
    assert query_terms(q="the of", languages=["en"]) == {}


def test_the_highlight_escapes_the_text_and_marks_every_form_of_the_word(db: None) -> None:
    [html] = highlight(q="running", hits=[("en", "I was <b>running</b> & she runs.")])
    assert html == "I was &lt;b&gt;<mark>running</mark>&lt;/b&gt; &amp; she <mark>runs</mark>."


def test_an_edit_reindexes_the_transcript_on_commit(
    study: Study, researcher: User, eager_tasks: None, django_capture_on_commit_callbacks: object
) -> None:
    transcript = machine_transcript(study, ["I walked alone.", "It helped."])
    index_transcript(transcript_id=transcript.id)
    assert hits(study, RAW, "walking") == [(transcript.id, 0)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        versions.save_edits(
            transcript=transcript,
            base_number=1,
            ops=[{"op": "text", "index": 0, "text": "I was swimming alone."}],
            author=researcher,
        )
    assert len(callbacks) == 1
    assert hits(study, RAW, "walking") == []
    assert hits(study, RAW, "swims") == [(transcript.id, 0)]
    state = SearchIndexState.objects.get(transcript=transcript)
    assert state.latest_version_id == transcript.versions.get(number=2).id


def test_redaction_and_approval_move_the_redacted_rows_to_the_version_coders_read(
    study: Study, researcher: User, coder: User, eager_tasks: None, django_capture_on_commit_callbacks: object
) -> None:
    StudyIdentifier.objects.create(study=study, kind="NAME", name="Zanele Okonkwo")
    transcript = machine_transcript(study, TEXTS)
    index_transcript(transcript_id=transcript.id)
    # Before any redaction coders read nothing, so the redacted audience finds nothing.
    assert hits(study, REDACTED, "chatbot") == []
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        redaction.accept_undecided(version=transcript.versions.get(), user=researcher)
        redaction.redact_latest(transcript=transcript, base_number=1, user=researcher)
    assert hits(study, REDACTED, "chatbot") == [(transcript.id, 1)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        approve_version(transcript=transcript, number=2, user=researcher)
    assert len(callbacks) >= 1
    approved = transcript.versions.get(number=2)
    assert set(SegmentSearchTerms.objects.filter(audience=REDACTED).values_list("version_id", flat=True)) == {
        approved.id
    }


def test_the_sweep_indexes_machine_versions_once(study: Study) -> None:
    transcript = machine_transcript(study, ["A machine wrote this.", "Nobody opened it."])
    assert stale_transcripts() == [transcript.id]
    assert index_stale() == 1
    assert stale_transcripts() == []
    assert index_stale() == 0
    assert hits(study, RAW, "machine") == [(transcript.id, 0)]


def test_deleting_a_transcript_deletes_its_rows(study: Study, researcher: User) -> None:
    transcript = redacted_transcript(study, researcher)
    assert SegmentSearchTerms.objects.filter(transcript=transcript).count() == 4  # two segments, two audiences
    transcript.recording.delete()
    assert not SegmentSearchTerms.objects.exists()
    assert not SearchIndexState.objects.exists()


def test_no_search_column_holds_a_word_of_the_transcripts(study: Study, researcher: User) -> None:
    redacted_transcript(study, researcher)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_name IN ('review_segmentsearchterms', 'review_searchindexstate')"
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT t::text FROM review_segmentsearchterms t UNION ALL SELECT s::text FROM review_searchindexstate s"
        )
        dumped = " ".join(row[0] for row in cursor.fetchall()).lower()
    assert "tsvector" not in {data_type for _, _, data_type in columns}
    assert ("review_segmentsearchterms", "terms", "ARRAY") in columns
    for word in ("zanele", "okonkwo", "sister", "morning", "run", "chatbot", "listen", "nobody"):
        assert word not in dumped
    assert dumped  # the rows are there: the check above looked at something


def test_a_cut_leaves_nothing_searchable_of_the_deleted_segments(
    study: Study, researcher: User, eager_tasks: None, django_capture_on_commit_callbacks: object
) -> None:
    transcript = redacted_transcript(study, researcher)
    assert hits(study, REDACTED, "chatbot") == [(transcript.id, 1)]
    # What the transcription app's cut hook does: every version loses the segments after the mark.
    Segment.objects.filter(version__transcript=transcript, index__gte=1).delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        reindex_after_cut(event=SafetyEvent(study=study, interview_id=transcript.recording.interview_id))
    assert len(callbacks) == 1
    assert hits(study, RAW, "chatbot") == []
    assert hits(study, REDACTED, "chatbot") == []
    assert hits(study, RAW, "Okonkwo") == [(transcript.id, 0)]


def test_the_command_rebuilds_a_study_and_names_an_unknown_one(study: Study) -> None:
    transcript = machine_transcript(study, ["A machine wrote this."])
    out = io.StringIO()
    call_command("reindex_search", study.slug, stdout=out)
    assert out.getvalue().strip() == "Indexed 1 transcripts."
    assert hits(study, RAW, "machine") == [(transcript.id, 0)]
    with pytest.raises(CommandError, match="No study has the slug 'nope'"):
        call_command("reindex_search", "nope")
