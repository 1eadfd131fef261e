"""Quotes API: the supplier's flow, receipts and their verification, the buyer after opening, API keys."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from accounts import services as account_services
from companies.tests.factories import member
from cotai.testing import using_postgres
from quotes.models import Quote, QuoteRevision
from quotes.tests.factories import open_now, published_tender, submitted_quote
from tenders import services as tender_services
from tenders.models import TenderOpener

pytestmark = pytest.mark.django_db


def _lines(tender, *prices, **extra):
    return [
        {"item": item.pk, "unit_price": price, "quantity": str(item.quantity), **extra}
        for item, price in zip(tender.items.order_by("number"), prices, strict=False)
    ]


@pytest.fixture
def supplier_api(api, supplier_a, supplier_a_company):
    return api(supplier_a, supplier_a_company)


def _create(client, tender, *prices, **body):
    response = client.post(
        "/api/v1/quotes", {"tender": tender.pk, "lines": _lines(tender, *prices), **body}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_supplier_creates_edits_and_submits_a_quote_and_gets_a_receipt(tender, supplier_api):
    created = _create(supplier_api, tender, "33.3333", "0.10", total="0.01", validity_date="2099-01-01")
    assert created["status"] == "draft"
    assert created["totals"]["total"] == "334.33"  # the server's, not the client's "0.01"
    assert created["has_unsubmitted_changes"] is True
    quote_id = created["id"]

    response = supplier_api.patch(f"/api/v1/quotes/{quote_id}", {"payment_terms": "45 days"}, format="json")
    assert response.json()["payment_terms"] == "45 days"
    item2 = tender.items.get(number=2)
    response = supplier_api.put(
        f"/api/v1/quotes/{quote_id}/lines/{item2.pk}",
        {"unit_price": "0.20", "quantity": "10", "discount": "10"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["totals"]["total"] == "335.13"  # 333.33 + (2.00 - 0.20)

    response = supplier_api.post(f"/api/v1/quotes/{quote_id}/submit", {}, format="json")
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["number"] == 1
    assert receipt["total"] == "335.13"
    # The documented recipe recomputes the receipt from the returned content.
    canonical = json.dumps(receipt["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == receipt["content_sha256"]

    detail = supplier_api.get(f"/api/v1/quotes/{quote_id}").json()
    assert detail["status"] == "submitted"
    assert detail["receipt"]["content_sha256"] == receipt["content_sha256"]
    assert detail["has_unsubmitted_changes"] is False

    verify = supplier_api.get(
        f"/api/v1/quotes/{quote_id}/revisions/1/verify", {"sha256": receipt["content_sha256"]}
    ).json()
    assert verify["matches"] is True
    assert verify["totals_consistent"] is True
    assert verify["provided_matches"] is True
    assert (
        supplier_api.get(f"/api/v1/quotes/{quote_id}/revisions/1/verify", {"sha256": "0" * 64}).json()[
            "provided_matches"
        ]
        is False
    )

    supplier_api.put(f"/api/v1/quotes/{quote_id}/lines", {"lines": _lines(tender, "30", "1")}, format="json")
    assert supplier_api.get(f"/api/v1/quotes/{quote_id}").json()["has_unsubmitted_changes"] is True
    second = supplier_api.post(f"/api/v1/quotes/{quote_id}/submit", format="json").json()
    assert second["number"] == 2
    revisions = supplier_api.get(f"/api/v1/quotes/{quote_id}/revisions").json()
    assert [revision["number"] for revision in revisions] == [1, 2]


def test_late_submission_through_the_api_is_409_and_stores_nothing(tender, supplier_api):
    created = _create(supplier_api, tender, "10", "10")
    with time_machine.travel(tender.submission_deadline + timedelta(seconds=1), tick=False):
        response = supplier_api.post(
            f"/api/v1/quotes/{created['id']}/submit", {"lines": _lines(tender, "1", "1")}, format="json"
        )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_state"
    assert "nothing was stored" in body["detail"]
    assert body["submission_deadline"] == tender.submission_deadline.isoformat()
    assert not QuoteRevision.objects.exists()
    assert supplier_api.get(f"/api/v1/quotes/{created['id']}").json()["totals"]["total"] == "200.00"


def test_withdraw_and_confirm_through_the_api(tender, supplier_api, buyer):
    created = _create(supplier_api, tender, "10", "10")
    supplier_api.post(f"/api/v1/quotes/{created['id']}/submit", format="json")
    tender_services.tender_amend(
        tender=tender,
        actor=buyer,
        reason="Later delivery",
        changes={"submission_deadline": tender.submission_deadline + timedelta(days=1)},
    )
    listed = supplier_api.get("/api/v1/quotes?needs_confirmation=true").json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]
    confirmed = supplier_api.post(f"/api/v1/quotes/{created['id']}/confirm", format="json").json()
    assert (confirmed["confirmed_version"], confirmed["needs_confirmation"]) == (2, False)
    withdrawn = supplier_api.post(f"/api/v1/quotes/{created['id']}/withdraw", {"reason": "busy"}, format="json")
    assert withdrawn.json()["status"] == "withdrawn"


def test_validation_errors_come_back_by_field(tender, supplier_api):
    response = supplier_api.post(
        "/api/v1/quotes",
        {"tender": tender.pk, "lines": [{"item": 0, "unit_price": "abc", "quantity": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "lines.0.unit_price" in response.json()["errors"]
    assert not Quote.objects.exists()


def test_buyer_reads_opened_quotes_compares_scores_and_awards(
    tender, supplier_api, api, buyer, buyer_company, supplier_b, supplier_b_company
):
    created = _create(supplier_api, tender, "10", "30")
    supplier_api.post(f"/api/v1/quotes/{created['id']}/submit", format="json")
    quote_b = submitted_quote(tender, supplier_b_company, supplier_b, prices=["12", "20"])
    buyer_api = api(buyer, buyer_company)
    assert buyer_api.get(f"/api/v1/tenders/{tender.pk}/comparison").status_code == 409
    open_now(tender)

    detail = buyer_api.get(f"/api/v1/quotes/{created['id']}").json()
    assert detail["totals"]["total"] == "400.00"
    assert [line["unit_price"] for line in detail["lines"]] == ["10.0000", "30.0000"]
    assert detail["has_unsubmitted_changes"] is None
    comparison = buyer_api.get(f"/api/v1/tenders/{tender.pk}/comparison").json()
    assert comparison["lowest_total"] == "320.00"
    assert [offer["is_lowest"] for offer in comparison["items"][0]["offers"]] == [True, False]
    csv = buyer_api.get(f"/api/v1/tenders/{tender.pk}/comparison.csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")

    evaluator = member(buyer_company, "evaluator").user
    delivery = tender.criteria.get(kind="delivery")
    scored = api(evaluator, buyer_company).post(
        f"/api/v1/tenders/{tender.pk}/scores",
        {"quote": created["id"], "criterion": delivery.pk, "score": "9", "comment": "fast"},
        format="json",
    )
    assert scored.status_code == 200, scored.json()
    assert buyer_api.get(f"/api/v1/tenders/{tender.pk}/scores").json()[0]["score"] == "9.00"
    assert (
        buyer_api.post(
            f"/api/v1/tenders/{tender.pk}/scores", {"quote": created["id"], "criterion": delivery.pk, "score": "9"}
        ).status_code
        == 403
    )  # a buyer decides, an evaluator scores

    assert buyer_api.post(f"/api/v1/quotes/{created['id']}/shortlist").json()["status"] == "shortlisted"
    item1, item2 = tender.items.order_by("number")
    response = buyer_api.post(
        f"/api/v1/tenders/{tender.pk}/awards",
        {"awards": [{"quote": created["id"], "items": [item1.pk]}, {"quote": quote_b.pk, "items": [item2.pk]}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted(award["amount"] for award in response.json()) == ["100.00", "200.00"]
    own = supplier_api.get(f"/api/v1/tenders/{tender.pk}/awards").json()
    assert [award["item"] for award in own] == [item1.pk]  # a supplier sees only its own awards


def test_opening_record_shows_every_receipt_but_only_the_own_name(
    tender, supplier_api, supplier_a_company, supplier_b, supplier_b_company, api, buyer, buyer_company
):
    created = _create(supplier_api, tender, "10", "30")
    receipt = supplier_api.post(f"/api/v1/quotes/{created['id']}/submit", format="json").json()
    submitted_quote(tender, supplier_b_company, supplier_b)
    before = supplier_api.get(f"/api/v1/tenders/{tender.pk}/opening").json()
    assert (before["opened"], before["entries"]) == (False, [])
    open_now(tender)
    record = supplier_api.get(f"/api/v1/tenders/{tender.pk}/opening").json()
    assert record["quote_count"] == 2
    own = next(entry for entry in record["entries"] if entry["own"])
    other = next(entry for entry in record["entries"] if not entry["own"])
    assert own["content_sha256"] == receipt["content_sha256"]
    assert own["supplier"]["id"] == supplier_a_company.pk
    assert (other["supplier"], other["quote"]) == (None, None)
    buyer_view = api(buyer, buyer_company).get(f"/api/v1/tenders/{tender.pk}/opening").json()
    assert all(entry["supplier"] is not None for entry in buyer_view["entries"])


def test_quote_count_before_opening_only_when_the_tender_allows_it(
    market, buyer, buyer_company, api, supplier_a, supplier_a_company
):
    hidden = published_tender(buyer_company, market)
    shown = published_tender(buyer_company, market, show_quote_count_before_opening=True)
    for tender in (hidden, shown):
        submitted_quote(tender, supplier_a_company, supplier_a)
    client = api(buyer, buyer_company)
    assert client.get(f"/api/v1/tenders/{hidden.pk}/quote-count").json() == {
        "tender_id": hidden.pk,
        "sealed": True,
        "count": None,
    }
    assert client.get(f"/api/v1/tenders/{shown.pk}/quote-count").json()["count"] == 1
    acks = client.get(f"/api/v1/tenders/{shown.pk}/acknowledgements").json()
    assert acks["summary"] == {"acknowledged": 1, "pending": 0}
    assert acks["suppliers"] == []  # no names before the opening
    assert client.get(f"/api/v1/tenders/{hidden.pk}/acknowledgements").json()["summary"] is None


def test_acknowledgements_after_opening_list_each_suppliers_version(
    tender, buyer, buyer_company, api, supplier_a, supplier_a_company, supplier_b, supplier_b_company
):
    submitted_quote(tender, supplier_a_company, supplier_a)
    quote_b = submitted_quote(tender, supplier_b_company, supplier_b)
    from quotes import services

    tender_services.tender_amend(
        tender=tender,
        actor=buyer,
        reason="Delivery elsewhere",
        changes={"delivery_place": "Rua Nova, 1"},
    )
    services.quote_confirm(quote=quote_b, actor=supplier_b)
    open_now(tender)
    acks = api(buyer, buyer_company).get(f"/api/v1/tenders/{tender.pk}/acknowledgements").json()
    versions = {row["supplier_id"]: (row["confirmed_version"], row["needs_confirmation"]) for row in acks["suppliers"]}
    assert versions == {supplier_a_company.pk: (1, True), supplier_b_company.pk: (2, False)}


def test_committee_confirmation_through_the_api(buyer_company, market, buyer, buyer_admin, api):
    tender = published_tender(buyer_company, market, committee_opening_required=True, committee_quorum=1)
    TenderOpener.objects.create(tender=tender, user=buyer_admin)
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1), tick=False):
        assert api(buyer, buyer_company).post(f"/api/v1/tenders/{tender.pk}/opening/confirm").status_code == 403
        response = api(buyer_admin, buyer_company).post(f"/api/v1/tenders/{tender.pk}/opening/confirm")
    assert response.status_code == 200
    assert response.json()["opened"] is True
    assert response.json()["method"] == "committee"


def _key(company, scopes):
    owner = member(company, "owner").user
    _row, plaintext = account_services.api_key_create(actor=owner, company=company, name="erp", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def test_api_keys_need_the_quotes_scopes(tender, supplier_a_company):
    reader = _key(supplier_a_company, ["quotes:read"])
    writer = _key(supplier_a_company, ["quotes:read", "quotes:write"])
    assert reader.get("/api/v1/quotes").status_code == 200
    body = {"tender": tender.pk, "lines": _lines(tender, "1", "1")}
    assert reader.post("/api/v1/quotes", body, format="json").status_code == 403
    created = writer.post("/api/v1/quotes", body, format="json")
    assert created.status_code == 201
    submitted = writer.post(f"/api/v1/quotes/{created.json()['id']}/submit", format="json")
    assert submitted.status_code == 201
    assert submitted.json()["content"]["submitted_by"]["api_key"] is not None
    assert reader.get(f"/api/v1/quotes/{created.json()['id']}/revisions/1/verify").json()["matches"] is True


def test_verify_detects_content_changed_behind_the_applications_back(tender, supplier_api):
    created = _create(supplier_api, tender, "10", "10")
    supplier_api.post(f"/api/v1/quotes/{created['id']}/submit", format="json")
    revision = QuoteRevision.objects.get()
    tampered = {**revision.content, "totals": {**revision.content["totals"], "total": "1.00"}}
    with connection.cursor() as cursor:
        if using_postgres():
            # Someone with the database's superuser powers, going around the immutability trigger.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE quotes_quoterevision SET content = %s WHERE id = %s", [json.dumps(tampered), revision.pk]
        )
        if using_postgres():
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    result = supplier_api.get(f"/api/v1/quotes/{created['id']}/revisions/1/verify").json()
    assert result["matches"] is False
    assert result["totals_consistent"] is False


def test_ids_of_other_companies_are_not_found(tender, supplier_api, api, supplier_b, supplier_b_company):
    created = _create(supplier_api, tender, "10", "10")
    other = api(supplier_b, supplier_b_company)
    for method, path in (
        ("get", f"/api/v1/quotes/{created['id']}"),
        ("patch", f"/api/v1/quotes/{created['id']}"),
        ("post", f"/api/v1/quotes/{created['id']}/submit"),
        ("get", f"/api/v1/quotes/{created['id']}/revisions"),
        ("delete", f"/api/v1/quotes/{created['id']}"),
    ):
        assert getattr(other, method)(path, {}, format="json").status_code == 404, path


def test_openapi_schema_documents_the_quotes_endpoints(api, buyer, buyer_company):
    response = api(buyer, buyer_company).get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in (
        "/api/v1/quotes",
        "/api/v1/quotes/{id}/submit",
        "/api/v1/quotes/{id}/revisions/{number}/verify",
        "/api/v1/tenders/{tender_pk}/comparison",
        "/api/v1/tenders/{tender_pk}/awards",
        "/api/v1/tenders/{tender_pk}/opening/confirm",
    ):
        assert path in paths, path


def test_a_tender_id_that_is_not_a_number_is_not_found_on_the_buyers_writes(api, buyer, buyer_company):
    evaluator = member(buyer_company, "evaluator").user
    scores = api(evaluator, buyer_company).post(
        "/api/v1/tenders/abc/scores", {"quote": 1, "criterion": 1, "score": "5"}, format="json"
    )
    assert scores.status_code == 404
    awards = api(buyer, buyer_company).post("/api/v1/tenders/abc/awards", {"awards": [{"quote": 1}]}, format="json")
    assert awards.status_code == 404
