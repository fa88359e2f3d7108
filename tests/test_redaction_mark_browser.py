"""Marking missed words for redaction by selecting them in the editor, in real headless Chromium against PostgreSQL:
one word chosen with the mouse after an emoji (two UTF-16 units, one code point) while an edit is still unsaved,
another with Shift+arrow keys after Devanagari and an emoji, each kind chosen in the bar; the database holds the
code-point offsets and words, the de-identification list shows both, and after applying, a coder reads the tags.
On a 390 px phone the bar fits the screen, axe finds nothing wrong with it, and a tap marks the selection.

The transcript comes from the review factories (no Whisper, no recording file: playback is not under test here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from review.models import RedactionMark
from studies.models import Study
from tests.test_accessibility_browser import violations
from tests.test_dashboard_browser import signed_in_page
from tests.test_review_browser import caret
from transcription.models import Transcript

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEXTS = [
    "I told the chatbot 🙂 about Haddad at work.",
    "मैं रोज़ 🙏 बात करती थी, then I moved to Beirut.",
    "It helped me at night.",
]
HADDAD = TEXTS[0].index("Haddad")  # code points: what the server must store
BEIRUT = TEXTS[1].index("Beirut")
PHONE = {"width": 390, "height": 844}
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "editor-mark-phone.png"


def units(text: str) -> int:
    """The UTF-16 length the browser counts."""
    return len(text.encode("utf-16-le")) // 2


@pytest.fixture
def transcript(study: Study) -> Transcript:
    from review.tests.factories import machine_transcript

    return machine_transcript(study, TEXTS)


def url(name: str, transcript: Transcript) -> str:
    return reverse(f"review:{name}", args=[transcript.recording.interview.study.slug, transcript.id])


def open_editor(browser: Any, live_server: Any, user: User, transcript: Transcript, **context: Any) -> Any:
    page = signed_in_page(browser, live_server, user, **context)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + url("editor", transcript))
    page.wait_for_function("() => window.reviewEditor !== undefined")
    return page


def word_box(page: Any, segment: int, word: str) -> dict[str, float]:
    """Where a word of a segment's text is on the screen (found through the text nodes, as a reader sees it)."""
    box = page.evaluate(
        """([i, word]) => {
          const body = document.querySelectorAll('.seg-text')[i];
          const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(word);
            if (at < 0) continue;
            const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + word.length);
            const r = range.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height};
          }
          return null;
        }""",
        [segment, word],
    )
    assert box is not None
    return dict(box)


def wait_selected(page: Any, words: str) -> None:
    """selectionchange events arrive after the key or mouse event that moved the selection: wait for the bar."""
    page.locator("#mark-bar").wait_for(state="visible")
    page.wait_for_function("words => document.getElementById('mark-words').textContent === words", arg=words)


def wait_announced(page: Any, words: str) -> str:
    page.wait_for_function(
        "words => document.getElementById('mark-status').textContent.includes('“' + words + '”')", arg=words
    )
    return str(page.text_content("#mark-status"))


def test_it_marks_words_selected_by_mouse_and_by_keyboard_and_a_coder_reads_them_redacted(
    browser: Any, live_server: Any, transcript: Transcript, researcher: User, coder: User
) -> None:
    assert units(TEXTS[0][:HADDAD]) == HADDAD + 1  # the page and the server count differently before the word
    page = open_editor(browser, live_server, researcher, transcript, viewport={"width": 1280, "height": 900})
    assert page.locator("#mark-bar").is_hidden()
    assert page.locator("#mark-status").get_attribute("aria-live") == "polite"
    assert "Alt+R" in str(page.text_content("#editor-help"))
    # An edit still waiting for autosave: the mark is made on the version that edit becomes.
    page.locator(".seg-text").nth(2).click()
    page.keyboard.press("End")
    page.keyboard.type(" Thanks.")
    # The mouse: drag across "Haddad", after the emoji.
    box = word_box(page, 0, "Haddad")
    page.mouse.move(box["x"] + 1, box["y"] + box["h"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["w"] - 1, box["y"] + box["h"] / 2, steps=6)
    page.mouse.up()
    wait_selected(page, "Haddad")
    page.click("#mark-selection")
    assert "Person" in wait_announced(page, "Haddad")
    name = RedactionMark.objects.get(version__transcript=transcript, segment=0)
    assert (name.version.number, name.start, name.end, name.text, name.kind) == (
        2,
        HADDAD,
        HADDAD + 6,
        "Haddad",
        "NAME",
    )
    assert name.version.segments.get(index=2).text == TEXTS[2] + " Thanks."
    # The keyboard: Shift+arrows over "Beirut" (after Devanagari and an emoji), Alt+K for the kind, Alt+R to mark.
    caret(page, 1, units(TEXTS[1][:BEIRUT]))
    for _ in "Beirut":
        page.keyboard.press("Shift+ArrowRight")
    wait_selected(page, "Beirut")
    page.keyboard.press("Alt+k")
    assert page.evaluate("document.activeElement.id") == "mark-kind-choice"
    page.keyboard.press("ArrowDown")  # Person → Place
    assert page.locator("#mark-kind-choice").input_value() == "PLACE"
    page.keyboard.press("Alt+r")
    assert "Place" in wait_announced(page, "Beirut")
    assert page.locator("#mark-bar").is_hidden()
    assert page.evaluate("document.activeElement.closest('.segment').dataset.i") == "1"
    place = RedactionMark.objects.get(version__transcript=transcript, segment=1)
    assert (place.version.number, place.start, place.end, place.text, place.kind) == (
        2,
        BEIRUT,
        BEIRUT + 6,
        "Beirut",
        "PLACE",
    )
    # Both are in the de-identification list at once, accepted, exactly like typed hand marks.
    # The page runs the proposal finders, whose language models load on first use: give it time on a busy machine.
    page.goto(live_server.url + url("redaction", transcript), timeout=120_000)
    for mark, word in ((name, "Haddad"), (place, "Beirut")):
        item = page.locator(f'li.proposal[data-key="{mark.segment}:{mark.start}:{mark.end}"]')
        assert item.locator("mark").text_content() == word
        assert item.locator("input[value=accepted]").is_checked()
    page.click("#accept-rest", timeout=60_000)
    page.click("#apply-redactions", timeout=60_000)
    page.wait_for_url("**/edit/", timeout=60_000)
    # A coder's reading shows the tags, never the words.
    reader = signed_in_page(browser, live_server, coder)
    reader.goto(live_server.url + url("read", transcript))
    text = str(reader.text_content("main"))
    assert "[NAME-" in text  # the number depends on what else the finders proposed and were accepted
    assert "[PLACE-" in text
    assert "Haddad" not in text
    assert "Beirut" not in text
    assert page.csp_errors == []


def test_on_a_phone_the_bar_fits_and_a_tap_marks_the_selection(
    browser: Any, live_server: Any, transcript: Transcript, owner: User
) -> None:
    # The policy is bypassed only so that axe can be injected (the first test holds the page to it).
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "bypass_csp": True}
    page = open_editor(browser, live_server, owner, transcript, **phone)
    # A touch selection (long press, handles) ends as a selection range in the text, as made here.
    caret(page, 0, units(TEXTS[0][:HADDAD]))
    for _ in "Haddad":
        page.keyboard.press("Shift+ArrowRight")
    wait_selected(page, "Haddad")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    button = page.locator("#mark-selection").bounding_box()
    assert button is not None
    assert button["x"] >= 0
    assert button["x"] + button["width"] <= PHONE["width"]
    assert button["y"] + button["height"] <= PHONE["height"]  # held in view at the bottom of the screen
    assert button["height"] >= 44
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOT))
    page.locator("#mark-selection").tap()
    wait_announced(page, "Haddad")
    assert violations(page) == []
    mark = RedactionMark.objects.get(version__transcript=transcript)
    assert (mark.version.number, mark.start, mark.end, mark.text) == (1, HADDAD, HADDAD + 6, "Haddad")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The de-identification page points to the editor for this and keeps the typed form.
    page.goto(live_server.url + url("redaction", transcript), timeout=120_000)
    assert page.locator("#mark-form").is_visible()
    assert page.locator("p.hint a").get_attribute("href") == url("editor", transcript)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations(page) == []
