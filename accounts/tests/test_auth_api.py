"""JWT sign-in over the API: login, rotation with reuse detection, logout, refusals, /auth/me."""

from __future__ import annotations

import threading
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import services
from accounts.models import TokenFamily, User
from accounts.tests.factories import ApiKeyFactory, UserFactory
from accounts.tests.helpers import (
    LOGIN_URL,
    LOGOUT_URL,
    ME_URL,
    REFRESH_URL,
    activate_totp,
    api_login,
    bearer,
    totp_code,
)
from accounts.tokens import FAMILY_CLAIM
from companies.choices import Role
from companies.tests.factories import CompanyFactory, MembershipFactory
from cotai.testing import need_service, using_postgres

pytestmark = pytest.mark.django_db


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _login_pair(client: APIClient, user: User) -> dict:
    response = api_login(client, user.email)
    assert response.status_code == 200, response.content
    return response.json()


# --- login -----------------------------------------------------------------------------------------


def test_login_returns_an_access_and_a_refresh_token_of_one_family(api_client, person):
    response = api_login(api_client, "ANA@example.com")  # the email is case-insensitive

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    access, refresh = _claims(body["access"]), _claims(body["refresh"])
    assert access["token_type"] == "access"
    assert refresh["token_type"] == "refresh"
    assert access[FAMILY_CLAIM] == refresh[FAMILY_CLAIM]
    assert TokenFamily.objects.get(pk=refresh[FAMILY_CLAIM]).user == person
    assert api_client.get(ME_URL, **bearer(body["access"])).json()["email"] == "ana@example.com"


def test_access_tokens_live_at_most_fifteen_minutes_by_default(api_client, person):
    claims = _claims(_login_pair(api_client, person)["access"])

    assert claims["exp"] - claims["iat"] <= 15 * 60
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.com", "wrong-password-123"), ("nobody@example.com", "correct-horse-battery-staple")],
    ids=["wrong password", "unknown email"],
)
def test_wrong_credentials_are_refused_alike(api_client, person, email, password):
    response = api_login(api_client, email, password)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert not TokenFamily.objects.exists()


def test_an_inactive_user_cannot_sign_in(api_client):
    UserFactory(email="gone@example.com", is_active=False)

    response = api_login(api_client, "gone@example.com")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_an_unverified_email_cannot_sign_in(api_client):
    UserFactory(email="new@example.com", email_verified=False)

    response = api_login(api_client, "new@example.com")

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert not TokenFamily.objects.exists()


def test_login_input_errors_are_reported_per_field(api_client, db):
    response = api_client.post(LOGIN_URL, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password"}


# --- MFA -------------------------------------------------------------------------------------------


def test_a_user_with_mfa_needs_the_code_to_sign_in(api_client, person):
    secret = activate_totp(person)

    missing = api_login(api_client, person.email)
    wrong = api_login(api_client, person.email, otp="000000" if totp_code(secret) != "000000" else "111111")
    right = api_login(api_client, person.email, otp=totp_code(secret))

    assert (missing.status_code, missing.json()["code"]) == (401, "mfa_code_required")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_mfa_code")
    assert right.status_code == 200


def test_a_recovery_code_works_once_instead_of_the_app_code(api_client, person):
    from allauth.mfa.models import Authenticator

    activate_totp(person)
    code = Authenticator.objects.get(user=person, type="recovery_codes").wrap().get_unused_codes()[0]

    assert api_login(api_client, person.email, otp=code).status_code == 200
    assert api_login(api_client, person.email, otp=code).status_code == 401


def test_a_member_of_a_company_requiring_mfa_is_refused_until_mfa_is_set_up(api_client, person):
    MembershipFactory(user=person, company=CompanyFactory(mfa_required=True), role=Role.BUYER)

    refused = api_login(api_client, person.email)
    secret = activate_totp(person)
    accepted = api_login(api_client, person.email, otp=totp_code(secret))

    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_setup_required"
    assert "/accounts/2fa/totp/activate/" in refused.json()["setup_url"]
    assert accepted.status_code == 200


def test_refresh_is_refused_when_a_company_starts_requiring_mfa(api_client, person):
    pair = _login_pair(api_client, person)
    MembershipFactory(user=person, company=CompanyFactory(mfa_required=True), role=Role.BUYER)

    response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_setup_required"


# --- refresh rotation and reuse ----------------------------------------------------------------------


def test_refresh_rotates_and_blacklists_the_old_refresh_token(api_client, person):
    pair = _login_pair(api_client, person)

    response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200
    new = response.json()
    assert new["refresh"] != pair["refresh"]
    assert _claims(new["refresh"])[FAMILY_CLAIM] == _claims(pair["refresh"])[FAMILY_CLAIM]
    assert BlacklistedToken.objects.filter(token__jti=_claims(pair["refresh"])["jti"]).exists()
    assert api_client.get(ME_URL, **bearer(new["access"])).status_code == 200


def test_a_replayed_refresh_token_is_refused_and_revokes_the_whole_family(api_client, person):
    first = _login_pair(api_client, person)
    second = api_client.post(REFRESH_URL, {"refresh": first["refresh"]}, format="json").json()
    third = api_client.post(REFRESH_URL, {"refresh": second["refresh"]}, format="json").json()
    other_sign_in = _login_pair(APIClient(), person)

    replay = api_client.post(REFRESH_URL, {"refresh": first["refresh"]}, format="json")

    assert replay.status_code == 401
    assert replay.json()["code"] == "token_reused"
    family = TokenFamily.objects.get(pk=_claims(first["refresh"])[FAMILY_CLAIM])
    assert family.revoke_reason == TokenFamily.RevokeReason.REUSE
    # Every refresh token of the family is blacklisted, the newest (unused) one included ...
    newest = api_client.post(REFRESH_URL, {"refresh": third["refresh"]}, format="json")
    assert newest.status_code == 401
    assert newest.json()["code"] == "token_revoked"
    assert BlacklistedToken.objects.filter(token__jti=_claims(third["refresh"])["jti"]).exists()
    # ... and the access tokens of the family stop working at once.
    for pair in (first, second, third):
        response = api_client.get(ME_URL, **bearer(pair["access"]))
        assert response.status_code == 401
        assert response.json()["code"] == "token_revoked"
    # Another sign-in of the same person is another family: untouched.
    assert APIClient().get(ME_URL, **bearer(other_sign_in["access"])).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_with_one_token_cannot_both_succeed(person):
    need_service("PostgreSQL", using_postgres(), "concurrent writers need a real database server")
    pair = _login_pair(APIClient(), person)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def refresh() -> None:
        try:
            barrier.wait()
            statuses.append(APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 401]
    assert TokenFamily.objects.get(pk=_claims(pair["refresh"])[FAMILY_CLAIM]).revoked_at is not None


# --- logout, deactivation, password change ----------------------------------------------------------


def test_the_access_token_is_refused_after_logout(api_client, person):
    pair = _login_pair(api_client, person)

    response = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json", **bearer(pair["access"]))

    assert response.status_code == 204
    me = api_client.get(ME_URL, **bearer(pair["access"]))
    assert me.status_code == 401
    assert me.json()["code"] == "token_revoked"
    refresh = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    assert refresh.status_code == 401


def test_logout_with_the_access_token_alone_ends_its_refresh_token_too(api_client, person):
    pair = _login_pair(api_client, person)

    assert api_client.post(LOGOUT_URL, {}, format="json", **bearer(pair["access"])).status_code == 204

    assert api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_logout_with_the_refresh_token_alone_ends_its_access_token_too(api_client, person):
    pair = _login_pair(api_client, person)

    assert api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json").status_code == 204

    assert api_client.get(ME_URL, **bearer(pair["access"])).status_code == 401


def test_logout_refuses_someone_elses_refresh_token(api_client, person):
    mine = _login_pair(api_client, person)
    theirs = _login_pair(APIClient(), UserFactory())

    response = api_client.post(LOGOUT_URL, {"refresh": theirs["refresh"]}, format="json", **bearer(mine["access"]))

    assert response.status_code == 403
    assert APIClient().get(ME_URL, **bearer(theirs["access"])).status_code == 200


def test_revocation_holds_when_the_cache_forgets_it(api_client, person):
    from django.core.cache import cache

    pair = _login_pair(api_client, person)
    api_client.post(LOGOUT_URL, {}, format="json", **bearer(pair["access"]))
    cache.clear()  # e.g. Redis restarted: the database still knows

    assert api_client.get(ME_URL, **bearer(pair["access"])).status_code == 401


def test_a_deactivated_user_is_refused_with_a_valid_access_token_and_cannot_refresh(api_client, person):
    pair = _login_pair(api_client, person)

    person.is_active = False
    person.save()

    me = api_client.get(ME_URL, **bearer(pair["access"]))
    assert me.status_code == 401
    assert me.json()["code"] in ("user_inactive", "token_revoked")
    assert api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert TokenFamily.objects.get(user=person).revoke_reason == TokenFamily.RevokeReason.DEACTIVATED


def test_a_deactivated_user_is_refused_even_before_the_family_is_revoked(api_client, person):
    pair = _login_pair(api_client, person)
    User.objects.filter(pk=person.pk).update(is_active=False)  # no signal: only the user check is left

    response = api_client.get(ME_URL, **bearer(pair["access"]))

    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_changing_the_password_ends_every_api_sign_in(client, api_client, person):
    pair = _login_pair(api_client, person)
    client.force_login(person)

    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "correct-horse-battery-staple",
            "password1": "a-new-and-long-passphrase-77",
            "password2": "a-new-and-long-passphrase-77",
        },
    )

    assert response.status_code == 302
    assert api_client.get(ME_URL, **bearer(pair["access"])).status_code == 401
    assert TokenFamily.objects.get(user=person).revoke_reason == TokenFamily.RevokeReason.PASSWORD_CHANGE


# --- tokens that must be refused ------------------------------------------------------------------


def _forged_access(person: User, *, key: str, algorithm: str = "HS256", **overrides: object) -> str:
    now = int(timezone.now().timestamp())
    payload = {
        "token_type": "access",
        "exp": now + 300,
        "iat": now,
        "jti": "forged",
        "user_id": str(person.pk),
        FAMILY_CLAIM: "0" * 32,
        **overrides,
    }
    return jwt.encode(payload, key, algorithm=algorithm)


def test_a_token_with_alg_none_is_refused(api_client, person):
    pair = _login_pair(api_client, person)
    claims = _claims(pair["access"])
    unsigned = jwt.encode(claims, key=None, algorithm="none")

    response = api_client.get(ME_URL, **bearer(unsigned))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_token_signed_with_another_key_is_refused(api_client, person):
    pair = _login_pair(api_client, person)
    swapped = jwt.encode(_claims(pair["access"]), "another-secret-key-that-is-long-enough!!", algorithm="HS256")

    response = api_client.get(ME_URL, **bearer(swapped))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_token_signed_with_another_algorithm_is_refused(api_client, person):
    pair = _login_pair(api_client, person)
    other_algorithm = jwt.encode(_claims(pair["access"]), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")

    assert api_client.get(ME_URL, **bearer(other_algorithm)).status_code == 401


def test_an_expired_access_token_is_refused(api_client, person):
    pair = _login_pair(api_client, person)

    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        response = api_client.get(ME_URL, **bearer(pair["access"]))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_an_expired_refresh_token_is_refused(api_client, person):
    pair = _login_pair(api_client, person)

    with time_machine.travel(timezone.now() + settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] + timedelta(minutes=1)):
        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_refresh_token_is_not_an_access_token(api_client, person):
    pair = _login_pair(api_client, person)

    response = api_client.get(ME_URL, **bearer(pair["refresh"]))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_an_access_token_is_not_a_refresh_token(api_client, person):
    pair = _login_pair(api_client, person)

    response = api_client.post(REFRESH_URL, {"refresh": pair["access"]}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_validly_signed_tokens_not_issued_by_login_are_refused(api_client, person):
    # Right key and type, but no sign-in (family) behind them.
    access = str(AccessToken.for_user(person))
    refresh = str(RefreshToken.for_user(person))
    forged = _forged_access(person, key=settings.SIMPLE_JWT["SIGNING_KEY"])

    assert api_client.get(ME_URL, **bearer(access)).json()["code"] == "token_revoked"
    assert api_client.get(ME_URL, **bearer(forged)).json()["code"] == "token_revoked"
    assert api_client.post(REFRESH_URL, {"refresh": refresh}, format="json").status_code == 401


# --- /auth/me --------------------------------------------------------------------------------------


def test_me_shows_and_changes_the_profile(api_client, person):
    pair = _login_pair(api_client, person)

    response = api_client.patch(
        ME_URL,
        {
            "full_name": "Ana Maria Souza",
            "phone": "+55 11 91234-5678",
            "language": "pt-br",
            "time_zone": "America/Recife",
        },
        format="json",
        **bearer(pair["access"]),
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.full_name, person.phone, person.language, person.time_zone) == (
        "Ana Maria Souza",
        "+55 11 91234-5678",
        "pt-br",
        "America/Recife",
    )
    assert response.json()["mfa_enabled"] is False


def test_me_refuses_an_email_change_and_bad_values_with_field_errors(api_client, person):
    pair = _login_pair(api_client, person)

    email = api_client.patch(ME_URL, {"email": "other@example.com"}, format="json", **bearer(pair["access"]))
    values = api_client.patch(
        ME_URL, {"time_zone": "Mars/Olympus", "language": "xx"}, format="json", **bearer(pair["access"])
    )

    assert email.status_code == 400
    assert "email" in email.json()["errors"]
    assert values.status_code == 400
    assert set(values.json()["errors"]) == {"time_zone", "language"}
    person.refresh_from_db()
    assert person.email == "ana@example.com"
    assert person.time_zone == "UTC"


def test_me_is_for_people_not_api_keys(api_client, db):
    key = ApiKeyFactory(scopes=["companies:read"])

    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Api-Key {key.plaintext}")

    assert response.status_code == 403


def test_me_needs_authentication(api_client, db):
    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]


def test_login_upgrades_nothing_when_the_hash_is_current(api_client, person):
    before = User.objects.get(pk=person.pk).password

    _login_pair(api_client, person)

    assert User.objects.get(pk=person.pk).password == before


def test_family_revoke_service_is_idempotent(api_client, person):
    pair = _login_pair(api_client, person)
    family_id = _claims(pair["refresh"])[FAMILY_CLAIM]

    assert services.token_family_revoke(family_id=family_id, reason="logout") is True
    assert services.token_family_revoke(family_id=family_id, reason="logout") is False


def test_pruning_deletes_only_dead_tokens_and_sign_ins(api_client, person):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tasks import prune_expired_tokens

    live = _login_pair(api_client, person)
    ended = _login_pair(APIClient(), person)
    api_client.post(LOGOUT_URL, {"refresh": ended["refresh"]}, format="json")
    TokenFamily.objects.filter(pk=_claims(ended["refresh"])[FAMILY_CLAIM]).update(
        revoked_at=timezone.now() - timedelta(days=2)
    )

    result = prune_expired_tokens()

    assert result["families"] >= 1
    assert list(TokenFamily.objects.values_list("pk", flat=True)) == [
        TokenFamily.objects.get(pk=_claims(live["refresh"])[FAMILY_CLAIM]).pk
    ]
    assert OutstandingToken.objects.filter(jti=_claims(live["refresh"])["jti"]).exists()
    assert api_client.post(REFRESH_URL, {"refresh": live["refresh"]}, format="json").status_code == 200
    assert api_client.post(REFRESH_URL, {"refresh": ended["refresh"]}, format="json").status_code == 401
    assert prune_expired_tokens() == {"outstanding_tokens": 0, "families": 0}
