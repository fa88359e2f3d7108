"""Two-factor sign-in: required for owners and researchers, available to everyone, verified by TOTP."""

from __future__ import annotations

import base64
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry, User
from accounts.tests.factories import code_for, password_only
from accounts.tokens import create_api_token
from studies.models import Study

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_two_factor_roles")]


def test_an_owner_without_a_device_is_sent_to_set_one_up(study: Study, owner: User) -> None:
    url = reverse("studies:detail", args=[study.slug])
    response = password_only(owner).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_a_coder_is_not_forced_but_the_api_answers_json_for_forced_roles(
    study: Study, coder: User, owner: User
) -> None:
    assert password_only(coder).get(reverse("studies:detail", args=[study.slug])).status_code == 200
    response = password_only(owner).get("/api/v1/studies/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Two-factor verification is required."


def test_setting_up_a_device_needs_a_valid_code_and_then_opens_the_study(study: Study, owner: User) -> None:
    client = password_only(owner)
    setup = reverse("accounts:two_factor_setup")
    page = client.get(setup)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    typed = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert typed[:4] + " " + typed[4:8] in page.content.decode()  # base32 for apps, not the stored hex

    wrong = client.post(setup, {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "did not match" in wrong.content.decode()

    # django-otp throttles a device for a second after a wrong code.
    time.sleep(1.1)
    detail = reverse("studies:detail", args=[study.slug])
    right = client.post(setup, {"token": code_for(device), "next": detail})
    assert right.status_code == 200  # the recovery codes, shown this once, with the way on
    shown = right.content.decode()
    assert shown.count("<li><code>") == 10
    assert f'href="{detail}"' in shown
    assert client.get(detail).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="account.two_factor.enabled", actor=owner).exists()


def test_a_new_session_must_verify_with_the_confirmed_device(study: Study, owner: User) -> None:
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    client = password_only(owner)
    detail = reverse("studies:detail", args=[study.slug])
    response = client.get(detail)
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))

    verify = reverse("accounts:two_factor_verify")
    assert client.post(verify, {"token": "12345"}).status_code == 400  # not six digits: no device attempt
    assert client.post(verify, {"token": code_for(device), "next": detail})["Location"] == detail
    assert client.get(detail).status_code == 200


def test_an_offsite_next_url_is_ignored(owner: User) -> None:
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    client = password_only(owner)
    response = client.post(
        reverse("accounts:two_factor_verify"), {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_token_alone_is_not_held_up_but_a_session_beside_it_still_is(study: Study, owner: User) -> None:
    raw = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None).plaintext
    url = f"/api/v1/studies/{study.slug}/transcripts/"
    token_only = Client(headers={"authorization": f"Bearer {raw}"})
    assert token_only.get(url).status_code == 200  # no session: the token is the only credential
    both = password_only(owner)
    both.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    response = both.get(url)
    assert response.status_code == 403  # the session's owner has not verified a device
    assert response.json()["detail"] == "Two-factor verification is required."
