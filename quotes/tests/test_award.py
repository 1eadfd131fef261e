"""Award: whole or split, only to opened, valid quotes; the tender becomes awarded; everyone is told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from companies.tests.factories import member
from cotai.exceptions import InvalidState, PermissionDenied, ValidationFailed
from quotes import services
from quotes.choices import QuoteStatus
from quotes.models import Award, Quote
from quotes.tests.factories import open_now, submitted_quote
from tenders.choices import TenderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(tender, supplier_a, supplier_a_company, supplier_b, supplier_b_company):
    """A: item 1 at 10, item 2 at 30 (total 400); B: item 1 at 12, item 2 at 20 (total 320)."""
    quote_a = submitted_quote(tender, supplier_a_company, supplier_a, prices=["10", "30"])
    quote_b = submitted_quote(tender, supplier_b_company, supplier_b, prices=["12", "20"])
    open_now(tender)
    quote_a.refresh_from_db()
    quote_b.refresh_from_db()
    return tender, quote_a, quote_b


def test_whole_tender_to_one_quote(opened, buyer, outbox, audit_log):
    tender, quote_a, quote_b = opened
    [award] = services.award_make(tender=tender, actor=buyer, awards=[{"quote": quote_b}], note="Lowest total")
    assert (award.item, award.amount, award.currency) == (None, Decimal("320.00"), "BRL")
    tender.refresh_from_db()
    quote_a.refresh_from_db()
    quote_b.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED
    assert quote_b.status == QuoteStatus.AWARDED
    assert quote_a.status == QuoteStatus.REJECTED
    assert quote_a.decision_reason.startswith("Not awarded")
    events = {(event.payload["audience"], event.company_id): event.payload for event in outbox("award.made")}
    assert events[("buyer", tender.buyer_id)]["amount"] == "320.00"
    assert events[("supplier", quote_b.supplier_id)]["outcome"] == "awarded"
    assert events[("supplier", quote_a.supplier_id)]["outcome"] == "not_awarded"
    assert events[("supplier", quote_a.supplier_id)]["award_ids"] == []
    [record] = audit_log(type="award.made")
    assert record.data["after"]["total"] == "320.00"


def test_split_award_gives_items_to_different_suppliers(opened, buyer):
    tender, quote_a, quote_b = opened
    item1, item2 = tender.items.order_by("number")
    awards = services.award_make(
        tender=tender,
        actor=buyer,
        awards=[{"quote": quote_a.pk, "items": [item1.pk]}, {"quote": quote_b.pk, "items": [item2.pk]}],
    )
    assert {(award.quote_id, award.item_id, award.amount) for award in awards} == {
        (quote_a.pk, item1.pk, Decimal("100.00")),
        (quote_b.pk, item2.pk, Decimal("200.00")),
    }
    assert set(Quote.objects.values_list("status", flat=True)) == {QuoteStatus.AWARDED}


def test_an_item_goes_to_one_quote_only(opened, buyer):
    tender, quote_a, quote_b = opened
    item1 = tender.items.order_by("number").first()
    with pytest.raises(ValidationFailed) as caught:
        services.award_make(
            tender=tender,
            actor=buyer,
            awards=[{"quote": quote_a, "items": [item1.pk]}, {"quote": quote_b, "items": [item1.pk]}],
        )
    assert "more than once" in caught.value.errors["awards.1.items"][0]
    assert not Award.objects.exists()


def test_no_award_to_a_withdrawn_or_sealed_quote(
    tender, buyer, supplier_a, supplier_a_company, supplier_b, supplier_b_company
):
    withdrawn = submitted_quote(tender, supplier_a_company, supplier_a)
    services.quote_withdraw(quote=withdrawn, actor=supplier_a)
    submitted_quote(tender, supplier_b_company, supplier_b)
    with pytest.raises(InvalidState, match="opened tender"):
        services.award_make(tender=tender, actor=buyer, awards=[{"quote": withdrawn}])  # still sealed
    open_now(tender)
    with pytest.raises(ValidationFailed) as caught:
        services.award_make(tender=tender, actor=buyer, awards=[{"quote": withdrawn}])
    assert "withdrawn" in caught.value.errors["awards.0.quote"][0]
    assert not Award.objects.exists()


def test_no_award_to_an_expired_or_rejected_quote(opened, buyer):
    tender, quote_a, quote_b = opened
    Quote.objects.filter(pk=quote_a.pk).update(validity_date=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationFailed, match="not valid") as caught:
        services.award_make(tender=tender, actor=buyer, awards=[{"quote": quote_a}])
    assert "expired" in caught.value.errors["awards.0.quote"][0]
    services.quote_reject(quote=quote_b, actor=buyer, reason="Incomplete documents")
    with pytest.raises(ValidationFailed) as caught:
        services.award_make(tender=tender, actor=buyer, awards=[{"quote": quote_b}])
    assert "rejected" in caught.value.errors["awards.0.quote"][0]
    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED


def test_an_item_the_quote_did_not_offer_cannot_be_awarded_to_it(
    market, buyer, buyer_company, supplier_a, supplier_a_company
):
    from quotes.tests.factories import published_tender

    tender = published_tender(buyer_company, market, items=2, allow_partial_quotes=True)
    quote = submitted_quote(tender, supplier_a_company, supplier_a, prices=["10"])
    open_now(tender)
    item2 = tender.items.get(number=2)
    with pytest.raises(ValidationFailed) as caught:
        services.award_make(tender=tender, actor=buyer, awards=[{"quote": quote, "items": [item2.pk]}])
    assert "no price for item 2" in caught.value.errors["awards.0.items"][0]


def test_award_needs_award_make(opened, buyer_company):
    tender, quote_a, _ = opened
    evaluator = member(buyer_company, "evaluator").user
    with pytest.raises(PermissionDenied):
        services.award_make(tender=tender, actor=evaluator, awards=[{"quote": quote_a}])


def test_a_tender_is_awarded_once(opened, buyer):
    tender, quote_a, quote_b = opened
    services.award_make(tender=tender, actor=buyer, awards=[{"quote": quote_a}])
    with pytest.raises(InvalidState, match="awarded"):
        services.award_make(tender=tender, actor=buyer, awards=[{"quote": quote_b}])
    assert Award.objects.count() == 1
