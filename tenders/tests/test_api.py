"""The tenders API: thin over services and selectors; stable JSON; scoped to the acting company."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import ApiKeyFactory
from companies.tests.factories import member
from tenders import services
from tenders.choices import TenderStatus, Visibility
from tenders.models import Tender
from tenders.tests.factories import TenderFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def iso(moment) -> str:
    return moment.isoformat()


def create_payload(category, **overrides):
    now = timezone.now()
    payload = {
        "title": "Rebar for the warehouse",
        "type": "rfq",
        "category": category.code,
        "currency": "BRL",
        "estimated_budget": "150000.50",
        "visibility": "public",
        "clarification_deadline": iso(now + timedelta(days=5)),
        "submission_deadline": iso(now + timedelta(days=10)),
        "items": [{"description": "Rebar CA-50 10 mm", "quantity": "1200.5", "unit": "kg"}],
        "criteria": [{"kind": "price", "weight": "70"}, {"kind": "delivery", "weight": "30"}],
    }
    payload.update(overrides)
    return payload


# --- create, read, JSON shape --------------------------------------------------------------------------
def test_a_buyer_creates_a_draft_with_decimals_as_strings_and_times_with_offsets(api, buyer, buyer_company, category):
    response = api(buyer, buyer_company).post("/api/v1/tenders", create_payload(category), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["number"].startswith(f"{buyer_company.code}-{timezone.now().year}-")
    assert body["estimated_budget"] == "150000.50"
    assert body["items"][0]["quantity"] == "1200.5000"
    assert [c["weight"] for c in body["criteria"]] == ["70.00", "30.00"]
    assert body["category"] == {"id": category.pk, "code": category.code, "name": category.name}
    assert body["buyer"]["id"] == buyer_company.pk
    assert body["viewer_role"] == "buyer"
    deadline = body["submission_deadline"]
    assert deadline.endswith("Z") or deadline[-6] in "+-", deadline


def test_create_errors_come_back_by_field(api, buyer, buyer_company, category):
    payload = create_payload(category, currency="ZZZ", criteria=[{"kind": "price", "weight": "50"}])
    response = api(buyer, buyer_company).post("/api/v1/tenders", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert set(body["errors"]) == {"currency", "criteria"}
    assert not Tender.objects.exists()


def test_a_supplier_cannot_create_tenders(api, supplier_a, supplier_a_company, category):
    response = api(supplier_a, supplier_a_company).post("/api/v1/tenders", create_payload(category), format="json")
    assert response.status_code == 403


def test_the_budget_is_hidden_from_suppliers_unless_the_buyer_shows_it(
    api, published, supplier_a, supplier_a_company, buyer, buyer_company
):
    supplier_view = api(supplier_a, supplier_a_company).get(f"/api/v1/tenders/{published.pk}").json()
    assert supplier_view["estimated_budget"] is None
    assert supplier_view["viewer_role"] == "supplier"
    assert supplier_view["openers"] == []
    assert api(buyer, buyer_company).get(f"/api/v1/tenders/{published.pk}").json()["estimated_budget"] == "150000.00"
    Tender.objects.filter(pk=published.pk).update(budget_visible_to_suppliers=True)
    assert (
        api(supplier_a, supplier_a_company).get(f"/api/v1/tenders/{published.pk}").json()["estimated_budget"]
        == "150000.00"
    )


def test_a_supplier_not_invited_gets_404_for_an_invited_only_tender(
    api,
    buyer,
    buyer_company,
    category,
    suppliers_in_category,
    supplier_a,
    supplier_a_company,
    supplier_b,
    supplier_b_company,
):
    tender = TenderFactory(buyer=buyer_company, category=category, visibility=Visibility.INVITED)
    services.invitation_create(tender=tender, actor=buyer, supplier=supplier_a_company)
    services.tender_publish(tender=tender, actor=buyer)
    assert api(supplier_a, supplier_a_company).get(f"/api/v1/tenders/{tender.pk}").status_code == 200
    response = api(supplier_b, supplier_b_company).get(f"/api/v1/tenders/{tender.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert api(supplier_b, supplier_b_company).get(f"/api/v1/tenders/{tender.pk}/items").status_code == 404
    listed = api(supplier_b, supplier_b_company).get("/api/v1/tenders").json()
    assert tender.pk not in [row["id"] for row in listed["results"]]


def test_a_person_acting_for_a_company_they_do_not_belong_to_is_refused(api, buyer, supplier_a_company):
    assert api(buyer, supplier_a_company).get("/api/v1/tenders").status_code == 403


# --- list, filters, ordering, query counts -------------------------------------------------------------
def test_the_list_filters_by_status_text_category_and_deadline(api, buyer, buyer_company, category):
    soon = TenderFactory(
        buyer=buyer_company,
        category=category,
        title="Cement bags",
        clarification_deadline=timezone.now() + timedelta(days=1),
        submission_deadline=timezone.now() + timedelta(days=2),
    )
    later = TenderFactory(
        buyer=buyer_company, title="Steel beams", submission_deadline=timezone.now() + timedelta(days=20)
    )
    services.tender_publish(tender=soon, actor=buyer)
    client = api(buyer, buyer_company)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/tenders?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("status=published") == [soon.pk]
    assert ids("status=published&status=draft&ordering=submission_deadline") == [soon.pk, later.pk]
    assert ids("ordering=-submission_deadline") == [later.pk, soon.pk]
    assert ids("q=cement") == [soon.pk]
    assert ids(f"q={soon.number}") == [soon.pk]
    assert ids(f"category={category.code}") == [soon.pk]
    cutoff = (timezone.now() + timedelta(days=10)).isoformat().replace("+", "%2B")
    assert ids(f"submission_deadline_before={cutoff}") == [soon.pk]
    assert ids(f"submission_deadline_after={cutoff}") == [later.pk]
    assert ids(f"buyer={buyer_company.pk}&type=rfq") == sorted([soon.pk, later.pk], reverse=True)


def test_the_list_takes_the_same_number_of_queries_for_5_and_50_tenders(
    api, buyer, buyer_company, category, django_assert_num_queries
):
    client = api(buyer, buyer_company)
    TenderFactory.create_batch(5, buyer=buyer_company, category=category)
    client.get("/api/v1/tenders")  # warm up: sessions, content types

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/tenders?page_size=100")
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.json()["results"])

    queries_5, rows_5 = count()
    TenderFactory.create_batch(45, buyer=buyer_company, category=category)
    with django_assert_num_queries(queries_5):
        response = client.get("/api/v1/tenders?page_size=100")
    assert rows_5 == 5
    assert len(response.json()["results"]) == 50


def test_the_detail_takes_the_same_number_of_queries_for_1_and_20_items(
    api, buyer, buyer_company, category, django_assert_num_queries
):
    small = TenderFactory(buyer=buyer_company, category=category, items=1)
    large = TenderFactory(buyer=buyer_company, category=category, items=20)
    client = api(buyer, buyer_company)
    client.get(f"/api/v1/tenders/{small.pk}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/api/v1/tenders/{small.pk}").status_code == 200
    with django_assert_num_queries(len(captured.captured_queries)):
        assert len(client.get(f"/api/v1/tenders/{large.pk}").json()["items"]) == 20


# --- lifecycle endpoints -------------------------------------------------------------------------------
def test_publish_through_the_api_reports_field_errors_and_publishes_when_valid(api, buyer, buyer_company, draft):
    client = api(buyer, buyer_company)
    Tender.objects.filter(pk=draft.pk).update(submission_deadline=timezone.now() - timedelta(days=1))
    response = client.post(f"/api/v1/tenders/{draft.pk}/publish")
    assert response.status_code == 400
    assert "submission_deadline" in response.json()["errors"]
    Tender.objects.filter(pk=draft.pk).update(submission_deadline=timezone.now() + timedelta(days=9))
    response = client.post(f"/api/v1/tenders/{draft.pk}/publish")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    assert client.post(f"/api/v1/tenders/{draft.pk}/publish").status_code == 409


def test_a_draft_is_edited_and_a_published_tender_is_not(api, buyer, buyer_company, draft):
    client = api(buyer, buyer_company)
    response = client.patch(
        f"/api/v1/tenders/{draft.pk}", {"title": "Renamed", "quote_validity_days": 90}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["quote_validity_days"]) == ("Renamed", 90)
    services.tender_publish(tender=draft, actor=buyer)
    assert client.patch(f"/api/v1/tenders/{draft.pk}", {"title": "x"}, format="json").status_code == 409


def test_items_of_a_draft_are_added_changed_reordered_and_removed(api, buyer, buyer_company, draft):
    client = api(buyer, buyer_company)
    base = f"/api/v1/tenders/{draft.pk}/items"
    first = draft.items.get()
    added = client.post(base, {"description": "Wire", "quantity": "3.25", "unit": "m"}, format="json")
    assert added.status_code == 201, added.content
    assert added.json()["number"] == 2
    second_id = added.json()["id"]
    changed = client.patch(f"{base}/{second_id}", {"quantity": "4"}, format="json")
    assert changed.json()["quantity"] == "4.0000"
    reordered = client.post(f"{base}/reorder", {"order": [second_id, first.pk]}, format="json")
    assert [row["id"] for row in reordered.json()] == [second_id, first.pk]
    assert client.delete(f"{base}/{second_id}").status_code == 204
    assert [(row["id"], row["number"]) for row in client.get(base).json()] == [(first.pk, 1)]
    assert client.get(f"{base}/999999").status_code == 404


def test_an_amendment_through_the_api_returns_its_diff_and_joins_the_history(
    api, buyer, buyer_company, published, supplier_a, supplier_a_company
):
    new_deadline = published.submission_deadline + timedelta(days=3)
    response = api(buyer, buyer_company).post(
        f"/api/v1/tenders/{published.pk}/amend",
        {"reason": "More time", "changes": {"submission_deadline": iso(new_deadline)}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["material"]) == (2, True)
    assert "Submission deadline" in body["diff_text"]
    assert body["changed_by"] == buyer.email
    history = api(supplier_a, supplier_a_company).get(f"/api/v1/tenders/{published.pk}/amendments").json()
    assert [(row["version"], row["reason"]) for row in history] == [(2, "More time")]
    detail = api(supplier_a, supplier_a_company).get(f"/api/v1/tenders/{published.pk}").json()
    assert (detail["version"], detail["material_version"]) == (2, 2)


def test_fields_fixed_at_publishing_cannot_be_amended(api, buyer, buyer_company, published):
    response = api(buyer, buyer_company).post(
        f"/api/v1/tenders/{published.pk}/amend", {"reason": "r", "changes": {"currency": "USD"}}, format="json"
    )
    assert response.status_code == 400
    assert "changes.currency" in response.json()["errors"]


def test_cancel_through_the_api(api, buyer, buyer_company, published, supplier_a, supplier_a_company):
    assert (
        api(supplier_a, supplier_a_company).post(f"/api/v1/tenders/{published.pk}/cancel", {"reason": "x"}).status_code
        == 403
    )
    response = api(buyer, buyer_company).post(
        f"/api/v1/tenders/{published.pk}/cancel", {"reason": "Budget cut"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "Budget cut")


# --- invitations and clarifications --------------------------------------------------------------------
def test_invite_and_decline_through_the_api(
    api, buyer, buyer_company, published, supplier_a, supplier_a_company, supplier_b, supplier_b_company
):
    invited = api(buyer, buyer_company).post(
        f"/api/v1/tenders/{published.pk}/invitations", {"supplier": supplier_a_company.pk}, format="json"
    )
    assert invited.status_code == 201, invited.content
    invitation_id = invited.json()["id"]
    assert invited.json()["supplier"]["id"] == supplier_a_company.pk
    url = f"/api/v1/tenders/{published.pk}/invitations/{invitation_id}/decline"
    assert api(supplier_b, supplier_b_company).post(url, {"reason": "x"}, format="json").status_code == 404
    declined = api(supplier_a, supplier_a_company).post(url, {"reason": "No stock"}, format="json")
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decline_reason"]) == ("declined", "No stock")
    assert api(supplier_b, supplier_b_company).get(f"/api/v1/tenders/{published.pk}/invitations").json() == []
    assert len(api(buyer, buyer_company).get(f"/api/v1/tenders/{published.pk}/invitations").json()) == 1


def test_answers_are_published_to_every_participant_without_naming_who_asked(
    api, buyer, buyer_company, published, supplier_a, supplier_a_company, supplier_b, supplier_b_company
):
    base = f"/api/v1/tenders/{published.pk}/clarifications"
    asked = api(supplier_a, supplier_a_company).post(base, {"question": "Is CA-60 accepted?"}, format="json")
    assert asked.status_code == 201, asked.content
    assert asked.json()["asked_by_you"] is True
    assert asked.json()["answer"] is None
    # Before the answer, the other supplier does not see the question at all.
    assert api(supplier_b, supplier_b_company).get(base).json() == []
    buyer_view = api(buyer, buyer_company).get(base).json()
    assert buyer_view[0]["asked_by_company"]["id"] == supplier_a_company.pk

    answered = api(buyer, buyer_company).post(
        f"{base}/{asked.json()['id']}/answer", {"answer": "CA-50 only."}, format="json"
    )
    assert answered.status_code == 200, answered.content
    [seen_by_b] = api(supplier_b, supplier_b_company).get(base).json()
    assert seen_by_b["question"] == "Is CA-60 accepted?"
    assert seen_by_b["answer"] == "CA-50 only."
    assert seen_by_b["asked_by_company"] is None
    assert seen_by_b["asked_by_you"] is False
    assert supplier_a_company.display_name not in str(seen_by_b)


def test_the_buyer_cannot_ask_and_suppliers_cannot_answer(
    api, buyer, buyer_company, published, supplier_a, supplier_a_company
):
    base = f"/api/v1/tenders/{published.pk}/clarifications"
    assert api(buyer, buyer_company).post(base, {"question": "?"}, format="json").status_code == 403
    clarification = services.clarification_ask(
        tender=published, actor=supplier_a, company=supplier_a_company, question="?"
    )
    response = api(supplier_a, supplier_a_company).post(
        f"{base}/{clarification.pk}/answer", {"answer": "!"}, format="json"
    )
    assert response.status_code == 403


# --- documents -----------------------------------------------------------------------------------------
def test_documents_are_uploaded_and_downloaded_only_by_those_who_see_the_tender(
    api, buyer, buyer_company, draft, supplier_a, supplier_a_company, outsider, outsider_company, suppliers_in_category
):
    base = f"/api/v1/tenders/{draft.pk}/documents"
    uploaded = api(buyer, buyer_company).post(
        base, {"file": SimpleUploadedFile("spec.pdf", PDF, "application/pdf"), "title": "Spec"}, format="multipart"
    )
    assert uploaded.status_code == 201, uploaded.content
    document = uploaded.json()
    assert document["current"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    download_url = document["current"]["download_url"]
    assert download_url.startswith("http://testserver/api/v1/tenders/")
    assert "/media/" not in download_url

    # Not yet published: suppliers cannot see the tender, hence not its documents.
    assert api(supplier_a, supplier_a_company).get(download_url).status_code == 404
    services.tender_publish(tender=draft, actor=buyer)
    response = api(supplier_a, supplier_a_company).get(download_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(PDF).digest()).decode()}:"
    assert api(outsider, outsider_company).get(download_url).status_code == 404


def test_replacing_a_document_of_a_published_tender_keeps_the_history(api, buyer, buyer_company, published):
    version = services.document_upload(
        tender=published, actor=buyer, upload=SimpleUploadedFile("a.txt", b"first"), title="Notes", reason="Notes"
    )
    response = api(buyer, buyer_company).post(
        f"/api/v1/tenders/{published.pk}/documents",
        {"file": SimpleUploadedFile("a.txt", b"second"), "document": version.document_id, "reason": "Corrected"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["current_version"] == 2
    assert [v["number"] for v in body["versions"]] == [2, 1]
    old = APIClient()
    old.force_authenticate(buyer)
    old.credentials(HTTP_X_COMPANY=str(buyer_company.pk))
    first = old.get(body["versions"][1]["download_url"])
    assert b"".join(first.streaming_content) == b"first"
    assert [a.version for a in published.amendments.all()] == [2, 3]


def test_a_refused_file_is_a_field_error(api, buyer, buyer_company, draft):
    response = api(buyer, buyer_company).post(
        f"/api/v1/tenders/{draft.pk}/documents", {"file": SimpleUploadedFile("x.exe", b"MZ")}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


# --- API keys ------------------------------------------------------------------------------------------
def key_client(company, scopes) -> APIClient:
    key = ApiKeyFactory(company=company, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.plaintext}")
    return client


def test_api_keys_read_with_tenders_read_and_write_with_tenders_write(buyer_company, published, category):
    reader = key_client(buyer_company, ["tenders:read"])
    assert reader.get("/api/v1/tenders").json()["count"] == 1
    assert reader.post("/api/v1/tenders", create_payload(category), format="json").status_code == 403
    assert reader.post(f"/api/v1/tenders/{published.pk}/cancel", {"reason": "x"}, format="json").status_code == 403

    writer = key_client(buyer_company, ["tenders:read", "tenders:write"])
    created = writer.post("/api/v1/tenders", create_payload(category), format="json")
    assert created.status_code == 201, created.content
    assert writer.post(f"/api/v1/tenders/{created.json()['id']}/publish").status_code == 200

    unrelated = key_client(buyer_company, ["quotes:read"])
    assert unrelated.get("/api/v1/tenders").status_code == 403


def test_an_api_key_reaches_only_its_own_company(published, supplier_b_company):
    other = key_client(supplier_b_company, ["tenders:read", "tenders:write"])
    # supplier_b_company is not in the tender's category here: nothing to see.
    assert other.get(f"/api/v1/tenders/{published.pk}").status_code in (200, 404)
    assert other.post(f"/api/v1/tenders/{published.pk}/cancel", {"reason": "x"}, format="json").status_code == 403


def test_anonymous_callers_get_401(client):
    assert client.get("/api/v1/tenders").status_code == 401


def test_viewers_read_but_do_not_write(api, buyer_company, draft):
    viewer = member(buyer_company, "viewer").user
    client = api(viewer, buyer_company)
    assert client.get(f"/api/v1/tenders/{draft.pk}").status_code == 200
    assert client.post(f"/api/v1/tenders/{draft.pk}/publish").status_code == 403
    draft.refresh_from_db()
    assert draft.status == TenderStatus.DRAFT


def test_the_openapi_document_describes_the_tenders_endpoints_with_examples():
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator
    from openapi_spec_validator import validate

    schema = SchemaGenerator(patterns=[path("api/v1/", include("tenders.api.urls"))]).get_schema(public=True)
    validate(schema)
    paths = schema["paths"]
    for route in (
        "/api/v1/tenders",
        "/api/v1/tenders/{id}/publish",
        "/api/v1/tenders/{id}/amend",
        "/api/v1/tenders/{tender_pk}/clarifications/{id}/answer",
        "/api/v1/tenders/{tender_pk}/documents/{id}/download",
    ):
        assert route in paths, sorted(paths)
    for route, operations in paths.items():
        for method, operation in operations.items():
            documented = any(
                "examples" in body for body in operation.get("requestBody", {}).get("content", {}).values()
            )
            documented |= any(
                "examples" in content
                for response in operation["responses"].values()
                for content in response.get("content", {}).values()
            )
            assert documented or route.endswith("/download"), f"{method.upper()} {route} has no example"
