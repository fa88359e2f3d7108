"""Keyboard only, in real headless Chromium: a participant goes through the screening with Tab, Space, the arrow
keys, typing and Enter (no mouse, no click); a refused submit puts the focus on the error summary, whose links
take the focus to their fields; a reviewer walks through the editor's segments and plays and pauses the recording
from them. Every stop shows where the focus is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from studies.models import Participant, ScreeningResponse
from studies.tests.conftest import forget_rate_limits
from studies.tests.factories import StudyFactory, build_screening
from tests.test_review_browser import editor_url, page_for, transcript
from transcription.models import Segment, Transcript
from transcription.tests.jobkit import private_media

__all__ = ["page_for", "private_media", "transcript"]
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A media element's own controls (inside it, out of reach of the page's styles) draw their focus ring.
FOCUS_SHOWN = """() => {
  if (document.activeElement.matches('audio, video')) return true;
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""

# The focused field's question (its label, or the legend of its group of choices) is on the screen.
QUESTION_IN_VIEW = """() => {
  const field = document.activeElement, group = field.closest('fieldset');
  const caption = ['radio', 'checkbox'].includes(field.type) && group ? group.querySelector('legend')
    : document.querySelector(`label[for="${field.id}"]`);
  const box = caption.getBoundingClientRect();
  return box.top > -1 && box.bottom <= window.innerHeight;  // scrolled to the top edge, give or take a fraction
}"""


def focused(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            """() => { const e = document.activeElement;
              return {id: e.id, tag: e.tagName.toLowerCase(), name: e.name || '', value: e.value || '',
                      type: e.type || '', text: (e.textContent || '').trim().slice(0, 80)}; }"""
        )
    )


def tab_to(page: Any, selector: str, *, limit: int = 40, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focus is on `selector`; each stop on the way must show the focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        assert page.evaluate(FOCUS_SHOWN), f"no visible focus on {focused(page)}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reached with the keyboard (stopped on {focused(page)})")


def back_to_summary(page: Any) -> None:
    """Where the page put the focus after the refused submit (static/js/error_summary.js does the same)."""
    page.evaluate("document.querySelector('[data-error-summary]').focus()")


def follow_each_error_link(page: Any) -> None:
    """Each link of the error summary, in the page's order (the questions, then the contact details), takes the
    focus to its field with its question on the screen."""
    links = page.locator("[data-error-summary] a")
    targets = [str(href).removeprefix("#") for href in links.evaluate_all("links => links.map(a => a.hash)")]
    assert targets == ["id_q_age", "id_q_country", "id_q_used_chatbot_0", "id_q_attention_0", "id_email"]
    for target in targets:
        back_to_summary(page)
        tab_to(page, f"[data-error-summary] a[href='#{target}']", limit=len(targets))
        page.keyboard.press("Enter")
        assert focused(page)["id"] == target
        assert page.evaluate(FOCUS_SHOWN)
        assert page.evaluate(QUESTION_IN_VIEW), f"the question of {target} is off the screen"


def test_a_participant_screens_with_the_keyboard_and_the_error_summary_leads_to_each_field(
    browser: Any, live_server: Any
) -> None:
    forget_rate_limits()
    study = StudyFactory(languages=["en"])
    build_screening(study)
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB").new_page()
    page.goto(live_server.url + reverse("participate:screening", args=[study.slug]))
    tab_to(page, ".participant-form button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_selector("[data-error-summary]")
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')"), focused(page)
    follow_each_error_link(page)

    # The first link leads to the age; from there on, the keyboard alone.
    back_to_summary(page)
    tab_to(page, "[data-error-summary] a", limit=1)
    page.keyboard.press("Enter")
    page.keyboard.type("31")
    tab_to(page, "#id_q_country")
    page.keyboard.type("India")  # a closed list picks the option that starts with what is typed
    assert page.locator("#id_q_country").input_value() == "IN"
    tab_to(page, "#id_q_used_chatbot_0")
    page.keyboard.press("Space")  # "Yes", the first choice
    tab_to(page, "[name=q_crisis]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # moves to "No" and chooses it
    tab_to(page, "[name=q_attention]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_email")
    page.keyboard.type("keyboard@example.org")
    page.keyboard.press("Enter")  # Enter in a text box submits the form

    page.wait_for_selector(".result-eligible")
    participant = Participant.objects.get(study=study)
    assert participant.status == Participant.Status.ELIGIBLE
    assert ScreeningResponse.objects.get(participant=participant).answers == {
        "age": 31,
        "country": "IN",
        "used_chatbot": "yes",
        "crisis": "no",
        "attention": "no",
    }
    page.context.close()


def test_a_reviewer_walks_the_segments_and_plays_and_pauses_with_the_keyboard(
    page_for: Callable[[User], Any], live_server: Any, transcript: Transcript, researcher: User
) -> None:
    page = page_for(researcher)
    page.goto(editor_url(live_server, transcript))
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    player_paused = "() => document.getElementById('player').paused"

    tab_to(page, ".segment[data-i='0'] .seg-time", limit=60)
    page.keyboard.press("Enter")  # plays from the segment's start
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.3")
    page.keyboard.press("Escape")
    page.wait_for_function(player_paused)

    # Segment by segment: its time (a button), then its text.
    for index in (0, 1, 2):
        if index:
            tab_to(page, f".segment[data-i='{index}'] .seg-time", limit=2)
        tab_to(page, f".segment[data-i='{index}'] .seg-text", limit=1)
        page.wait_for_function(
            "i => document.querySelectorAll('.segment')[i].classList.contains('selected')", arg=index
        )
    third = Segment.objects.get(version__transcript=transcript, index=2).start
    tab_to(page, ".segment[data-i='2'] .seg-time", backwards=True, limit=1)
    page.keyboard.press("Space")  # plays from the third segment
    page.wait_for_function(f"() => document.getElementById('player').currentTime > {third + 0.2}")
    page.wait_for_function("() => document.querySelectorAll('.segment')[2].classList.contains('current')")
    page.keyboard.press("Escape")
    page.wait_for_function(player_paused)
    page.keyboard.press("Alt+ArrowDown")  # on to the next flagged segment, the fourth
    assert page.evaluate("document.activeElement.closest('.segment').dataset.i") == "3"
    page.keyboard.press("Escape")  # plays on from where it stopped, with the focus in the text
    page.wait_for_function("() => !document.getElementById('player').paused")
    page.keyboard.press("Escape")
    page.wait_for_function(player_paused)
    page.context.close()
