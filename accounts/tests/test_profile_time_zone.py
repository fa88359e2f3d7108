"""A team member's profile (display name, time zone) and the pages that then show times in that zone (issue #20)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from studies.models import Interview, Study
from studies.tests.factories import InterviewFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

AT = datetime(2031, 5, 6, 14, 30, tzinfo=UTC)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_sets_their_display_name_and_time_zone() -> None:
    user = UserFactory(display_name="Old name")
    client = signed_in(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'value="Old name"' in page
    assert '<optgroup label="America">' in page
    assert '<option value="America/New_York">America/New York</option>' in page
    assert "Times are shown in UTC." in page
    response = client.post(reverse("accounts:profile"), {"display_name": " Ana Ruiz ", "time_zone": "Asia/Kolkata"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Ana Ruiz", "Asia/Kolkata")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Times are shown in Asia/Kolkata." in page
    assert '<option value="Asia/Kolkata" selected>' in page


def test_an_unknown_time_zone_is_refused_and_what_was_typed_stays() -> None:
    user = UserFactory(time_zone="Europe/Madrid")
    response = signed_in(user).post(reverse("accounts:profile"), {"display_name": "Kept", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page
    assert 'href="#id_time_zone"' in page
    assert 'value="Kept"' in page
    user.refresh_from_db()
    assert user.time_zone == "Europe/Madrid"


def test_an_empty_time_zone_means_utc() -> None:
    user = UserFactory(time_zone="Asia/Kolkata")
    assert signed_in(user).post(reverse("accounts:profile"), {"display_name": "", "time_zone": ""}).status_code == 302
    user.refresh_from_db()
    assert user.time_zone == ""


def test_the_navigation_links_the_profile_and_anonymous_people_are_sent_to_sign_in() -> None:
    page = signed_in(UserFactory()).get(reverse("studies:list")).content.decode()
    assert f'href="{reverse("accounts:profile")}"' in page
    assert Client().get(reverse("accounts:profile")).status_code == 302


def interview_in(study: Study) -> Interview:
    participant = ParticipantFactory(study=study)
    return InterviewFactory(participant=participant, status=Interview.Status.SCHEDULED, scheduled_start=AT)


def test_participant_pages_show_interview_times_in_the_readers_zone_and_name_it(study: Study, owner: User) -> None:
    interview = interview_in(study)
    owner.time_zone = "Asia/Kolkata"
    owner.save(update_fields=["time_zone"])
    client = signed_in(owner)
    detail = client.get(reverse("studies:participant", args=[study.slug, interview.participant.code]))
    assert "2031-05-06 20:00 Asia/Kolkata" in detail.content.decode()  # 14:30 UTC is 20:00 in India
    listing = client.get(reverse("studies:participants", args=[study.slug])).content.decode()
    assert "2031-05-06 20:00 Asia/Kolkata" in listing
    assert "14:30 UTC" not in listing


def test_the_zone_ends_with_the_request_and_a_zone_no_longer_known_reads_as_utc(study: Study, owner: User) -> None:
    interview = interview_in(study)
    owner.time_zone = "Atlantis/Capital"  # stored before a tz database update dropped it, say
    owner.save(update_fields=["time_zone"])
    detail = signed_in(owner).get(reverse("studies:participant", args=[study.slug, interview.participant.code]))
    assert detail.status_code == 200
    assert "2031-05-06 14:30 UTC" in detail.content.decode()
    assert timezone.get_current_timezone_name() == "UTC"


def test_the_api_answers_in_utc_whoever_asks(study: Study, owner: User) -> None:
    owner.time_zone = "Asia/Kolkata"
    owner.save(update_fields=["time_zone"])
    client = signed_in(owner)
    interview_in(study)
    page = client.get(reverse("studies:participants", args=[study.slug])).content.decode()
    assert "20:00 Asia/Kolkata" in page  # the web pages follow the profile ...
    response = client.get(f"/api/v1/studies/{study.slug}/participants/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "+05:30" not in body  # ... the API's times stay in UTC
    assert "Z" in body or "+00:00" in body


def test_pages_that_show_times_answer_for_a_reader_half_an_hour_off_utc(study: Study, owner: User) -> None:
    interview_in(study)
    owner.time_zone = "Asia/Kolkata"  # UTC+5:30: hours and weeks are cut at other instants than in UTC
    owner.save(update_fields=["time_zone"])
    client = signed_in(owner)
    for name in ("dashboard:page", "transcription:jobs", "studies:safety", "studies:audit", "studies:slots"):
        assert client.get(reverse(name, args=[study.slug])).status_code == 200, name
