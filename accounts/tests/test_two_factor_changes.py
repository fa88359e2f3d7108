"""Changing the second factor: a password alone can neither mint a token nor replace the authenticator, replacing
or removing it needs the current factor again, and recovery codes stand in for a lost phone exactly once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, AuditEntry, RecoveryCode, User, recovery_digest
from accounts.tests.factories import code_for, password_only, verified_client
from accounts.two_factor import issue_recovery_codes
from studies.models import Study

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_two_factor_roles")]


def test_a_password_alone_cannot_mint_an_api_token(study: Study, owner: User) -> None:
    TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    client = password_only(owner)
    response = client.post(reverse("api_tokens:list"), {"name": "x", "studies": [study.pk]})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert not ApiToken.objects.exists()


def test_a_coder_without_an_authenticator_must_set_one_up_before_minting_a_token(study: Study, coder: User) -> None:
    client = password_only(coder)
    assert client.get(reverse("studies:detail", args=[study.slug])).status_code == 200  # coders are not forced
    response = client.post(reverse("api_tokens:list"), {"name": "x", "studies": [study.pk]})
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    assert not ApiToken.objects.exists()


def test_a_password_alone_cannot_replace_the_authenticator(owner: User) -> None:
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    client = password_only(owner)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert not TOTPDevice.objects.filter(user=owner, confirmed=False).exists()  # no new key was even made
    assert TOTPDevice.objects.get(user=owner, confirmed=True) == device


def test_a_verified_session_must_still_give_the_current_factor_to_replace_it(owner: User) -> None:
    client = verified_client(owner)
    old = TOTPDevice.objects.get(user=owner)
    setup = reverse("accounts:two_factor_setup")
    response = client.get(setup)
    confirm = reverse("accounts:reauthenticate")
    assert response["Location"].startswith(confirm)

    assert client.post(confirm, {"current": "000000" if code_for(old) != "000000" else "111111"}).status_code == 400
    assert client.get(setup)["Location"].startswith(confirm)  # a wrong code unlocks nothing

    old.refresh_from_db()
    old.throttling_failure_count, old.throttling_failure_timestamp = 0, None  # django-otp's one-second throttle
    old.save()
    assert client.post(confirm, {"current": code_for(old), "next": setup})["Location"] == setup
    assert client.get(setup).status_code == 200
    new = TOTPDevice.objects.get(user=owner, confirmed=False)
    issued = client.post(setup, {"token": code_for(new)})
    assert issued.status_code == 200
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", "confirmed")) == [(new.pk, True)]
    assert AuditEntry.objects.filter(action="account.two_factor.replaced", actor=owner).exists()


def test_a_recovery_code_signs_in_once_and_unlocks_moving_to_a_new_phone(study: Study, owner: User) -> None:
    TOTPDevice.objects.create(user=owner, name="lost phone", confirmed=True)
    codes = issue_recovery_codes(user=owner)
    assert len(set(codes)) == 10
    assert not RecoveryCode.objects.filter(digest__in=codes).exists()  # stored hashed, never as typed
    assert RecoveryCode.objects.filter(digest=recovery_digest(codes[0])).exists()

    client = password_only(owner)
    verify = reverse("accounts:two_factor_verify")
    detail = reverse("studies:detail", args=[study.slug])
    assert client.post(verify, {"token": codes[0].lower(), "next": detail})["Location"] == detail
    assert client.get(detail).status_code == 200

    again = password_only(owner)
    assert again.post(verify, {"token": codes[0]}).status_code == 400  # spent
    confirm = reverse("accounts:reauthenticate")
    assert again.post(verify, {"token": codes[1]}).status_code == 302
    setup = reverse("accounts:two_factor_setup")
    assert again.post(confirm, {"current": codes[2].replace("-", ""), "next": setup})["Location"] == setup
    assert again.get(setup).status_code == 200
    assert RecoveryCode.objects.filter(device__user=owner, used_at=None).count() == 7


def test_new_recovery_codes_replace_the_old_set_and_are_shown_once(owner: User) -> None:
    client = verified_client(owner)
    old_codes = issue_recovery_codes(user=owner)
    url = reverse("accounts:recovery_codes")
    assert client.post(url)["Location"].startswith(reverse("accounts:reauthenticate"))
    client.post(reverse("accounts:reauthenticate"), {"current": old_codes[0]})
    page = client.post(url).content.decode()
    new_codes = re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", page)
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert RecoveryCode.objects.filter(device__user=owner).count() == 10
    assert not RecoveryCode.objects.filter(digest__in=[recovery_digest(code) for code in old_codes]).exists()
    assert "<code>" not in client.get(reverse("accounts:security")).content.decode()


def test_removing_the_authenticator_needs_the_current_factor(coder: User) -> None:
    client = verified_client(coder)
    codes = issue_recovery_codes(user=coder)
    remove = reverse("accounts:two_factor_remove")
    assert client.post(remove)["Location"].startswith(reverse("accounts:reauthenticate"))
    assert TOTPDevice.objects.filter(user=coder).exists()
    client.post(reverse("accounts:reauthenticate"), {"current": codes[0]})
    assert client.post(remove)["Location"] == reverse("accounts:security")
    assert not TOTPDevice.objects.filter(user=coder).exists()
    assert not RecoveryCode.objects.filter(device__user=coder).exists()


def test_a_password_alone_cannot_change_the_password(owner: User) -> None:
    TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    response = password_only(owner).post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "a new long pass 123",
            "new_password2": "a new long pass 123",
        },
    )
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    owner.refresh_from_db()
    assert owner.check_password("correct horse battery staple")


def test_staff_need_the_second_factor_for_the_admin_whatever_their_roles(admin_user: User) -> None:
    client = password_only(admin_user)
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    verified = verified_client(admin_user)
    assert verified.get("/admin/").status_code == 200
    assert verified.get("/admin/studies/study/").status_code == 200
    paths = list(AuditEntry.objects.filter(action="admin.request").values_list("detail__path", flat=True))
    assert paths == ["/admin/", "/admin/studies/study/"]


def test_screening_answers_are_not_in_the_admin(admin_user: User) -> None:
    assert verified_client(admin_user).get("/admin/studies/screeningresponse/").status_code == 404
