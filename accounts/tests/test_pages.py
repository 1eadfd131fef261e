"""The sign-in pages (allauth in CotAi's templates) and the account pages: profile, security, API keys."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core import mail
from django.urls import reverse

from accounts.models import ApiKey, TokenFamily, User
from accounts.tests.factories import ApiKeyFactory, UserFactory
from accounts.tests.helpers import activate_totp, api_login, audit_events, reauthenticate, totp_code, web_login
from companies.choices import Role
from companies.tests.factories import CompanyFactory, MembershipFactory, member

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "a-long-and-unusual-passphrase-42"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def _signup(client, **fields):
    data = {
        "full_name": "Bea Lima",
        "email": "bea@example.com",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    return client.post(reverse("account_signup"), {**data, **fields})


def _assert_no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)


# --- sign-up ---------------------------------------------------------------------------------------


def test_signup_creates_an_unverified_account_with_the_full_name_and_sends_a_verification(client):
    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="bea@example.com")
    assert user.full_name == "Bea Lima"
    assert user.password.startswith("argon2$")
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mail.outbox) == 1
    assert "bea@example.com" in mail.outbox[0].to


def test_signup_with_a_taken_email_in_another_case_is_a_field_error_and_creates_nothing(client):
    UserFactory(email="bea@example.com")

    response = _signup(client, email="Bea@Example.COM")

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    html = response.content.decode()
    assert 'id="id_email_errors"' in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short", "too short"), ("password123456", "too common"), ("bea@example.com1", "similar")],
    ids=["too short", "too common", "like the email"],
)
def test_signup_with_a_weak_password_is_a_field_error_and_creates_nothing(client, password, fragment):
    response = _signup(client, password1=password, password2=password)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["password1"])
    assert fragment in errors
    assert not User.objects.exists()


def test_signup_page_labels_every_field_and_needs_no_inline_code(client):
    html = client.get(reverse("account_signup")).content.decode()

    for field in ("id_full_name", "id_email", "id_password1", "id_password2"):
        assert f'<label for="{field}">' in html
    assert 'href="/static/css/cotai.css"' in html  # CotAi's own layout
    _assert_no_inline_code(html)


def test_following_the_verification_link_lets_the_new_account_sign_in(client):
    _signup(client)
    assert client.post(
        reverse("account_login"), {"login": "bea@example.com", "password": STRONG_PASSWORD}
    ).wsgi_request.user.is_anonymous  # not verified yet: no session
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body).group(1)

    client.post(link)

    assert EmailAddress.objects.get(email="bea@example.com").verified is True
    client.logout()
    response = client.post(reverse("account_login"), {"login": "bea@example.com", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="bea@example.com").pk)


# --- sign-in --------------------------------------------------------------------------------------


def test_signing_in_on_the_website_records_the_browser_session(client):
    user = UserFactory(email="carla@example.com")

    response = client.post(
        reverse("account_login"),
        {"login": "CARLA@example.com", "password": "correct-horse-battery-staple"},
        HTTP_USER_AGENT="Firefox/140",
    )

    assert response.status_code == 302
    session = UserSession.objects.get(user=user)
    assert session.user_agent == "Firefox/140"
    assert session.ip == "127.0.0.1"


def test_a_failed_sign_in_shows_the_error_on_the_page(client):
    UserFactory(email="carla@example.com")

    response = client.post(reverse("account_login"), {"login": "carla@example.com", "password": "wrong-password"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_are_rate_limited(client):
    UserFactory(email="carla@example.com")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "carla@example.com", "password": "wrong-password"})

    response = client.post(
        reverse("account_login"), {"login": "carla@example.com", "password": "correct-horse-battery-staple"}
    )

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_signup", "account_reset_password"],
)
def test_public_sign_in_pages_use_cotais_layout_without_inline_code(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'class="auth-card"' in html
    _assert_no_inline_code(html)


@pytest.mark.parametrize(
    "url_name",
    [
        "account_email",
        "account_change_password",
        "mfa_index",
        "mfa_activate_totp",
        "usersessions_list",
        "accounts:profile",
        "accounts:security",
    ],
)
def test_account_pages_use_cotais_layout_without_inline_code(client, url_name):
    web_login(client, UserFactory())
    reauthenticate(client)

    response = client.get(reverse(url_name))

    assert response.status_code == 200, url_name
    html = response.content.decode()
    assert 'class="settings-nav"' in html
    _assert_no_inline_code(html)


def test_mfa_pages_with_an_authenticator_need_no_inline_code(client):
    user = UserFactory()
    secret = activate_totp(user)
    web_login(client, user)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    reauthenticate(client)

    for url_name in ("mfa_index", "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_deactivate_totp"):
        response = client.get(reverse(url_name))
        assert response.status_code == 200, url_name
        _assert_no_inline_code(response.content.decode())


def test_the_mfa_sign_in_step_needs_no_inline_code(client):
    user = UserFactory(email="dora@example.com")
    activate_totp(user)

    response = client.post(
        reverse("account_login"), {"login": "dora@example.com", "password": "correct-horse-battery-staple"}, follow=True
    )

    html = response.content.decode()
    assert "Two-factor authentication" in html
    assert 'name="code"' in html
    _assert_no_inline_code(html)


def test_signing_in_with_mfa_takes_the_app_code(client):
    user = UserFactory(email="dora@example.com")
    secret = activate_totp(user)
    client.post(reverse("account_login"), {"login": "dora@example.com", "password": "correct-horse-battery-staple"})

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_password_reset_by_email_sets_the_new_password_and_is_audited(client):
    user = UserFactory(email="ines@example.com")

    client.post(reverse("account_reset_password"), {"email": "INES@example.com"})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/[^\s]+)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    assert len(audit_events("auth.password_reset", actor_id=user.pk)) == 1


def test_a_password_reset_for_an_unknown_address_does_not_say_so(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response.status_code == 302  # the same answer as for a known address


# --- profile --------------------------------------------------------------------------------------


def test_the_profile_page_saves_name_phone_language_and_time_zone(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Edu Prado", "phone": "+55 21 3333-4444", "language": "es", "time_zone": "America/Sao_Paulo"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.language, user.time_zone) == (
        "Edu Prado",
        "+55 21 3333-4444",
        "es",
        "America/Sao_Paulo",
    )


def test_the_profile_page_answers_bad_values_in_place(client):
    user = UserFactory(full_name="Before")
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "After", "phone": "call me", "language": "en", "time_zone": "Nowhere/City"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"time_zone"}  # the form refuses the unknown zone before the service runs
    user.refresh_from_db()
    assert user.full_name == "Before"

    response = client.post(
        reverse("accounts:profile"), {"full_name": "After", "phone": "call me", "language": "en", "time_zone": "UTC"}
    )
    assert set(response.context["form"].errors) == {"phone"}
    assert 'id="id_phone_errors"' in response.content.decode()


def test_pages_follow_the_persons_time_zone(client):
    user = UserFactory(time_zone="America/Sao_Paulo")
    client.force_login(user)

    response = client.get(reverse("accounts:profile"))

    assert response.context["TIME_ZONE"] == "America/Sao_Paulo"


# --- security: sessions and API sign-ins ------------------------------------------------------------


def _other_session(user) -> UserSession:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return UserSession.objects.create(user=user, session_key=store.session_key, ip="203.0.113.5", user_agent="Phone")


def test_the_security_page_lists_browser_sessions_and_api_sign_ins(client):
    user = UserFactory(email="fabi@example.com")
    _other_session(user)
    from rest_framework.test import APIClient

    api_login(APIClient(HTTP_USER_AGENT="erp-sync/2.1"), user.email)
    client.force_login(user)

    html = client.get(reverse("accounts:security")).content.decode()

    assert "Phone" in html
    assert "203.0.113.5" in html
    assert "erp-sync/2.1" in html


def test_any_other_session_can_be_signed_out_and_that_is_audited(client):
    user = UserFactory()
    other = _other_session(user)
    client.force_login(user)
    client.get(reverse("accounts:security"))  # records this browser's session too

    response = client.post(reverse("accounts:session_end", kwargs={"pk": other.pk}))

    assert response.status_code == 302
    assert not UserSession.objects.filter(pk=other.pk).exists()
    from importlib import import_module

    from django.conf import settings

    assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(other.session_key)
    assert client.get(reverse("accounts:security")).status_code == 200  # this browser is still signed in
    events = audit_events("auth.session_revoked", actor_id=user.pk)
    assert [event.data["session_id"] for event in events] == [other.pk]


def test_someone_elses_session_cannot_be_ended(client):
    victim_session = _other_session(UserFactory())
    client.force_login(UserFactory())

    response = client.post(reverse("accounts:session_end", kwargs={"pk": victim_session.pk}))

    assert response.status_code == 404
    assert UserSession.objects.filter(pk=victim_session.pk).exists()


def test_an_api_sign_in_can_be_ended_from_the_security_page(client):
    from rest_framework.test import APIClient

    user = UserFactory()
    api = APIClient()
    access = api_login(api, user.email).json()["access"]
    family = TokenFamily.objects.get(user=user)
    client.force_login(user)

    response = client.post(reverse("accounts:token_family_revoke", kwargs={"family_id": family.pk}))

    assert response.status_code == 302
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401


def test_someone_elses_api_sign_in_cannot_be_ended(client):
    from rest_framework.test import APIClient

    victim = UserFactory()
    api_login(APIClient(), victim.email)
    family = TokenFamily.objects.get(user=victim)
    client.force_login(UserFactory())

    response = client.post(reverse("accounts:token_family_revoke", kwargs={"family_id": family.pk}))

    assert response.status_code == 404
    family.refresh_from_db()
    assert family.revoked_at is None


# --- MFA required by a company -------------------------------------------------------------------


def test_a_member_of_a_company_requiring_mfa_is_sent_to_set_it_up(client):
    user = UserFactory()
    MembershipFactory(user=user, company=CompanyFactory(mfa_required=True), role=Role.BUYER)
    web_login(client, user)
    reauthenticate(client)

    page = client.get(reverse("accounts:profile"))
    setup = client.get(reverse("mfa_activate_totp"))
    api = client.get("/api/v1/auth/me")

    assert page.status_code == 302
    assert page["Location"] == reverse("mfa_activate_totp")
    assert setup.status_code == 200
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_setup_required"


def test_once_mfa_is_set_up_the_member_uses_the_site(client):
    user = UserFactory()
    MembershipFactory(user=user, company=CompanyFactory(mfa_required=True), role=Role.BUYER)
    activate_totp(user)
    client.force_login(user)

    assert client.get(reverse("accounts:profile")).status_code == 200


def test_members_of_companies_without_the_rule_are_not_asked(client):
    user = UserFactory()
    MembershipFactory(user=user, company=CompanyFactory(mfa_required=False), role=Role.BUYER)
    client.force_login(user)

    assert client.get(reverse("accounts:profile")).status_code == 200


def test_activating_totp_through_the_pages_is_audited(client, django_capture_on_commit_callbacks):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    user = UserFactory()
    web_login(client, user)
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]

    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    added = audit_events("mfa.authenticator_added", actor_id=user.pk)
    assert sorted(event.data["authenticator_type"] for event in added) == ["recovery_codes", "totp"]


# --- API keys page --------------------------------------------------------------------------------


def test_an_admin_creates_a_key_on_the_page_and_sees_it_once(client):
    company = CompanyFactory()
    admin = member(company, Role.OWNER).user
    client.force_login(admin)

    created = client.post(reverse("accounts:api_keys"), {"name": "ERP", "scopes": ["tenders:read", "quotes:read"]})
    listed = client.get(reverse("accounts:api_keys"))

    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    plaintext = created.context["created_key"]["plaintext"]
    assert plaintext in created.content.decode()
    key = ApiKey.objects.get(company=company)
    assert key.scopes == ["quotes:read", "tenders:read"]
    assert plaintext not in listed.content.decode()
    assert key.display_prefix in listed.content.decode()


def test_the_key_form_answers_errors_in_place(client):
    company = CompanyFactory()
    client.force_login(member(company, Role.ADMIN).user)

    response = client.post(reverse("accounts:api_keys"), {"name": "", "scopes": []})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiKey.objects.exists()


def test_an_admin_revokes_a_key_on_the_page(client):
    company = CompanyFactory()
    client.force_login(member(company, Role.ADMIN).user)
    key = ApiKeyFactory(company=company)

    response = client.post(reverse("accounts:api_key_revoke", kwargs={"pk": key.pk}))

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


@pytest.mark.parametrize("role", [Role.BUYER, Role.EVALUATOR, Role.SUPPLIER_REP, Role.VIEWER])
def test_only_administrators_reach_the_keys_page(client, role):
    company = CompanyFactory()
    client.force_login(member(company, role).user)
    key = ApiKeyFactory(company=company)

    assert client.get(reverse("accounts:api_keys")).status_code == 403
    assert client.post(reverse("accounts:api_key_revoke", kwargs={"pk": key.pk})).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None


def test_the_keys_page_needs_a_company(client):
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:api_keys")).status_code == 403
