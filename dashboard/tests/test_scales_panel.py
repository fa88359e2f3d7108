"""The dashboard's scale panel: people per severity band, overall and per quota stratum, for owners and researchers
only (bands are health information)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from dashboard.scales import scale_bands
from studies.models import Participant, Questionnaire, Study
from studies.services.scales import add_scale
from studies.tests.factories import ParticipantFactory, QuestionnaireFactory, StratumFactory, screen
from tests.test_accessibility_browser import signed_in, violations

pytestmark = pytest.mark.django_db
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def scored_study(study: Study) -> None:
    questionnaire = QuestionnaireFactory(study=study, kind=Questionnaire.Kind.SCREENING)
    add_scale(questionnaire=questionnaire, scale_key="phq9")
    StratumFactory(study=study, name="Europe", key="region", values=["europe"])
    StratumFactory(study=study, name="Asia", key="region", values=["asia"])
    people = [("europe", "minimal"), ("europe", "severe"), ("europe", "severe"), ("asia", "mild"), ("asia", None)]
    for region, band in people:
        attributes: dict[str, object] = {"region": region}
        if band is not None:
            attributes.update({"phq9_total": 0, "phq9_band": band})
        screen(ParticipantFactory(study=study), attributes)


def test_it_counts_people_per_band_overall_and_per_stratum(study: Study) -> None:
    scored_study(study)
    [table] = scale_bands(study=study)
    assert table.scale.key == "phq9"
    # Bands in order: minimal, mild, moderate, moderately severe, severe; the unscored person counts nowhere.
    assert [(row.label, row.counts) for row in table.rows] == [
        ("Everyone with a score", [1, 1, 0, 0, 2]),
        ("Asia", [0, 1, 0, 0, 0]),
        ("Europe", [1, 0, 0, 0, 2]),
    ]


def test_owners_and_researchers_see_the_chart_and_its_table_and_others_are_refused(
    study: Study, researcher: User, interviewer: User, viewer: User
) -> None:
    scored_study(study)
    url = reverse("dashboard:panel", args=[study.slug, "scales"])
    client = Client()
    client.force_login(researcher)
    html = client.get(url).content.decode()
    assert 'id="chart-scale-phq9"' in html
    assert re.search(r"<th scope=\"row\">Europe</th><td>1</td><td>0</td><td>0</td><td>0</td><td>2</td><td>3</td>", html)
    page = client.get(reverse("dashboard:page", args=[study.slug])).content.decode()
    assert 'id="panel-scales"' in page
    for persona in (interviewer, viewer):
        other = Client()
        other.force_login(persona)
        assert other.get(url).status_code == 403
        assert 'id="panel-scales"' not in other.get(reverse("dashboard:page", args=[study.slug])).content.decode()


def test_a_study_without_scales_says_so(study: Study, owner: User) -> None:
    client = Client()
    client.force_login(owner)
    html = client.get(reverse("dashboard:panel", args=[study.slug, "scales"])).content.decode()
    assert "No questionnaire of this study has a scored scale yet." in html


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_scale_pages_have_no_axe_violation_on_a_phone(
    browser: Any, live_server: Any, study: Study, owner: User
) -> None:
    scored_study(study)
    questionnaire = study.questionnaires.get()
    participant = Participant.objects.filter(study=study).order_by("id").first()
    assert participant is not None
    page = signed_in(browser, live_server, owner)
    page.set_viewport_size({"width": 390, "height": 844})
    found: dict[str, list[str]] = {}
    for name, url in (
        ("dashboard", reverse("dashboard:page", args=[study.slug])),
        ("questionnaire", reverse("studies:questionnaire", args=[study.slug, questionnaire.pk])),
        ("participant", reverse("studies:participant", args=[study.slug, participant.code])),
    ):
        response = page.goto(live_server.url + url)
        assert response is not None
        assert response.ok, name
        if problems := violations(page):
            found[name] = problems
        if name == "dashboard":
            panel = page.locator("#panel-scales")
            assert panel.locator("svg#chart-scale-phq9").count() == 1
            panel.screenshot(path=str(SCREENSHOTS / "dashboard-scales.png"))
    page.context.close()
    assert not found, found
