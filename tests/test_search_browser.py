"""Transcript search in real headless Chromium: a hit opens the segment it was found in, focused, in the editor for a
researcher and in the coding workspace for a coder; the search page works on a phone-sized screen and axe-core finds
nothing on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from review.tests.factories import approved_and_indexed
from studies.models import Study
from tests.test_accessibility_browser import violations
from transcription.models import Transcript

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEXTS = [
    "We started talking about sleep.",
    "My sister Zanele Okonkwo worried about me.",
    "At night the chatbot listened when nobody else did.",
]
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "search.png"


@pytest.fixture
def page_for(browser: Any, live_server: Any) -> Callable[[User, dict[str, int]], Any]:
    def open_as(user: User, viewport: dict[str, int]) -> Any:
        client = Client()
        client.force_login(user)
        # CSP bypassed only so that axe-core can be injected, as in tests/test_accessibility_browser.py.
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    return open_as


@pytest.fixture
def approved(study: Study, researcher: User, coder: User) -> Transcript:
    return approved_and_indexed(study, researcher, TEXTS, listed_name="Zanele Okonkwo")


def test_a_hit_opens_its_segment_focused_where_each_role_works(
    page_for: Callable[[User, dict[str, int]], Any],
    live_server: Any,
    study: Study,
    researcher: User,
    coder: User,
    approved: Transcript,
) -> None:
    search = live_server.url + reverse("coding:search", args=[study.slug])
    page = page_for(researcher, {"width": 1280, "height": 900})
    page.goto(search)
    assert violations(page) == []  # axe-core: the empty form
    page.get_by_label("Words to find").fill("listening")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Segment 3").click()
    page.wait_for_url("**/edit/#segment-2")
    focused = page.evaluate("document.activeElement.closest('.segment') && document.activeElement.textContent")
    assert focused == TEXTS[2]

    page = page_for(coder, {"width": 390, "height": 844})
    page.goto(search + "?q=worried")
    assert violations(page) == []  # axe-core: hits with their marks, on a phone
    assert "[NAME-1]" in page.locator(".snippet").inner_text()
    assert "Zanele" not in page.content()
    # Nothing is wider than a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.get_by_role("link", name="Segment 2").click()
    page.wait_for_url("**/coding/*/#segment-1")
    label = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
    assert "[NAME-1] worried about me." in label
