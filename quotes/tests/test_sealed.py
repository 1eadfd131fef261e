"""Sealed until opening (DESIGN rule 2): before the opening nobody but the submitting supplier reads a
quote's prices or lines — on any path: API list, detail, filters and ordering by price, revisions,
receipts, comparison, exports, acknowledgements, the admin (as staff, even a superuser), events."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from cotai.events.models import OutboxEvent
from quotes.models import Quote
from quotes.tests.factories import SEALED_PRICE, open_now, submitted_quote

pytestmark = pytest.mark.django_db

# 98765.4321 as unit price; 10 pieces -> line total 987654.32; two items -> 1975308.64.
MARKERS = ("98765.43", "987654.32", "1975308.64")

API_PATHS = [
    "/api/v1/quotes",
    "/api/v1/quotes/{quote}",
    "/api/v1/quotes?ordering=-total",
    "/api/v1/quotes?ordering=total",
    "/api/v1/quotes?total_min=0&total_max=99999999",
    "/api/v1/quotes?tender={tender}&status=submitted",
    "/api/v1/quotes?supplier={supplier}",
    "/api/v1/quotes/{quote}/revisions",
    "/api/v1/quotes/{quote}/revisions/1",
    "/api/v1/quotes/{quote}/revisions/1/verify",
    "/api/v1/quotes/{quote}/attachments",
    "/api/v1/tenders/{tender}/comparison",
    "/api/v1/tenders/{tender}/comparison.csv",
    "/api/v1/tenders/{tender}/scores",
    "/api/v1/tenders/{tender}/acknowledgements",
    "/api/v1/tenders/{tender}/quote-count",
    "/api/v1/tenders/{tender}/opening",
    "/api/v1/tenders/{tender}/awards",
]
ADMIN_PATHS = [
    "/admin/quotes/quote/",
    "/admin/quotes/quote/?o=-5",
    "/admin/quotes/quote/?q=98765",
    "/admin/quotes/quote/{quote}/change/",
    "/admin/quotes/quoterevision/",
    "/admin/quotes/quoterevision/{revision}/change/",
]
PERSONAS = ["buyer", "buyer_admin", "supplier_b", "staff"]


@pytest.fixture
def sealed(tender, supplier_a, supplier_a_company, supplier_b, supplier_b_company):
    """supplier_a's sealed quote priced with the marker; supplier_b has a quote of its own."""
    quote = submitted_quote(tender, supplier_a_company, supplier_a, prices=[SEALED_PRICE, SEALED_PRICE])
    submitted_quote(tender, supplier_b_company, supplier_b, prices=["1", "1"])
    return quote


def _format(path: str, quote: Quote) -> str:
    return path.format(
        quote=quote.pk, tender=quote.tender_id, supplier=quote.supplier_id, revision=quote.current_revision_id
    )


def _client_for(persona: str, request, companies) -> tuple[Client, dict]:
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    company = companies.get(persona)
    headers = {"HTTP_X_COMPANY": str(company.pk)} if company is not None else {}
    return client, headers


@pytest.fixture
def companies(buyer_company, supplier_b_company):
    return {"buyer": buyer_company, "buyer_admin": buyer_company, "supplier_b": supplier_b_company, "staff": None}


def _assert_sealed(response, quote: Quote) -> None:
    body = response.content.decode()
    for marker in MARKERS:
        assert marker not in body, f"sealed price leaked through {response.request['PATH_INFO']}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_never_returns_a_sealed_price(persona, sealed, request, companies):
    client, headers = _client_for(persona, request, companies)
    for path in API_PATHS:
        response = client.get(_format(path, sealed), **headers)
        _assert_sealed(response, sealed)
        if (path.startswith("/api/v1/quotes?") or path == "/api/v1/quotes") and persona != "staff":
            assert response.status_code == 200, path  # the list answers; it just lacks the sealed quote
            assert sealed.pk not in [row["id"] for row in response.json()["results"]], path


@pytest.mark.parametrize("persona", PERSONAS)
def test_quote_detail_of_a_sealed_quote_is_not_found(persona, sealed, request, companies):
    client, headers = _client_for(persona, request, companies)
    response = client.get(f"/api/v1/quotes/{sealed.pk}", **headers)
    assert response.status_code in (400, 404)  # staff has no company: 400 company_required


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("persona", [*PERSONAS, "superuser"])
def test_admin_never_shows_a_sealed_price(persona, sealed, request, companies):
    client, _headers = _client_for(persona, request, companies)
    for path in ADMIN_PATHS:
        response = client.get(_format(path, sealed))
        _assert_sealed(response, sealed)
        if persona == "superuser":
            assert response.status_code == 200, path


def test_superuser_sees_the_quote_exists_but_not_its_content(sealed, superuser):
    client = Client()
    client.force_login(superuser)
    response = client.get(f"/admin/quotes/quote/{sealed.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert sealed.current_revision.content_sha256 in body  # the receipt is not secret
    assert "opened_lines" not in body
    assert "sealed until the opening" not in body or "98765" not in body


def test_admin_refuses_filtering_by_price(sealed, superuser):
    client = Client()
    client.force_login(superuser)
    response = client.get("/admin/quotes/quote/?current_revision__total__gte=1975308")
    assert response.status_code in (400, 302)  # a disallowed lookup, never a filtered list
    if response.status_code == 302:
        assert "e=1" in response["Location"]


def test_events_before_the_opening_carry_no_price(sealed):
    for event in OutboxEvent.objects.all():
        for marker in MARKERS:
            assert marker not in str(event.payload)


def test_supplier_sees_its_own_sealed_prices(sealed, supplier_a, supplier_a_company):
    client = Client()
    client.force_login(supplier_a)
    response = client.get(f"/api/v1/quotes/{sealed.pk}", HTTP_X_COMPANY=str(supplier_a_company.pk))
    assert response.status_code == 200
    assert "98765.4321" in response.content.decode()


@pytest.mark.parametrize("persona", ["buyer", "buyer_admin"])
def test_after_the_opening_the_buyer_reads_the_prices(persona, sealed, request, companies):
    open_now(sealed.tender)
    client, headers = _client_for(persona, request, companies)
    for path in ("/api/v1/quotes/{quote}", "/api/v1/quotes?ordering=-total", "/api/v1/tenders/{tender}/comparison"):
        response = client.get(_format(path, sealed), **headers)
        assert response.status_code == 200
        assert "1975308.64" in response.content.decode() or "98765.4321" in response.content.decode()


def test_after_the_opening_the_other_supplier_still_reads_nothing(sealed, supplier_b, supplier_b_company):
    open_now(sealed.tender)
    client = Client()
    client.force_login(supplier_b)
    for path in API_PATHS:
        response = client.get(_format(path, sealed), HTTP_X_COMPANY=str(supplier_b_company.pk))
        _assert_sealed(response, sealed)


def test_after_the_opening_the_admin_shows_the_opened_revision(sealed, superuser):
    open_now(sealed.tender)
    client = Client()
    client.force_login(superuser)
    response = client.get(f"/admin/quotes/quote/{sealed.pk}/change/")
    assert "98765.4321" in response.content.decode()
