"""API keys: created by company administrators, shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import selectors, services
from accounts.models import ApiKey
from accounts.principals import ApiKeyPrincipal
from accounts.tests.factories import ApiKeyFactory, UserFactory
from accounts.tests.helpers import api_login, audit_events, bearer
from accounts.tests.urls import SCOPED_URL
from companies.choices import Role
from companies.tests.factories import CompanyFactory, member
from cotai.exceptions import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

KEYS_URL = "/api/v1/api-keys"


def _key_header(plaintext: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {plaintext}"}


@pytest.fixture
def company():
    return CompanyFactory()


@pytest.fixture
def admin(company):
    return member(company, Role.ADMIN).user


def _jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(**bearer(api_login(client, user.email).json()["access"]))
    return client


# --- service ---------------------------------------------------------------------------------------


def test_a_created_key_is_returned_once_and_stored_only_as_a_hash(company, admin):
    api_key, plaintext = services.api_key_create(actor=admin, company=company, name="ERP", scopes=["tenders:read"])

    assert plaintext.startswith(f"cotai_{api_key.prefix}_")
    assert len(plaintext.split("_", 2)[2]) >= 43  # 32 random bytes
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert plaintext not in str(stored.__dict__.values())
    assert stored.secret_hash == selectors.hash_api_key(plaintext)
    assert selectors.api_key_for_raw(plaintext) == stored
    assert selectors.api_key_for_raw(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None


def test_only_company_administrators_create_keys(company):
    buyer = member(company, Role.BUYER).user

    with pytest.raises(PermissionDenied):
        services.api_key_create(actor=buyer, company=company, name="ERP", scopes=["tenders:read"])
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "scopes": ["tenders:read"]}, "name"),
        ({"name": "ERP", "scopes": []}, "scopes"),
        ({"name": "ERP", "scopes": ["tenders:delete"]}, "scopes"),
        ({"name": "ERP", "scopes": ["tenders:read"], "expires_at": timezone.now() - timedelta(days=1)}, "expires_at"),
    ],
    ids=["no name", "no scope", "unknown scope", "expiry in the past"],
)
def test_invalid_keys_are_refused_per_field_and_not_stored(company, admin, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        services.api_key_create(actor=admin, company=company, **fields)

    assert field in refused.value.errors
    assert not ApiKey.objects.exists()


# --- authentication with a key ---------------------------------------------------------------------


@pytest.mark.urls("accounts.tests.urls")
def test_a_key_authenticates_as_its_company_within_its_scopes():
    key = ApiKeyFactory(scopes=["companies:read", "tenders:read"])

    response = APIClient().get(SCOPED_URL, **_key_header(key.plaintext))

    assert response.status_code == 200
    assert response.json() == {"principal": f"api-key:{key.prefix}", "company_id": key.company_id}


@pytest.mark.urls("accounts.tests.urls")
def test_a_key_without_the_needed_scope_is_refused():
    key = ApiKeyFactory(scopes=["tenders:read"])

    response = APIClient().get(SCOPED_URL, **_key_header(key.plaintext))

    assert response.status_code == 403
    assert "companies:read" in response.json()["detail"]


@pytest.mark.urls("accounts.tests.urls")
def test_an_endpoint_naming_no_scope_refuses_keys_but_not_people():
    key = ApiKeyFactory(scopes=sorted(__import__("accounts.scopes").scopes.SCOPES))
    person = UserFactory()

    assert APIClient().get("/test-only/no-scope", **_key_header(key.plaintext)).status_code == 403
    assert _jwt_client(person).get("/test-only/no-scope").status_code == 200


def test_the_companies_api_needs_the_companies_read_scope():
    company = CompanyFactory()
    with_scope = ApiKeyFactory(company=company, scopes=["companies:read"])
    without_scope = ApiKeyFactory(company=company, scopes=["tenders:read"])

    allowed = APIClient().get(f"/api/v1/companies/{company.pk}", **_key_header(with_scope.plaintext))
    refused = APIClient().get(f"/api/v1/companies/{company.pk}", **_key_header(without_scope.plaintext))

    assert allowed.status_code == 200
    assert refused.status_code in (403, 404)


@pytest.mark.urls("accounts.tests.urls")
@pytest.mark.parametrize(
    ("key_fields", "code"),
    [
        ({"revoked_at": timezone.now()}, "api_key_revoked"),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "api_key_expired"),
    ],
    ids=["revoked", "expired"],
)
def test_a_revoked_or_expired_key_is_refused(key_fields, code):
    key = ApiKeyFactory(scopes=["companies:read"], **key_fields)

    response = APIClient().get(SCOPED_URL, **_key_header(key.plaintext))

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"]


@pytest.mark.urls("accounts.tests.urls")
def test_a_key_expiring_later_works_until_then():
    key = ApiKeyFactory(scopes=["companies:read"], expires_at=timezone.now() + timedelta(hours=1))

    assert APIClient().get(SCOPED_URL, **_key_header(key.plaintext)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert APIClient().get(SCOPED_URL, **_key_header(key.plaintext)).status_code == 401


@pytest.mark.urls("accounts.tests.urls")
@pytest.mark.parametrize(
    "header",
    ["Api-Key cotai_nothing_here", "Api-Key not-a-key", "Api-Key", "Api-Key a b"],
    ids=["unknown prefix", "malformed", "missing key", "extra part"],
)
def test_unknown_or_malformed_keys_are_refused(header):
    ApiKeyFactory(scopes=["companies:read"])

    response = APIClient().get(SCOPED_URL, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


@pytest.mark.urls("accounts.tests.urls")
def test_a_right_prefix_with_a_wrong_secret_is_refused():
    key = ApiKeyFactory(scopes=["companies:read"])

    response = APIClient().get(SCOPED_URL, **_key_header(f"cotai_{key.prefix}_{'x' * 43}"))

    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"


@pytest.mark.urls("accounts.tests.urls")
def test_last_use_is_written_at_most_once_a_minute_per_key(django_assert_num_queries):
    key = ApiKeyFactory(scopes=["companies:read"])
    client = APIClient(REMOTE_ADDR="198.51.100.20")
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        client.get(SCOPED_URL, **_key_header(key.plaintext))
        key.refresh_from_db()
        first_use = key.last_used_at
        with django_assert_num_queries(1):  # the key lookup only: no write
            client.get(SCOPED_URL, **_key_header(key.plaintext))
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get(SCOPED_URL, **_key_header(key.plaintext))

    assert first_use == start
    key.refresh_from_db()
    assert key.last_used_at == start + timedelta(seconds=61)
    assert key.last_used_ip == "198.51.100.20"


def test_the_principal_has_no_identity_of_a_person():
    key = ApiKeyFactory(scopes=["tenders:read"])
    principal = ApiKeyPrincipal(key)

    assert (principal.pk, principal.id, principal.is_staff, principal.is_superuser) == (None, None, False, False)
    assert principal.is_authenticated
    assert principal.is_active
    assert not principal.is_anonymous
    assert principal.scopes == frozenset({"tenders:read"})
    assert not principal.has_perm("accounts.view_user")
    assert str(principal) == f"api-key:{key.prefix}"


# --- key management API --------------------------------------------------------------------------


def test_an_admin_creates_a_key_over_the_api_and_sees_it_once(company, admin):
    client = _jwt_client(admin)

    created = client.post(
        KEYS_URL,
        {"name": "ERP", "scopes": ["companies:read", "quotes:read"]},
        format="json",
        HTTP_X_COMPANY=company.slug,
    )
    listed = client.get(KEYS_URL, HTTP_X_COMPANY=str(company.pk))

    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    body = created.json()
    assert body["key"].startswith(body["prefix"])
    assert body["scopes"] == ["companies:read", "quotes:read"]
    assert body["status"] == "active"
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()["results"]] == ["ERP"]
    assert "key" not in listed.json()["results"][0]
    assert body["key"] not in listed.content.decode()
    # ... and the key works.
    assert APIClient().get(f"/api/v1/companies/{company.pk}", **_key_header(body["key"])).status_code == 200


def test_create_input_errors_come_back_per_field(company, admin):
    response = _jwt_client(admin).post(
        KEYS_URL, {"name": "", "scopes": ["everything"]}, format="json", HTTP_X_COMPANY=str(company.pk)
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "scopes.0"}
    assert not ApiKey.objects.exists()


def test_members_who_are_not_administrators_cannot_list_or_create_keys(company):
    viewer = member(company, Role.VIEWER).user
    client = _jwt_client(viewer)

    assert client.get(KEYS_URL, HTTP_X_COMPANY=str(company.pk)).status_code == 403
    response = client.post(
        KEYS_URL, {"name": "x", "scopes": ["tenders:read"]}, format="json", HTTP_X_COMPANY=str(company.pk)
    )
    assert response.status_code == 403


def test_an_admin_revokes_a_key_and_it_stops_working(company, admin):
    key = ApiKeyFactory(company=company, scopes=["companies:read"])
    client = _jwt_client(admin)

    revoked = client.post(f"{KEYS_URL}/{key.pk}/revoke", HTTP_X_COMPANY=str(company.pk))
    again = client.post(f"{KEYS_URL}/{key.pk}/revoke", HTTP_X_COMPANY=str(company.pk))

    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert again.status_code == 409
    assert APIClient().get(f"/api/v1/companies/{company.pk}", **_key_header(key.plaintext)).status_code == 401


def test_another_companys_key_is_not_found(company, admin):
    other_key = ApiKeyFactory(company=CompanyFactory())
    client = _jwt_client(admin)

    assert client.get(f"{KEYS_URL}/{other_key.pk}", HTTP_X_COMPANY=str(company.pk)).status_code == 404
    assert client.post(f"{KEYS_URL}/{other_key.pk}/revoke", HTTP_X_COMPANY=str(company.pk)).status_code == 404
    other_key.refresh_from_db()
    assert other_key.revoked_at is None


def test_a_key_cannot_manage_keys_even_with_every_scope(company):
    from accounts.scopes import SCOPES

    key = ApiKeyFactory(company=company, scopes=sorted(SCOPES))

    response = APIClient().post(
        KEYS_URL, {"name": "x", "scopes": ["tenders:read"]}, format="json", **_key_header(key.plaintext)
    )

    assert response.status_code == 403
    assert ApiKey.objects.count() == 1


def test_creating_and_revoking_keys_is_audited(company, admin):
    api_key, _plaintext = services.api_key_create(actor=admin, company=company, name="ERP", scopes=["reports:read"])
    services.api_key_revoke(actor=admin, api_key=api_key)

    created = audit_events("api_key.created", company_id=company.pk)
    revoked = audit_events("api_key.revoked", company_id=company.pk)
    assert [(event.actor_id, event.object_id) for event in created] == [(admin.pk, str(api_key.pk))]
    assert [(event.actor_id, event.object_id) for event in revoked] == [(admin.pk, str(api_key.pk))]
    assert created[0].data["scopes"] == ["reports:read"]


def test_the_openapi_schema_documents_both_schemes(client):
    schema = client.get("/api/v1/openapi.json").json()

    schemes = schema["components"]["securitySchemes"]
    assert schemes["jwtAuth"]["scheme"] == "bearer"
    assert schemes["apiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["apiKeyAuth"]["description"],
    }
    companies_security = schema["paths"]["/api/v1/companies/{id}"]["get"]["security"]
    assert {"jwtAuth": []} in companies_security
    assert {"apiKeyAuth": []} in companies_security
    # Sign-in needs no credentials; managing keys is for people only.
    assert "security" not in schema["paths"]["/api/v1/auth/login"]["post"]
    assert {"apiKeyAuth": []} not in schema["paths"]["/api/v1/api-keys"]["post"]["security"]
