"""Companies API: what each caller sees and may change, the X-Company header, API keys, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include
from django.urls import path as url_path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.tests.factories import ApiKeyFactory, UserFactory
from companies.choices import Role
from companies.models import Company, Invitation, Membership
from companies.tests.factories import CompanyFactory, InvitationFactory, member

pytestmark = pytest.mark.django_db

COMPANY_FIELDS = {
    "id", "slug", "code", "legal_name", "trade_name", "tax_id", "country", "address_line1", "address_line2",
    "city", "state", "postal_code", "website", "kind", "categories", "is_verified", "verified_at",
    "mfa_required", "created_at", "my_role", "member_count",
}  # fmt: skip
NEW_COMPANY = {"legal_name": "Acme Ltda", "tax_id": "12.345.678/0001-95", "country": "BR", "kind": "supplier"}


@pytest.fixture
def api():
    return APIClient()


def as_person(api, user, company=None):
    api.force_login(user)
    if company is not None:
        api.credentials(HTTP_X_COMPANY=str(company.pk))
    return api


def as_key(api, key, **extra):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.plaintext}", **extra)
    return api


# --- companies ------------------------------------------------------------------------------------------
def test_company_list_shows_my_companies_with_every_field(api):
    mine, foreign = CompanyFactory(), CompanyFactory()
    me = member(mine, Role.BUYER).user
    member(foreign, Role.OWNER)
    response = as_person(api, me).get("/api/v1/companies")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert set(row) == COMPANY_FIELDS
    assert (row["id"], row["my_role"], row["member_count"]) == (mine.pk, "buyer", 1)


def test_registering_a_company_through_the_api(api):
    me = UserFactory()
    payload = NEW_COMPANY | {"categories": ["goods.it.computers", "services.it"]}
    response = as_person(api, me).post("/api/v1/companies", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tax_id"] == "12345678000195"
    assert body["my_role"] == "owner"
    assert body["categories"] == ["goods.it.computers", "services.it"]
    assert Membership.objects.get(user=me).company_id == body["id"]


@pytest.mark.parametrize("bad", ["12.345.678/0001-00", "00.000.000/0000-00", "123", "12.345.678/0001-9Z"])
def test_a_malformed_cnpj_is_a_field_error_and_creates_nothing(api, bad):
    response = as_person(api, UserFactory()).post("/api/v1/companies", NEW_COMPANY | {"tax_id": bad}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_failed"
    assert list(body["errors"]) == ["tax_id"]
    assert not Company.objects.exists()
    assert not Membership.objects.exists()


def test_unknown_category_and_country_are_field_errors(api):
    payload = NEW_COMPANY | {"country": "ZZ", "categories": ["goods.nothing"]}
    response = as_person(api, UserFactory()).post("/api/v1/companies", payload, format="json")
    assert response.status_code == 400
    assert {"country", "categories"} <= set(response.json()["errors"])


def test_patch_changes_only_what_was_sent(api):
    company = CompanyFactory(city="Recife", trade_name="Old")
    response = as_person(api, member(company, Role.ADMIN).user).patch(
        f"/api/v1/companies/{company.pk}", {"city": "Natal"}, format="json"
    )
    assert response.status_code == 200, response.json()
    company.refresh_from_db()
    assert (company.city, company.trade_name) == ("Natal", "Old")


def test_patch_with_a_bad_cnpj_changes_nothing(api):
    company = CompanyFactory()
    response = as_person(api, member(company, Role.OWNER).user).patch(
        f"/api/v1/companies/{company.pk}", {"tax_id": "12345678000100", "city": "Natal"}, format="json"
    )
    assert response.status_code == 400
    assert "tax_id" in response.json()["errors"]
    company.refresh_from_db()
    assert company.city != "Natal"


def test_another_companys_id_is_404_for_every_method(api):
    mine, foreign = CompanyFactory(), CompanyFactory()
    api = as_person(api, member(mine, Role.OWNER).user)
    assert api.get(f"/api/v1/companies/{foreign.pk}").status_code == 404
    assert api.patch(f"/api/v1/companies/{foreign.pk}", {"city": "X"}, format="json").status_code == 404
    assert api.post(f"/api/v1/companies/{foreign.pk}/leave").status_code == 404


def test_the_last_owner_cannot_leave_through_the_api(api):
    company = CompanyFactory()
    response = as_person(api, member(company, Role.OWNER).user).post(f"/api/v1/companies/{company.pk}/leave")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


# --- X-Company ----------------------------------------------------------------------------------------------
def test_x_company_by_id_or_slug_names_the_acting_company(api):
    first, second = CompanyFactory(), CompanyFactory()
    me = UserFactory(email="me@example.com")
    Membership.objects.create(user=me, company=first, role=Role.OWNER)
    Membership.objects.create(user=me, company=second, role=Role.OWNER)
    colleague = member(second, Role.VIEWER, email="colleague@example.com")
    api.force_login(me)
    by_slug = api.get("/api/v1/memberships", HTTP_X_COMPANY=second.slug).json()["results"]
    by_id = api.get("/api/v1/memberships", HTTP_X_COMPANY=str(second.pk)).json()["results"]
    assert by_slug == by_id
    assert {row["user"]["email"] for row in by_id} == {"me@example.com", colleague.user.email}


def test_x_company_of_a_company_i_do_not_belong_to_is_refused(api):
    mine, foreign = CompanyFactory(), CompanyFactory()
    api.force_login(member(mine, Role.OWNER).user)
    for value in (str(foreign.pk), foreign.slug, "999999", "no-such-company"):
        response = api.get("/api/v1/memberships", HTTP_X_COMPANY=value)
        assert response.status_code == 403, value
        assert response.json()["code"] == "permission_denied"


def test_without_x_company_several_companies_are_ambiguous_and_one_is_not(api):
    first, second = CompanyFactory(), CompanyFactory()
    me = member(first, Role.OWNER).user
    api.force_login(me)
    assert api.get("/api/v1/memberships").status_code == 200  # one company: that one
    Membership.objects.create(user=me, company=second, role=Role.VIEWER)
    response = api.get("/api/v1/memberships")
    assert response.status_code == 400
    assert response.json()["code"] == "company_required"
    assert "X-Company" in response.json()["errors"]


def test_a_removed_member_loses_api_access_at_once(api):
    company = CompanyFactory()
    member(company, Role.OWNER)
    gone = member(company, Role.BUYER)
    as_person(api, gone.user, company)
    assert api.get("/api/v1/memberships").status_code == 200
    Membership.objects.filter(pk=gone.pk).update(is_active=False)
    assert api.get("/api/v1/memberships").status_code == 403


# --- API keys ------------------------------------------------------------------------------------------------
def test_an_api_key_reads_its_company_and_members_with_companies_read(api):
    company, other = CompanyFactory(), CompanyFactory()
    member(company, Role.OWNER)
    key = ApiKeyFactory(company=company, scopes=["companies:read"])
    as_key(api, key)
    assert [row["id"] for row in api.get("/api/v1/companies").json()["results"]] == [company.pk]
    assert api.get("/api/v1/companies").json()["results"][0]["my_role"] is None
    assert api.get("/api/v1/memberships").status_code == 200
    assert api.get(f"/api/v1/companies/{other.pk}").status_code == 404
    as_key(api, key, HTTP_X_COMPANY=str(other.pk))
    assert api.get("/api/v1/memberships").status_code == 403


def test_an_api_key_never_manages_people_or_registers_companies(api):
    company = CompanyFactory()
    target = member(company, Role.VIEWER)
    key = ApiKeyFactory(company=company, scopes=["companies:read", "tenders:write", "quotes:write"])
    as_key(api, key)
    assert api.patch(f"/api/v1/memberships/{target.pk}", {"role": "admin"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/memberships/{target.pk}").status_code == 403
    assert api.get("/api/v1/invitations").status_code == 403
    assert (
        api.post("/api/v1/invitations", {"email": "x@example.com", "role": "viewer"}, format="json").status_code == 403
    )
    assert api.post("/api/v1/companies", NEW_COMPANY, format="json").status_code == 403
    assert api.patch(f"/api/v1/companies/{company.pk}", {"city": "X"}, format="json").status_code == 403
    target.refresh_from_db()
    assert target.role == Role.VIEWER
    assert not Invitation.objects.exists()


def test_an_api_key_without_companies_read_cannot_list_members(api):
    company = CompanyFactory()
    as_key(api, ApiKeyFactory(company=company, scopes=["tenders:read"]))
    assert api.get("/api/v1/memberships").status_code == 403


# --- memberships ----------------------------------------------------------------------------------------------
def test_member_list_is_the_acting_company_only(api):
    mine, foreign = CompanyFactory(), CompanyFactory()
    me = member(mine, Role.VIEWER).user
    stranger = member(foreign, Role.OWNER)
    as_person(api, me, mine)
    ids = [row["id"] for row in api.get("/api/v1/memberships").json()["results"]]
    assert stranger.pk not in ids
    assert len(ids) == 1
    assert api.get(f"/api/v1/memberships/{stranger.pk}").status_code == 404
    response = api.get("/api/v1/memberships", {"role": "viewer", "q": me.email[:5]})
    assert [row["user"]["id"] for row in response.json()["results"]] == [me.pk]


def test_member_list_queries_do_not_grow_with_members(api, django_assert_num_queries):
    def prepare(size):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        for _ in range(size - 1):
            member(company, Role.VIEWER)
        client = APIClient()
        client.force_login(owner)
        client.credentials(HTTP_X_COMPANY=str(company.pk))
        return client

    small = prepare(5)
    with CaptureQueriesContext(connection) as five:
        assert small.get("/api/v1/memberships", {"page_size": 100}).json()["count"] == 5
    large = prepare(50)
    with django_assert_num_queries(len(five)):
        assert large.get("/api/v1/memberships", {"page_size": 100}).json()["count"] == 50


def test_company_list_queries_do_not_grow_with_companies(api, django_assert_num_queries):
    def prepare(size):
        me = UserFactory()
        for _ in range(size):
            Membership.objects.create(user=me, company=CompanyFactory(), role=Role.BUYER)
        client = APIClient()
        client.force_login(me)
        return client

    small = prepare(5)
    with CaptureQueriesContext(connection) as five:
        assert small.get("/api/v1/companies", {"page_size": 100}).json()["count"] == 5
    large = prepare(50)
    with django_assert_num_queries(len(five)):
        assert large.get("/api/v1/companies", {"page_size": 100}).json()["count"] == 50


def test_owner_rules_through_the_api(api):
    company = CompanyFactory()
    owner = member(company, Role.OWNER)
    admin = member(company, Role.ADMIN).user
    buyer = member(company, Role.BUYER)
    as_person(api, admin, company)
    assert api.delete(f"/api/v1/memberships/{owner.pk}").status_code == 403
    assert api.patch(f"/api/v1/memberships/{buyer.pk}", {"role": "owner"}, format="json").status_code == 403
    response = api.patch(f"/api/v1/memberships/{buyer.pk}", {"role": "evaluator"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "evaluator"
    as_person(api, owner.user, company)
    response = api.patch(f"/api/v1/memberships/{owner.pk}", {"role": "admin"}, format="json")
    assert response.status_code == 409  # the last owner
    assert api.delete(f"/api/v1/memberships/{buyer.pk}").status_code == 204
    assert api.get(f"/api/v1/memberships/{buyer.pk}").status_code == 404


# --- invitations ----------------------------------------------------------------------------------------------
def test_invite_list_revoke_through_the_api(api):
    company = CompanyFactory()
    as_person(api, member(company, Role.ADMIN).user, company)
    response = api.post("/api/v1/invitations", {"email": "New@Example.com", "role": "buyer"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["role"], body["status"]) == ("new@example.com", "buyer", "pending")
    assert "token" not in body
    assert "token_hash" not in body
    listed = api.get("/api/v1/invitations", {"status": "pending"}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    response = api.post(f"/api/v1/invitations/{body['id']}/revoke")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert api.post(f"/api/v1/invitations/{body['id']}/revoke").status_code == 409


def test_another_companys_invitation_is_404(api):
    mine, foreign = CompanyFactory(), CompanyFactory()
    theirs = InvitationFactory(company=foreign)
    as_person(api, member(mine, Role.OWNER).user, mine)
    assert api.get(f"/api/v1/invitations/{theirs.pk}").status_code == 404
    assert api.post(f"/api/v1/invitations/{theirs.pk}/revoke").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_accepting_through_the_api_is_single_use(api):
    company = CompanyFactory()
    user = UserFactory(email="invited@example.com")
    InvitationFactory(company=company, email="invited@example.com", role=Role.EVALUATOR, token="api-tok")
    api.force_login(user)
    response = api.post("/api/v1/invitations/accept", {"token": "api-tok"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "evaluator"
    again = api.post("/api/v1/invitations/accept", {"token": "api-tok"}, format="json")
    assert again.status_code == 409
    assert api.post("/api/v1/invitations/accept", {"token": "unknown"}, format="json").status_code == 404


def test_accepting_an_expired_invitation_through_the_api_is_refused(api):
    user = UserFactory(email="invited@example.com")
    InvitationFactory(email="invited@example.com", token="old-tok", expires_at=timezone.now() - timedelta(seconds=1))
    response = as_person(api, user).post("/api/v1/invitations/accept", {"token": "old-tok"}, format="json")
    assert response.status_code == 409
    assert not Membership.objects.filter(user=user).exists()


def test_accepting_someone_elses_invitation_is_forbidden(api):
    InvitationFactory(email="invited@example.com", token="their-tok")
    intruder = UserFactory()
    response = as_person(api, intruder).post("/api/v1/invitations/accept", {"token": "their-tok"}, format="json")
    assert response.status_code == 403
    assert not Membership.objects.filter(user=intruder).exists()


# --- categories and schema --------------------------------------------------------------------------------------
def test_categories_are_a_tree_with_subtree_filter(api):
    api.force_login(UserFactory())
    response = api.get("/api/v1/categories", {"under": "goods.it", "page_size": 200})
    rows = response.json()["results"]
    assert rows[0] == {
        "id": rows[0]["id"], "code": "goods.it", "name": "IT hardware and software", "slug": "goods-it",
        "parent": "goods", "depth": 1,
    }  # fmt: skip
    assert all(row["code"].startswith("goods.it") for row in rows)
    assert len(rows) > 3


def test_the_openapi_document_describes_the_companies_api():
    # Generated for this app's routes alone, so another app's schema problem cannot hide one here.
    generator = SchemaGenerator(patterns=[url_path("api/v1/", include("companies.api.urls"))])
    paths = generator.get_schema(request=None, public=True)["paths"]
    for path in (
        "/api/v1/companies", "/api/v1/companies/{id}", "/api/v1/companies/{id}/leave", "/api/v1/memberships",
        "/api/v1/memberships/{id}", "/api/v1/invitations", "/api/v1/invitations/{id}/revoke",
        "/api/v1/invitations/accept", "/api/v1/categories",
    ):  # fmt: skip
        assert path in paths, path
    create = paths["/api/v1/companies"]["post"]
    assert {"201", "400", "401", "403"} <= set(create["responses"])
    members = paths["/api/v1/memberships"]["get"]
    assert any(parameter["name"] == "X-Company" for parameter in members["parameters"])
