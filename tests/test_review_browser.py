"""The transcript editor in real headless Chromium, with real synthesized speech streamed through the decrypting
player endpoint: play and seek, keyboard shortcuts, flagged segments, text and speaker edits, split and merge,
right-to-left text, a conflict between two people, then de-identification and approval. The database is checked
after each step."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coding.models import CodingAssignment
from config.media import save_encrypted
from review.services import versions
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory
from transcription.models import MediaFile, Segment, Transcript
from transcription.tests import speech
from transcription.tests.jobkit import private_media

__all__ = ["private_media"]
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SENTENCES = [
    "Hello and welcome to the interview.",
    "I talked to the chatbot every night.",
    "It felt like a friend who listens.",
]
ARABIC = "كنت أتحدث معه كل ليلة"
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "editor.png"


@pytest.fixture
def page_for(browser: Any, live_server: Any) -> Callable[[User], Any]:
    def open_as(user: User) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    return open_as


@pytest.fixture
def transcript(study: Study, private_media: Path) -> Transcript:
    """Three spoken English sentences and an Arabic line, with word timings from the synthesized audio's layout;
    segments 2 and 4 are flagged by the 'pipeline'."""
    from review.tests.factories import machine_transcript

    clips = [speech.synthesize(text) for text in SENTENCES]
    audio = speech.join(*clips, speech.silence(2.0), gap=0.6)
    transcript = machine_transcript(study, [*SENTENCES, ARABIC], flags={1: ["low_confidence"], 3: ["language_switch"]})
    start = 0.0
    for index, clip in enumerate([*clips, speech.silence(2.0)]):
        end = start + len(clip) / speech.RATE
        segment = Segment.objects.get(version__transcript=transcript, index=index)
        segment.start, segment.end = round(start, 2), round(end, 2)
        step = (end - start) / len(segment.text.split())
        segment.words = [
            {
                "start": round(start + k * step, 2),
                "end": round(start + (k + 1) * step, 2),
                "text": f" {w}",
                "probability": 0.9,
            }
            for k, w in enumerate(segment.text.split())
        ]
        segment.save()
        start = end + 0.6
    data = speech.wav_bytes(audio)
    name = save_encrypted(name="recordings/review-test.wav.enc", source=io.BytesIO(data))
    MediaFile.objects.create(
        recording=transcript.recording,
        storage_name=name,
        byte_size=len(data),
        sha256="0" * 64,
        duration=len(audio) / speech.RATE,
        channels=1,
        sample_rate=speech.RATE,
        codec="pcm_s16le",
        container="wav",
    )
    return transcript


def editor_url(live_server: Any, transcript: Transcript, name: str = "editor") -> str:
    study = transcript.recording.interview.study
    return live_server.url + reverse(f"review:{name}", args=[study.slug, transcript.id])


def texts(transcript: Transcript) -> list[str]:
    latest = versions.latest_version(transcript)
    assert latest is not None
    return [row["text"] for row in versions.rows_of(latest)]


def wait_saved(page: Any, number: int) -> None:
    page.wait_for_function(
        "n => window.reviewEditor.version() === n && window.reviewEditor.pending() === 0", arg=number
    )


def caret(page: Any, segment: int, offset: int) -> None:
    """Put the text cursor `offset` UTF-16 units into a segment's text."""
    page.evaluate(
        """([i, offset]) => {
          const body = document.querySelectorAll('.seg-text')[i];
          body.focus();
          const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          let left = offset;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (left <= node.data.length) {
              const range = document.createRange(); range.setStart(node, left); range.collapse(true);
              const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range); return;
            }
            left -= node.data.length;
          }
        }""",
        [segment, offset],
    )


def test_playback_follows_the_transcript_and_the_keys_drive_the_player(
    page_for: Callable[[User], Any], live_server: Any, transcript: Transcript, researcher: User
) -> None:
    page = page_for(researcher)
    page.goto(editor_url(live_server, transcript))
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.click("#play")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.3")
    page.wait_for_selector(".segment.current")
    page.wait_for_selector(".w-current")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.getElementById('player').paused")
    # Clicking a segment seeks to it (the third starts after two clips and two gaps).
    page.locator(".seg-time").nth(2).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelectorAll('.segment')[2].classList.contains('current')")
    page.keyboard.press("Escape")
    position = page.evaluate("document.getElementById('player').currentTime")
    third = Segment.objects.get(version__transcript=transcript, index=2).start
    assert third <= position < third + 3
    page.keyboard.press("Alt+b")
    back = page.evaluate("document.getElementById('player').currentTime")
    assert back == pytest.approx(max(0, position - 5), abs=0.3)
    page.keyboard.press("Alt+.")
    page.keyboard.press("Alt+.")
    assert page.evaluate("document.getElementById('player').playbackRate") == pytest.approx(1.2)
    page.keyboard.press("Alt+,")
    assert page.text_content("#rate") == "1.1\u00d7"  # the multiplication sign
    # Flagged segments are marked and walked one by one.
    assert page.locator(".segment.flagged").count() == 2
    page.keyboard.press("Alt+ArrowUp")  # from the third segment back to the flagged second one
    assert page.evaluate("document.activeElement.closest('.segment').dataset.i") == "1"
    assert "1 of 2" in page.text_content("#flag-status")
    page.keyboard.press("Alt+ArrowDown")
    assert page.evaluate("document.activeElement.closest('.segment').dataset.i") == "3"
    assert "2 of 2" in page.text_content("#flag-status")
    page.keyboard.press("Alt+ArrowDown")  # past the last one, back to the first
    assert page.evaluate("document.activeElement.closest('.segment').dataset.i") == "1"
    # The Arabic line reads right to left.
    direction = page.evaluate("getComputedStyle(document.querySelectorAll('.seg-text')[3]).direction")
    assert direction == "rtl"


@pytest.mark.usefixtures("deid_finder_loaded")
def test_edits_autosave_as_versions_and_the_transcript_is_redacted_and_approved(
    page_for: Callable[[User], Any], live_server: Any, transcript: Transcript, researcher: User, study: Study
) -> None:
    coder = MembershipFactory(study=study, role=Role.CODER).user
    page = page_for(researcher)
    page.goto(editor_url(live_server, transcript))
    # Edit text, with a conventional mark inserted from the toolbar.
    page.locator(".seg-text").nth(0).click()
    page.keyboard.press("End")
    page.keyboard.type(" Thanks, Maria Lopez.")
    page.click(".insert-mark[data-mark='[laughs]']")
    wait_saved(page, 2)
    assert texts(transcript)[0] == f"{SENTENCES[0]} Thanks, Maria Lopez. [laughs]"
    # Rename a speaker everywhere.
    page.select_option("#rename-from", "SPEAKER_1")
    page.fill("#rename-to", "Participant")
    page.click("#rename-form button")
    wait_saved(page, 3)
    latest = versions.latest_version(transcript)
    assert latest is not None
    assert [r["speaker"] for r in versions.rows_of(latest)] == [
        "interviewer",
        "Participant",
        "interviewer",
        "Participant",
    ]
    # Split the second sentence before "every night", then merge it back.
    caret(page, 1, SENTENCES[1].index("every"))
    page.click("#split")
    wait_saved(page, 4)
    assert texts(transcript)[1:3] == ["I talked to the chatbot", "every night."]
    page.locator(".seg-text").nth(1).click()
    page.keyboard.press("Alt+m")
    wait_saved(page, 5)
    assert texts(transcript)[1] == SENTENCES[1]
    # A segment's times, from the tools.
    page.locator(".seg-text").nth(2).click()
    page.fill("#tool-end", "9.5")
    page.press("#tool-end", "Enter")
    wait_saved(page, 6)
    assert Segment.objects.get(version__number=6, version__transcript=transcript, index=2).end == 9.5
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # De-identification: a hand mark, accept the rest, apply; then approve into the coding queue.
    page.goto(editor_url(live_server, transcript, "redaction"))
    page.fill("#mark-segment", "1")
    page.fill("#mark-phrase", "Maria Lopez")
    page.select_option("#mark-kind", "NAME")
    page.click("#mark-form button")
    page.click("#accept-rest")
    page.click("#apply-redactions")
    page.click("#approve")
    page.wait_for_selector(".messages")
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.IN_CODING
    assignment = CodingAssignment.objects.get(transcript=transcript)
    assert assignment.coder == coder
    assert "[NAME-1]" in assignment.transcript_version.text()
    assert "Maria Lopez" not in assignment.transcript_version.text()


def test_two_people_editing_at_once_get_a_conflict_message_not_a_silent_overwrite(
    page_for: Callable[[User], Any], live_server: Any, transcript: Transcript, researcher: User, owner: User
) -> None:
    first, second = page_for(owner), page_for(researcher)
    first.goto(editor_url(live_server, transcript))
    second.goto(editor_url(live_server, transcript))
    first.locator(".seg-text").nth(0).click()
    first.keyboard.press("End")
    first.keyboard.type(" One.")
    wait_saved(first, 2)
    second.locator(".seg-text").nth(2).click()
    second.keyboard.press("End")
    second.keyboard.type(" Two.")
    second.wait_for_selector("#conflict:not([hidden])")
    assert "saved version 2" in second.text_content("#conflict")
    assert texts(transcript)[0].endswith("One.")
    assert texts(transcript)[2] == SENTENCES[2]


def test_a_two_hour_transcript_opens_with_word_spans_only_near_the_viewport(
    page_for: Callable[[User], Any], live_server: Any, study: Study, researcher: User
) -> None:
    from review.tests.factories import machine_transcript

    texts = [f"Segment {i} has a dozen words of interview talk about the chatbot at night." for i in range(1500)]
    transcript = machine_transcript(
        study, texts, flags={i: ["repetition_loop"] for i in range(0, 1500, 100)}, seconds=4.8
    )
    page = page_for(researcher)
    page.goto(editor_url(live_server, transcript))
    page.wait_for_function("() => window.reviewEditor !== undefined")
    assert page.locator(".segment").count() == 1500
    spans = page.evaluate("() => document.querySelectorAll('.w').length")
    assert 0 < spans < 14 * 60  # words of the segments in view, not of all 1,500 (21,000 words)
    page.keyboard.press("Alt+ArrowUp")  # from the first segment back to the last flagged one
    assert page.evaluate("document.activeElement.closest('.segment').dataset.i") == "1400"
    page.keyboard.press("End")
    page.keyboard.type(" edited")
    wait_saved(page, 2)
    assert texts_of_last_save(transcript, 1400).endswith("edited")


def texts_of_last_save(transcript: Transcript, index: int) -> str:
    return Segment.objects.get(version__transcript=transcript, version__number=2, index=index).text
