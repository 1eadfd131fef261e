"""The audit trail of sign-in: who, which company, from where (IP, user agent), correlation id."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import (
    REFRESH_URL,
    activate_totp,
    api_login,
    audit_events,
    reauthenticate,
    totp_code,
    web_login,
)
from companies.choices import Role
from companies.tests.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11) Firefox/140", "REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def member_user():
    user = UserFactory(email="hana@example.com")
    company = CompanyFactory()
    MembershipFactory(user=user, company=company, role=Role.BUYER)
    return user, company


def test_a_website_sign_in_is_recorded_with_company_address_agent_and_correlation_id(client, member_user):
    user, company = member_user

    client.post(
        reverse("account_login"),
        {"login": user.email, "password": "correct-horse-battery-staple"},
        HTTP_X_REQUEST_ID="req-signin-1",
        **BROWSER,
    )

    [event] = audit_events("auth.login", actor_id=user.pk)
    assert event.company_id == company.pk
    assert event.ip == "198.51.100.7"
    assert event.user_agent == BROWSER["HTTP_USER_AGENT"]
    assert event.correlation_id == "req-signin-1"
    assert event.data["channel"] == "web"


def test_an_api_sign_in_is_recorded(member_user):
    user, company = member_user

    api_login(APIClient(**BROWSER), user.email)

    [event] = audit_events("auth.login", actor_id=user.pk)
    assert (event.company_id, event.ip, event.data["channel"]) == (company.pk, "198.51.100.7", "api")
    assert event.correlation_id


def test_failed_sign_ins_are_recorded_on_both_channels(client, member_user):
    user, company = member_user

    client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"}, **BROWSER)
    api_login(APIClient(**BROWSER), "HANA@example.com", "wrong-password")
    api_login(APIClient(**BROWSER), "nobody@example.com", "wrong-password")

    events = audit_events("auth.login_failed")
    assert sorted((event.data["channel"], event.data["email"], event.company_id) for event in events) == [
        ("api", "hana@example.com", company.pk),
        ("api", "nobody@example.com", None),
        ("web", "hana@example.com", company.pk),
    ]
    assert all(event.actor_id is None and event.ip == "198.51.100.7" for event in events)


def test_a_password_change_is_recorded(client, member_user):
    user, company = member_user
    client.force_login(user)

    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "correct-horse-battery-staple",
            "password1": "a-new-and-long-passphrase-77",
            "password2": "a-new-and-long-passphrase-77",
        },
        **BROWSER,
    )

    [event] = audit_events("auth.password_changed", actor_id=user.pk)
    assert (event.company_id, event.ip) == (company.pk, "198.51.100.7")


def test_removing_mfa_is_recorded(client, member_user, django_capture_on_commit_callbacks):
    user, _company = member_user
    secret = activate_totp(user)
    client.post(reverse("account_login"), {"login": user.email, "password": "correct-horse-battery-staple"})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    reauthenticate(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"), **BROWSER)

    assert response.status_code == 302
    removed = audit_events("mfa.authenticator_removed", actor_id=user.pk)
    assert sorted(event.data["authenticator_type"] for event in removed) == ["recovery_codes", "totp"]


def test_signing_out_is_recorded(client, member_user):
    user, _company = member_user
    web_login(client, user)

    client.post(reverse("account_logout"), **BROWSER)

    [event] = audit_events("auth.logout", actor_id=user.pk)
    assert event.data["channel"] == "web"


def test_a_reused_refresh_token_is_recorded(member_user):
    user, company = member_user
    client = APIClient(**BROWSER)
    pair = api_login(client, user.email).json()
    client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    [event] = audit_events("auth.refresh_token_reused", actor_id=user.pk)
    assert (event.company_id, event.ip) == (company.pk, "198.51.100.7")


def test_a_profile_change_is_recorded_with_before_and_after(client, member_user):
    user, _company = member_user
    client.force_login(user)

    client.post(
        reverse("accounts:profile"),
        {"full_name": "Hana Ito", "phone": "", "language": "en", "time_zone": "Asia/Tokyo"},
    )

    [event] = audit_events("account.profile_updated", actor_id=user.pk)
    assert event.data["after"] == {"full_name": "Hana Ito", "time_zone": "Asia/Tokyo"}
    assert event.data["before"]["time_zone"] == "UTC"
