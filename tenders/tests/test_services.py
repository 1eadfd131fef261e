"""Services of the tenders domain: every state change, its rules, its audit event and its domain event."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from companies.tests.factories import CompanyFactory, member
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from cotai.testing import need_service, using_postgres
from tenders import services
from tenders.choices import CriterionKind, InvitationStatus, TenderStatus, Visibility
from tenders.models import (
    Amendment,
    Clarification,
    Tender,
    TenderCriterion,
    TenderDocument,
    TenderDocumentVersion,
    TenderInvitation,
    TenderItem,
    TenderSequence,
)
from tenders.tests.factories import TenderFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def future(days: float = 10):
    return timezone.now() + timedelta(days=days)


def draft_data(**overrides):
    data = {
        "title": "Steel rebar for the warehouse",
        "currency": "brl",
        "visibility": Visibility.PUBLIC,
        "clarification_deadline": future(5),
        "submission_deadline": future(10),
    }
    data.update(overrides)
    return data


ITEMS = [{"description": "Rebar CA-50 10 mm", "quantity": "1200", "unit": "kg"}]


# --- create and numbering ------------------------------------------------------------------------------
def test_create_allocates_sequential_numbers_per_company_and_year(buyer, buyer_company, category):
    buyer_company.code = "ACME"
    buyer_company.save()
    first = services.tender_create(actor=buyer, buyer=buyer_company, data=draft_data(category=category), items=ITEMS)
    second = services.tender_create(actor=buyer, buyer=buyer_company, data=draft_data())
    year = timezone.now().year
    assert first.number == f"ACME-{year}-0001"
    assert second.number == f"ACME-{year}-0002"
    assert first.status == TenderStatus.DRAFT
    assert first.currency == "BRL"
    assert first.created_by == buyer
    assert [(i.number, i.quantity) for i in first.items.all()] == [(1, Decimal("1200.0000"))]
    # Without criteria, price weighs 100%.
    assert [(c.kind, c.weight) for c in first.criteria.all()] == [(CriterionKind.PRICE, Decimal("100.00"))]


def test_another_company_has_its_own_sequence(buyer, buyer_company, outsider, outsider_company):
    mine = services.tender_create(actor=buyer, buyer=buyer_company, data=draft_data())
    theirs = services.tender_create(actor=outsider, buyer=outsider_company, data=draft_data())
    assert mine.number.endswith("-0001")
    assert theirs.number.endswith("-0001")
    assert mine.number != theirs.number


def test_create_refuses_invalid_input_and_writes_nothing(buyer, buyer_company):
    with pytest.raises(ValidationFailed) as caught:
        services.tender_create(
            actor=buyer,
            buyer=buyer_company,
            data=draft_data(currency="XYZ", title=" "),
            items=[{"description": "", "quantity": "0", "unit": "kg"}],
            criteria=[{"kind": "price", "weight": "60"}, {"kind": "quality", "weight": "30"}],
        )
    errors = caught.value.errors
    assert set(errors) >= {"currency", "title", "items.0.description", "items.0.quantity", "criteria"}
    assert "sum to 90" in errors["criteria"][0]
    assert not Tender.objects.exists()
    assert not TenderSequence.objects.exists()


def test_suppliers_and_viewers_cannot_create_tenders(supplier_a, supplier_a_company, buyer_company):
    viewer = member(buyer_company, "viewer").user
    with pytest.raises(PermissionDenied):
        services.tender_create(actor=viewer, buyer=buyer_company, data=draft_data())
    with pytest.raises(PermissionDenied):
        services.tender_create(actor=supplier_a, buyer=supplier_a_company, data=draft_data())


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_when_tenders_are_created_concurrently():
    need_service("PostgreSQL", using_postgres(), "row locks decide who takes which number")
    company = CompanyFactory(kind="buyer", code="RACE")
    creator = member(company, "buyer").user
    numbers: list[str] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        try:
            barrier.wait()
            tender = services.tender_create(actor=creator, buyer=company, data=draft_data())
            numbers.append(tender.number)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    year = timezone.now().year
    assert sorted(numbers) == [f"RACE-{year}-{n:04d}" for n in range(1, 9)]


# --- drafts and items ----------------------------------------------------------------------------------
def test_update_draft_changes_fields_criteria_and_audits(draft, buyer, audit_log):
    services.tender_update_draft(
        tender=draft,
        actor=buyer,
        data={"title": "New title", "estimated_budget": "99.90"},
        criteria=[{"kind": "price", "weight": "80"}, {"kind": "quality", "name": "Quality", "weight": "20"}],
    )
    draft.refresh_from_db()
    assert draft.title == "New title"
    assert draft.estimated_budget == Decimal("99.90")
    assert sorted(c.weight for c in draft.criteria.all()) == [Decimal("20.00"), Decimal("80.00")]
    event = audit_log(type="tender.draft_updated")[-1]
    assert event.data["after"]["title"] == "New title"
    assert event.data["before"]["title"] != "New title"


def test_update_draft_refuses_times_out_of_order(draft, buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.tender_update_draft(
            tender=draft, actor=buyer, data={"clarification_deadline": draft.submission_deadline + timedelta(hours=1)}
        )
    assert "clarification_deadline" in caught.value.errors
    draft.refresh_from_db()
    assert draft.clarification_deadline < draft.submission_deadline


def test_published_tender_is_not_edited_as_a_draft(published, buyer):
    with pytest.raises(InvalidState):
        services.tender_update_draft(tender=published, actor=buyer, data={"title": "Sneaky"})
    with pytest.raises(InvalidState):
        services.tender_item_add(tender=published, actor=buyer, data=ITEMS[0])


def test_items_are_added_removed_and_reordered_keeping_numbers_one_to_n(draft, buyer):
    second = services.tender_item_add(
        tender=draft, actor=buyer, data={"description": "Wire", "quantity": 5, "unit": "m"}
    )
    third = services.tender_item_add(
        tender=draft, actor=buyer, data={"description": "Nails", "quantity": "2.5", "unit": "kg"}
    )
    first = draft.items.get(number=1)
    assert (second.number, third.number) == (2, 3)

    services.tender_item_reorder(tender=draft, actor=buyer, order=[third.pk, first.pk, second.pk])
    assert list(draft.items.order_by("number").values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]

    services.tender_item_remove(item=TenderItem.objects.get(pk=first.pk), actor=buyer)
    assert list(draft.items.order_by("number").values_list("pk", "number")) == [(third.pk, 1), (second.pk, 2)]

    updated = services.tender_item_update(
        item=TenderItem.objects.get(pk=second.pk), actor=buyer, data={"quantity": "7"}
    )
    assert updated.quantity == Decimal("7.0000")


def test_reorder_must_list_every_item_once(draft, buyer):
    item = draft.items.get()
    with pytest.raises(ValidationFailed):
        services.tender_item_reorder(tender=draft, actor=buyer, order=[item.pk, item.pk])
    with pytest.raises(ValidationFailed):
        services.tender_item_reorder(tender=draft, actor=buyer, order=[])


def test_item_quantity_must_be_positive(draft, buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.tender_item_add(tender=draft, actor=buyer, data={"description": "x", "quantity": "-1", "unit": "kg"})
    assert "quantity" in caught.value.errors
    assert draft.items.count() == 1


# --- publishing ----------------------------------------------------------------------------------------
def test_publish_sets_state_defaults_opening_time_audits_and_emits_after_commit(
    draft, buyer, audit_log, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        tender = services.tender_publish(tender=draft, actor=buyer)
    assert tender.status == TenderStatus.PUBLISHED
    assert tender.published_at is not None
    assert tender.opening_at == tender.submission_deadline
    assert (tender.version, tender.material_version) == (1, 1)
    assert callbacks, "the event is relayed on commit"
    [event] = outbox("tender.published")
    assert event.payload["tender_id"] == tender.pk
    assert event.company_id == tender.buyer_id
    [record] = audit_log(type="tender.published")
    assert record.data["before"]["status"] == "draft"
    assert record.data["after"]["status"] == "published"


def test_publish_reports_every_problem_at_once_and_writes_nothing(buyer, buyer_company, audit_log, outbox):
    tender = TenderFactory(
        buyer=buyer_company,
        category=None,
        clarification_deadline=timezone.now() - timedelta(hours=1),
        submission_deadline=timezone.now() - timedelta(hours=2),
        items=0,
        criteria=[(CriterionKind.PRICE, "Price", Decimal("50")), (CriterionKind.QUALITY, "Quality", Decimal("40"))],
    )
    with pytest.raises(ValidationFailed) as caught:
        services.tender_publish(tender=tender, actor=buyer)
    errors = caught.value.errors
    assert set(errors) >= {"category", "clarification_deadline", "submission_deadline", "items", "criteria"}
    assert "This time must be in the future." in errors["submission_deadline"]
    assert any("not be after" in message for message in errors["clarification_deadline"])
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT
    assert tender.published_at is None
    assert tender.opening_at is None
    assert outbox("tender.published") == []
    assert audit_log(type="tender.published") == []


def test_publish_requires_exactly_one_price_criterion(buyer, buyer_company, category):
    tender = TenderFactory(
        buyer=buyer_company,
        category=category,
        criteria=[
            (CriterionKind.QUALITY, "Quality", Decimal("60")),
            (CriterionKind.DELIVERY, "Delivery", Decimal("40")),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        services.tender_publish(tender=tender, actor=buyer)
    assert caught.value.errors == {"criteria": ["Price must be exactly one of the criteria."]}


def test_publish_requires_enough_openers_for_a_committee(buyer, buyer_company, category, buyer_admin):
    tender = TenderFactory(buyer=buyer_company, category=category, committee_opening_required=True, committee_quorum=2)
    with pytest.raises(ValidationFailed) as caught:
        services.tender_publish(tender=tender, actor=buyer)
    assert "openers" in caught.value.errors
    services.tender_update_draft(tender=tender, actor=buyer, data={}, openers=[buyer, buyer_admin])
    assert services.tender_publish(tender=tender, actor=buyer).status == TenderStatus.PUBLISHED


def test_openers_must_be_members_of_the_buyer(draft, buyer, supplier_a):
    with pytest.raises(ValidationFailed) as caught:
        services.tender_update_draft(tender=draft, actor=buyer, data={}, openers=[supplier_a])
    assert "openers" in caught.value.errors


def test_publishing_twice_is_refused(published, buyer, outbox):
    with pytest.raises(InvalidState):
        services.tender_publish(tender=published, actor=buyer)
    assert len(outbox("tender.published")) == 1


def test_only_publishers_publish(draft, buyer_company):
    evaluator = member(buyer_company, "evaluator").user
    with pytest.raises(PermissionDenied):
        services.tender_publish(tender=draft, actor=evaluator)


# --- amendments ----------------------------------------------------------------------------------------
def test_extending_the_deadline_is_a_material_amendment_with_a_readable_diff(published, buyer, outbox, audit_log):
    old_deadline = published.submission_deadline
    new_deadline = old_deadline + timedelta(days=7)
    amendment = services.tender_amend(
        tender=published, actor=buyer, reason="Suppliers asked for time.", changes={"submission_deadline": new_deadline}
    )
    published.refresh_from_db()
    assert (published.version, published.material_version) == (2, 2)
    assert published.submission_deadline == new_deadline
    assert published.opening_at == new_deadline, "the opening time follows the deadline it defaulted to"
    assert amendment.version == 2
    assert amendment.material is True
    assert amendment.changed_by == buyer
    assert amendment.diff["fields"]["submission_deadline"] == {
        "before": old_deadline.isoformat(),
        "after": new_deadline.isoformat(),
    }
    assert f"Submission deadline: {old_deadline.isoformat()} → {new_deadline.isoformat()}" in amendment.diff_text
    [event] = outbox("tender.amended")
    assert event.payload["material"] is True
    assert event.payload["version"] == 2
    assert audit_log(type="tender.amended")[-1].data["after"]["version"] == 2


def test_a_non_material_amendment_keeps_the_material_version(published, buyer):
    services.tender_amend(
        tender=published,
        actor=buyer,
        reason="Deadline",
        changes={"submission_deadline": published.submission_deadline + timedelta(days=1)},
    )
    old_title = published.title
    amendment = services.tender_amend(tender=published, actor=buyer, reason="Typo", changes={"title": "Steel rebar"})
    published.refresh_from_db()
    assert amendment.material is False
    assert amendment.diff == {"fields": {"title": {"before": old_title, "after": "Steel rebar"}}}
    assert (published.version, published.material_version) == (3, 2)
    assert list(published.amendments.values_list("version", "material")) == [(2, True), (3, False)]


def test_amending_items_records_added_removed_and_changed_items(published, buyer):
    kept = published.items.get()
    amendment = services.tender_amend(
        tender=published,
        actor=buyer,
        reason="Quantities revised",
        changes={
            "items": [
                {"description": "Cement CP-II 50 kg", "quantity": "40", "unit": "bag"},
                {"id": kept.pk, "quantity": "12"},
            ]
        },
    )
    items = list(published.items.order_by("number"))
    assert [(i.number, i.description, i.quantity) for i in items] == [
        (1, "Cement CP-II 50 kg", Decimal("40.0000")),
        (2, kept.description, Decimal("12.0000")),
    ]
    assert items[1].pk == kept.pk
    assert amendment.material is True
    changes = amendment.diff["items"]
    assert changes["added"][0]["description"] == "Cement CP-II 50 kg"
    assert changes["changed"][0]["changes"]["quantity"] == {"before": "10.0000", "after": "12.0000"}
    assert changes["changed"][0]["changes"]["number"] == {"before": 1, "after": 2}
    assert "Added item 1 'Cement CP-II 50 kg': 40.0000 bag" in amendment.diff_text

    removal = services.tender_amend(
        tender=published, actor=buyer, reason="Cement dropped", changes={"items": [{"id": kept.pk}]}
    )
    assert removal.diff["items"]["removed"][0]["description"] == "Cement CP-II 50 kg"
    assert list(published.items.values_list("pk", "number")) == [(kept.pk, 1)]


def test_amending_criteria_is_material_and_must_stay_valid(published, buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.tender_amend(
            tender=published, actor=buyer, reason="x", changes={"criteria": [{"kind": "price", "weight": "90"}]}
        )
    assert "criteria" in caught.value.errors
    assert not Amendment.objects.exists()
    assert TenderCriterion.objects.filter(tender=published).count() == 3

    amendment = services.tender_amend(
        tender=published,
        actor=buyer,
        reason="Price matters most",
        changes={"criteria": [{"kind": "price", "weight": "100"}]},
    )
    assert amendment.material is True
    assert "Criteria:" in amendment.diff_text
    assert list(published.criteria.values_list("kind", "weight")) == [("price", Decimal("100.00"))]


def test_an_amendment_with_an_invalid_deadline_writes_nothing(published, buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.tender_amend(
            tender=published,
            actor=buyer,
            reason="x",
            changes={"submission_deadline": timezone.now() - timedelta(minutes=1), "title": "Changed"},
        )
    assert "submission_deadline" in caught.value.errors
    published.refresh_from_db()
    assert published.version == 1
    assert published.title != "Changed"


def test_amendment_needs_a_reason_a_change_and_amendable_fields(published, buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.tender_amend(tender=published, actor=buyer, reason="", changes={"title": "x"})
    assert "reason" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        services.tender_amend(tender=published, actor=buyer, reason="r", changes={"currency": "USD"})
    assert "currency" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        services.tender_amend(tender=published, actor=buyer, reason="r", changes={"title": published.title})
    assert caught.value.errors == {"changes": ["Nothing would change."]}


def test_drafts_and_tenders_past_their_deadline_are_not_amended(published, buyer, buyer_company):
    another_draft = TenderFactory(buyer=buyer_company)
    with pytest.raises(InvalidState):
        services.tender_amend(tender=another_draft, actor=buyer, reason="r", changes={"title": "x"})
    with pytest.raises(InvalidState):
        services.tender_amend(
            tender=published, actor=buyer, reason="r", changes={"title": "x"}, now=published.submission_deadline
        )


# --- cancelling ----------------------------------------------------------------------------------------
def test_cancel_records_the_reason_and_emits(published, buyer, outbox, audit_log):
    tender = services.tender_cancel(tender=published, actor=buyer, reason="Budget cut")
    assert tender.status == TenderStatus.CANCELLED
    assert tender.cancel_reason == "Budget cut"
    assert tender.cancelled_at is not None
    [event] = outbox("tender.cancelled")
    assert event.payload == {
        "tender_id": tender.pk,
        "number": tender.number,
        "reason": "Budget cut",
        "previous_status": "published",
        "was_published": True,
    }
    record = audit_log(type="tender.cancelled")[-1]
    assert (record.data["before"]["status"], record.data["after"]["status"]) == ("published", "cancelled")


def test_cancel_needs_a_reason_and_a_cancellable_state(published, buyer):
    with pytest.raises(ValidationFailed):
        services.tender_cancel(tender=published, actor=buyer, reason=" ")
    services.tender_cancel(tender=published, actor=buyer, reason="r")
    with pytest.raises(InvalidState):
        services.tender_cancel(tender=published, actor=buyer, reason="again")


def test_staff_cancel_through_the_back_office_only(published, staff, buyer):
    with pytest.raises(PermissionDenied):
        services.tender_cancel(tender=published, actor=staff, reason="complaint")
    assert (
        services.tender_cancel(tender=published, actor=staff, reason="complaint", as_staff=True).status == "cancelled"
    )
    with pytest.raises(PermissionDenied):
        services.tender_cancel(tender=published, actor=buyer, reason="x", as_staff=True)


# --- closing and the outcome ---------------------------------------------------------------------------
def test_close_happens_only_at_the_deadline_and_once(published, outbox, audit_log):
    deadline = published.submission_deadline
    assert services.tender_close(tender=published, now=deadline - timedelta(seconds=1)) is False
    assert services.tender_close(tender=published, now=deadline) is True
    assert services.tender_close(tender=published, now=deadline + timedelta(minutes=1)) is False
    published.refresh_from_db()
    assert published.status == TenderStatus.CLOSED
    assert published.closed_at == deadline
    assert len(outbox("tender.closed")) == 1
    assert len(audit_log(type="tender.closed")) == 1


def test_opening_awarding_and_unsuccessful_follow_the_lifecycle(published, buyer, outbox):
    with pytest.raises(InvalidState):
        services.tender_mark_opened(tender=published)
    services.tender_close(tender=published, now=published.submission_deadline)
    opened = services.tender_mark_opened(tender=published)
    assert opened.status == TenderStatus.OPENED
    assert opened.opened_at is not None
    awarded = services.tender_mark_awarded(tender=opened)
    assert awarded.status == TenderStatus.AWARDED
    with pytest.raises(InvalidState):
        services.tender_cancel(tender=awarded, actor=buyer, reason="too late")
    with pytest.raises(InvalidState):
        services.tender_mark_unsuccessful(tender=awarded, reason="x")


def test_declaring_unsuccessful_records_why(published, buyer, outbox):
    services.tender_close(tender=published, now=published.submission_deadline)
    tender = services.tender_mark_unsuccessful(tender=published, reason="No valid quote", actor=buyer)
    assert tender.status == TenderStatus.UNSUCCESSFUL
    assert tender.unsuccessful_reason == "No valid quote"
    assert outbox("tender.unsuccessful")[0].payload["reason"] == "No valid quote"


# --- clarifications ------------------------------------------------------------------------------------
def test_a_supplier_asks_and_the_event_does_not_name_it(published, supplier_a, supplier_a_company, outbox):
    clarification = services.clarification_ask(
        tender=published, actor=supplier_a, company=supplier_a_company, question="Is CA-60 accepted?"
    )
    assert clarification.asked_by_company == supplier_a_company
    assert clarification.published is False
    [event] = outbox("clarification.asked")
    assert event.payload == {
        "clarification_id": clarification.pk,
        "tender_id": published.pk,
        "number": published.number,
    }
    assert event.company_id == published.buyer_id


def test_questions_after_the_clarification_deadline_are_refused(published, supplier_a, supplier_a_company):
    with pytest.raises(InvalidState):
        services.clarification_ask(
            tender=published,
            actor=supplier_a,
            company=supplier_a_company,
            question="Late?",
            now=published.clarification_deadline,
        )
    assert not Clarification.objects.exists()


def test_a_supplier_that_cannot_see_the_tender_cannot_ask(published, outsider, outsider_company):
    with pytest.raises(NotFound):
        services.clarification_ask(tender=published, actor=outsider, company=outsider_company, question="Hello?")


def test_the_buyer_answers_once_and_the_answer_is_published(published, buyer, supplier_a, supplier_a_company, outbox):
    clarification = services.clarification_ask(
        tender=published, actor=supplier_a, company=supplier_a_company, question="Is CA-60 accepted?"
    )
    answered = services.clarification_answer(clarification=clarification, actor=buyer, answer="No, CA-50 only.")
    assert answered.published is True
    assert answered.answer == "No, CA-50 only."
    assert answered.answered_by == buyer
    assert outbox("clarification.answered")[0].payload["clarification_id"] == clarification.pk
    with pytest.raises(InvalidState):
        services.clarification_answer(clarification=clarification, actor=buyer, answer="Changed my mind")


def test_suppliers_cannot_answer(published, supplier_a, supplier_a_company, supplier_b):
    clarification = services.clarification_ask(
        tender=published, actor=supplier_a, company=supplier_a_company, question="?"
    )
    with pytest.raises(PermissionDenied):
        services.clarification_answer(clarification=clarification, actor=supplier_b, answer="I know!")


# --- invitations ---------------------------------------------------------------------------------------
def test_inviting_to_a_draft_announces_the_invitation_only_at_publishing(draft, buyer, supplier_a_company, outbox):
    invitation = services.invitation_create(tender=draft, actor=buyer, supplier=supplier_a_company)
    assert invitation.status == InvitationStatus.PENDING
    assert outbox("tender.invitation_created") == []
    services.tender_publish(tender=draft, actor=buyer)
    [event] = outbox("tender.invitation_created")
    assert event.payload["invitation_id"] == invitation.pk
    assert event.payload["supplier_id"] == supplier_a_company.pk


def test_inviting_to_a_published_tender_announces_at_once(published, buyer, outbox):
    invitation = services.invitation_create(tender=published, actor=buyer, email=" Sales@NewSupplier.example ")
    assert invitation.email == "sales@newsupplier.example"
    assert invitation.supplier is None
    assert outbox("tender.invitation_created")[0].payload["email"] == "sales@newsupplier.example"


def test_invitations_are_checked(published, buyer, buyer_company, supplier_a_company):
    services.invitation_create(tender=published, actor=buyer, supplier=supplier_a_company)
    with pytest.raises(ValidationFailed):
        services.invitation_create(tender=published, actor=buyer, supplier=supplier_a_company)
    with pytest.raises(ValidationFailed):
        services.invitation_create(tender=published, actor=buyer, supplier=buyer_company)
    with pytest.raises(ValidationFailed):
        services.invitation_create(tender=published, actor=buyer)
    with pytest.raises(ValidationFailed):
        services.invitation_create(tender=published, actor=buyer, supplier=supplier_a_company, email="x@example.com")
    assert TenderInvitation.objects.count() == 1


def test_an_invited_supplier_declines_with_a_reason(published, buyer, supplier_a, supplier_a_company, outbox):
    invitation = services.invitation_create(tender=published, actor=buyer, supplier=supplier_a_company)
    with pytest.raises(ValidationFailed):
        services.invitation_decline(invitation=invitation, actor=supplier_a, company=supplier_a_company, reason="")
    declined = services.invitation_decline(
        invitation=invitation, actor=supplier_a, company=supplier_a_company, reason="No stock until June"
    )
    assert declined.status == InvitationStatus.DECLINED
    assert declined.decline_reason == "No stock until June"
    assert declined.responded_at is not None
    assert outbox("tender.invitation_declined")[0].payload["invitation_id"] == invitation.pk
    with pytest.raises(InvalidState):
        services.invitation_decline(invitation=invitation, actor=supplier_a, company=supplier_a_company, reason="again")
    accepted = services.invitation_accept(invitation=invitation, actor=supplier_a, company=supplier_a_company)
    assert accepted.status == InvitationStatus.ACCEPTED


def test_only_the_invited_company_answers_an_invitation(
    published, buyer, supplier_a_company, supplier_b, supplier_b_company
):
    invitation = services.invitation_create(tender=published, actor=buyer, supplier=supplier_a_company)
    with pytest.raises(NotFound):
        services.invitation_decline(invitation=invitation, actor=supplier_b, company=supplier_b_company, reason="x")


def test_an_email_invitation_is_answered_by_the_company_of_that_person(published, buyer):
    invitation = services.invitation_create(tender=published, actor=buyer, email="joana@novo.example")
    company = CompanyFactory(kind="supplier")
    joana = member(company, "supplier_rep", email="joana@novo.example").user
    declined = services.invitation_decline(invitation=invitation, actor=joana, company=company, reason="Not our field")
    assert declined.status == InvitationStatus.DECLINED


# --- documents -----------------------------------------------------------------------------------------
def test_a_document_is_stored_with_its_hash_and_replaced_versions_stay(draft, buyer):
    first = services.document_upload(
        tender=draft, actor=buyer, upload=SimpleUploadedFile("spec.pdf", PDF, "application/pdf"), title="Spec"
    )
    assert first.number == 1
    assert first.size == len(PDF)
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.content_type == "application/pdf"
    assert first.uploaded_by == buyer
    replacement = PDF + b"% revised\n"
    second = services.document_upload(
        tender=draft,
        actor=buyer,
        upload=SimpleUploadedFile("spec-v2.pdf", replacement, "application/pdf"),
        document=first.document,
        note="Revised",
    )
    document = TenderDocument.objects.get()
    assert document.current_version == 2
    assert list(document.versions.order_by("number").values_list("number", "filename")) == [
        (1, "spec.pdf"),
        (2, "spec-v2.pdf"),
    ]
    with first.file.open("rb") as handle:
        assert handle.read() == PDF, "the replaced file is kept"
    with second.file.open("rb") as handle:
        assert handle.read() == replacement


def test_a_file_whose_content_does_not_match_its_type_is_refused(draft, buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(
            tender=draft, actor=buyer, upload=SimpleUploadedFile("spec.pdf", b"MZ\x90\x00binary", "application/pdf")
        )
    assert "file" in caught.value.errors
    with pytest.raises(ValidationFailed):
        services.document_upload(tender=draft, actor=buyer, upload=SimpleUploadedFile("tool.exe", b"MZ", "x"))
    assert not TenderDocument.objects.exists()
    assert not TenderDocumentVersion.objects.exists()


def test_files_over_the_size_limit_are_refused(draft, buyer, settings):
    settings.TENDERS_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(tender=draft, actor=buyer, upload=SimpleUploadedFile("a.txt", b"more than ten bytes"))
    assert "limit" in caught.value.errors["file"][0]


def test_a_document_added_to_a_published_tender_is_an_amendment(published, buyer, outbox):
    upload = SimpleUploadedFile("addendum.pdf", PDF, "application/pdf")
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(tender=published, actor=buyer, upload=upload, title="Addendum")
    assert "reason" in caught.value.errors
    assert not TenderDocument.objects.exists()
    services.document_upload(
        tender=published, actor=buyer, upload=upload, title="Addendum", reason="Drawings added", material=True
    )
    amendment = published.amendments.get()
    assert amendment.material is True
    assert amendment.diff == {
        "documents": {
            "added": [
                {"id": TenderDocument.objects.get().pk, "title": "Addendum", "version": 1, "filename": "addendum.pdf"}
            ]
        }
    }
    assert "Added document 'Addendum' (addendum.pdf)" in amendment.diff_text
    assert outbox("tender.amended")[0].payload["material"] is True


def test_document_upload_needs_the_edit_role(draft):
    evaluator = member(draft.buyer, "evaluator").user
    with pytest.raises(PermissionDenied):
        services.document_upload(tender=draft, actor=evaluator, upload=SimpleUploadedFile("a.txt", b"hello"))


def test_an_api_key_actor_leaves_user_columns_empty(buyer_company, category):
    from accounts.principals import ApiKeyPrincipal
    from accounts.tests.factories import ApiKeyFactory

    key = ApiKeyFactory(company=buyer_company, scopes=["tenders:read", "tenders:write"])
    principal = ApiKeyPrincipal(key)
    tender = services.tender_create(
        actor=principal, buyer=buyer_company, data=draft_data(category=category), items=ITEMS
    )
    tender = services.tender_publish(tender=tender, actor=principal)
    amendment = services.tender_amend(tender=tender, actor=principal, reason="r", changes={"title": "By key"})
    assert tender.created_by is None
    assert amendment.changed_by is None
    assert amendment.changed_by_label == f"api-key:{key.prefix}"
