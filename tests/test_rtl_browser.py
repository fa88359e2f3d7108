"""A right-to-left study on a phone, in real headless Chromium: an Arabic study's public pages are no wider than a
390 px screen (no sideways scrolling, no blank first screen), and the skip link still appears when a keyboard
reaches it; the interface itself is in Arabic (locale/ar). Nothing is mocked."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from studies.models import Study
from studies.tests.conftest import forget_rate_limits
from studies.tests.factories import StudyFactory, build_screening

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def arabic_study() -> Study:
    study = StudyFactory(languages=["ar", "en"])
    build_screening(study)
    return study


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize("locale", ["ar", "en-GB"])
def test_an_arabic_studys_screening_page_is_as_wide_as_a_phone_in_either_direction(
    browser: Any, live_server: Any, locale: str
) -> None:
    forget_rate_limits()
    study = arabic_study()
    page = browser.new_context(locale=locale, **PHONE).new_page()
    page.goto(live_server.url + reverse("participate:screening", args=[study.slug]))
    expected = "rtl" if locale == "ar" else "ltr"
    assert page.locator("html").get_attribute("dir") == expected
    assert scroll_width(page) == 390
    # The first screen shows the page, not an empty stretch: the heading starts inside the viewport.
    box = page.locator("h1").bounding_box()
    assert box is not None
    assert 0 <= box["x"] < 390
    # The interface speaks the visitor's language: Arabic from the catalog, not English left over.
    with translation.override("ar" if locale == "ar" else "en"):
        send = gettext("Send my answers")
    assert send != "Send my answers" or locale != "ar"
    assert page.locator("button[type=submit]").last.inner_text().strip() == send


def test_switching_an_english_visitor_to_arabic_keeps_the_page_on_the_phone(browser: Any, live_server: Any) -> None:
    forget_rate_limits()
    study = arabic_study()
    page = browser.new_context(locale="en-GB", **PHONE).new_page()
    page.goto(live_server.url + reverse("participate:screening", args=[study.slug]))
    page.select_option("#language-select", "ar")
    page.locator(".language-switcher button").click()
    page.wait_for_selector("html[dir=rtl]")
    assert scroll_width(page) == 390


def test_the_skip_link_appears_inside_the_screen_when_a_keyboard_reaches_it(browser: Any, live_server: Any) -> None:
    forget_rate_limits()
    study = arabic_study()
    page = browser.new_context(locale="ar", **PHONE).new_page()
    page.goto(live_server.url + reverse("participate:screening", args=[study.slug]))
    link = page.locator(".skip-link")
    assert link.bounding_box() is None or link.bounding_box()["width"] <= 1  # hidden until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    box = link.bounding_box()
    assert box is not None
    assert box["width"] > 1
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert scroll_width(page) == 390
