"""The coding workspace in real headless Chromium: two coders double-code a transcript blind to each other, one of
them also codes a Hindi transcript, and a researcher adjudicates; the database is checked after each step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coding.models import Adjudication, Code, Coding, CodingAssignment, Memo
from coding.services import CodeDraft, add_code
from coding.services.queue import enqueue_approved_version, update_policy
from coding.tests.factories import transcript_version_with
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory
from transcription.models import TranscriptVersion

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ENGLISH = ["I talked to it at night.", "It helped 🙂 a lot.", "It felt like a friend."]
HINDI = ["मैंने रात को चैटबॉट से बात की", "كنت أثق به أكثر من الناس"]
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "coding.png"


@pytest.fixture
def page_for(browser: Any, live_server: Any) -> Callable[[User], Any]:
    def open_as(user: User) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    return open_as


def _drag_select(page: Any, segment: int, words: str) -> None:
    """Select `words` in the segment with the real mouse: press before the first letter, release after the last."""
    box = page.evaluate(
        """([index, words]) => {
          const body = document.querySelectorAll('.segment-text')[index];
          const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(words);
            if (at < 0) continue;
            const first = document.createRange(); first.setStart(node, at); first.setEnd(node, at + 1);
            const last = document.createRange();
            last.setStart(node, at + words.length - 1); last.setEnd(node, at + words.length);
            const a = first.getBoundingClientRect(), b = last.getBoundingClientRect();
            // Right-to-left words begin at their right edge.
            const rtl = getComputedStyle(body).direction === 'rtl';
            return {x1: rtl ? a.right - 1 : a.left + 1, y1: a.top + a.height / 2,
                    x2: rtl ? b.left + 1 : b.right - 1, y2: b.top + b.height / 2};
          }
          return null;
        }""",
        [segment, words],
    )
    assert box is not None, words
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def _keyboard_select(page: Any, segment: int, keys: list[str]) -> None:
    page.locator(".segment").nth(segment).focus()
    for key in keys:
        page.keyboard.press(key)


def _apply(page: Any, search: str, memo: str = "") -> None:
    count = page.locator("#coding-list li").count()
    page.fill("#code-search", search)
    page.press("#code-search", "Enter")
    if memo:
        page.fill("#coding-memo", memo)
    page.click("#apply-codes")
    page.locator("#coding-list li").nth(count).wait_for()


def _at(segments: list[str], words: str) -> tuple[int, int]:
    """Code-point offsets of `words` in the version text (Python counts code points)."""
    start = "\n".join(segments).index(words)
    return start, start + len(words)


def _codings(version: TranscriptVersion, coder: User) -> list[tuple[str, str, int, int]]:
    rows = Coding.objects.filter(transcript_version=version, coder=coder, consensus=False).order_by("start")
    return [(c.code.name, c.text, c.start, c.end) for c in rows]


@pytest.fixture
def team(study: Study, researcher: User, coder: User) -> dict[str, Any]:
    second = MembershipFactory(study=study, role=Role.CODER, user__display_name="Second coder").user
    for name, colour in (("Trust", "#1B6CA8"), ("Stigma", "#C2410C"), ("Access barriers", "#15803D")):
        add_code(study=study, actor=researcher, draft=CodeDraft(name=name, colour=colour))
    update_policy(study=study, double_share=100, coders_per_double=2, coders=[])
    english = transcript_version_with(study, ENGLISH)
    hindi = transcript_version_with(study, HINDI)
    for version in (english, hindi):
        enqueue_approved_version(version=version)
    return {"second": second, "english": english, "hindi": hindi}


def _check_code_point_helpers(page: Any) -> None:
    """codepoints.js against Python's own counting: emoji are 2 UTF-16 units, Hindi marks and Arabic 1."""
    found = page.evaluate(
        """() => [
          CodePoints.cpLength("It helped 🙂 a lot."),
          CodePoints.unitsToCp("🙂🙂x", 4),
          CodePoints.cpToUnits("a🙂b", 2),
          CodePoints.cpSlice("नमस्ते 🙂 مرحبا", 7, 8),
          CodePoints.stops("मैंने रात", false, true),
          CodePoints.stops("كنت أثق", true, true),
        ]"""
    )
    assert found == [
        len("It helped 🙂 a lot."),
        2,
        3,
        "🙂",
        [0, 3, 5, 6, 8, 9],  # graphemes: मैं (3 code points), ने (2), space, रा (2), त
        [0, 3, 7],  # word ends: كنت, أثق
    ]


def _first_coder_codes_english(
    page: Any, live_server: Any, study: Study, english: TranscriptVersion, coder: User
) -> None:
    page.goto(live_server.url + reverse("coding:queue", kwargs={"slug": study.slug}))
    page.click("#open-next")
    assignment = CodingAssignment.objects.get(transcript_version=english, coder=coder)
    page.wait_for_url(f"**/coding/{assignment.id}/")
    _check_code_point_helpers(page)
    _drag_select(page, 2, "like a friend")
    _apply(page, "tru", memo="friend metaphor")
    assert _codings(english, coder) == [("Trust", "like a friend", *_at(ENGLISH, "like a friend"))]
    # Keyboard: two words forward, then a space and the emoji: one code point, though two UTF-16 units.
    _keyboard_select(page, 1, ["Control+Shift+ArrowRight"] * 2 + ["Shift+ArrowRight"] * 2)
    _apply(page, "acc")
    assert ("Access barriers", "It helped 🙂", *_at(ENGLISH, "It helped 🙂")) in _codings(english, coder)
    # Two overlapping codings in one segment: shown as stacked underlines in each code's colour.
    _drag_select(page, 0, "I talked to it at night")
    _apply(page, "acc")
    _drag_select(page, 0, "at night")
    _apply(page, "stig")
    assert [row[:2] for row in _codings(english, coder)][:2] == [
        ("Access barriers", "I talked to it at night"),
        ("Stigma", "at night"),
    ]
    page.select_option("#memo-about", "transcript")
    page.fill("#memo-text", "Talks about nights a lot.")
    page.click("#memo-form button[type=submit]")
    page.wait_for_selector("#memo-list li")
    assert Memo.objects.get(author=coder).transcript_id == english.transcript_id
    page.reload()
    assert page.locator("#coding-list li").count() == 4  # autosaved: nothing lost on reload
    assert page.locator(".run.coded").count() >= 2
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # fits a phone without sideways scrolling
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.click("button[name=then][value=next]")


def _first_coder_codes_hindi(page: Any, hindi: TranscriptVersion, coder: User) -> None:
    assignment = CodingAssignment.objects.get(transcript_version=hindi, coder=coder)
    page.wait_for_url(f"**/coding/{assignment.id}/")
    # Two graphemes: "मैं" (three code points: a consonant, a vowel sign and a nasal mark) and "ने" (two).
    _keyboard_select(page, 0, ["Shift+ArrowRight"] * 2)
    _apply(page, "stig")
    assert _codings(hindi, coder) == [("Stigma", "मैंने", 0, 5)]
    assert page.locator(".segment-text").nth(1).evaluate("e => getComputedStyle(e).direction") == "rtl"
    _drag_select(page, 1, "أثق")
    _apply(page, "trust")
    assert ("Trust", "أثق", *_at(HINDI, "أثق")) in _codings(hindi, coder)
    page.click("#finish")
    page.wait_for_url("**/coding/")
    assert CodingAssignment.objects.filter(coder=coder, status="done").count() == 2


def _second_coder_codes_english(
    page: Any, live_server: Any, study: Study, english: TranscriptVersion, second: User
) -> None:
    page.goto(live_server.url + reverse("coding:next", kwargs={"slug": study.slug}))
    assignment = CodingAssignment.objects.get(transcript_version=english, coder=second)
    page.wait_for_url(f"**/coding/{assignment.id}/")
    # Blind: nothing of the first coder's work is on the page.
    assert page.locator("#coding-list li").count() == 0
    assert page.locator(".run.coded").count() == 0
    assert "friend metaphor" not in page.content()
    assert "Talks about nights" not in page.content()
    _drag_select(page, 2, "a friend")
    _apply(page, "trust")
    _drag_select(page, 0, "at night")
    _apply(page, "stig")
    assert _codings(english, second) == [
        ("Stigma", "at night", *_at(ENGLISH, "at night")),
        ("Trust", "a friend", *_at(ENGLISH, "a friend")),
    ]
    page.click("#finish")
    page.wait_for_url("**/coding/")


def _researcher_adjudicates(page: Any, live_server: Any, study: Study, english: TranscriptVersion) -> None:
    page.goto(live_server.url + reverse("coding:agreement", kwargs={"slug": study.slug}))
    assert page.locator("table").count() >= 2
    page.click("text=Adjudicate disagreements")
    page.wait_for_url(f"**/adjudication/{english.id}/")
    rows = page.locator(".disagreement")
    # Access barriers in segments 0 and 1 (first coder only); Stigma in 0 and Trust in 2 are agreed.
    assert rows.count() == 2
    first = rows.nth(0)
    first.locator("input[type=radio][value=consensus]").check()
    first.locator("input[type=text]").fill("talked to it")
    first.locator("button[type=submit]").click()
    page.wait_for_selector(".disagreement >> nth=0 >> .decided")
    second = page.locator(".disagreement").nth(1)
    second.locator("input[type=radio]").first.check()  # accept the first coder's decision
    second.locator("button[type=submit]").click()
    page.wait_for_selector(".disagreement >> nth=1 >> .decided")
    page.click("#finish-adjudication")
    page.wait_for_url("**/coding/agreement/")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # wide tables scroll inside their box
    assert Adjudication.objects.get(transcript_version=english).status == "done"


def test_two_coders_code_blind_and_a_researcher_adjudicates(
    page_for: Callable[[User], Any], live_server: Any, study: Study, coder: User, researcher: User, team: dict[str, Any]
) -> None:
    english, hindi, second = team["english"], team["hindi"], team["second"]
    first_page = page_for(coder)
    _first_coder_codes_english(first_page, live_server, study, english, coder)
    _first_coder_codes_hindi(first_page, hindi, coder)
    _second_coder_codes_english(page_for(second), live_server, study, english, second)
    _researcher_adjudicates(page_for(researcher), live_server, study, english)
    consensus = Coding.objects.filter(transcript_version=english, consensus=True).order_by("start")
    assert [(c.code.name, c.text) for c in consensus] == [
        ("Access barriers", "talked to it"),
        ("Stigma", "at night"),
        ("Access barriers", "It helped 🙂"),
        ("Trust", "like a friend"),
    ]
    assert set(Code.objects.filter(codings__consensus=True).values_list("name", flat=True)) == {
        "Stigma",
        "Access barriers",
        "Trust",
    }
