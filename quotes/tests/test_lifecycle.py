"""The whole life of a tender and its quotes, through the services and the beat tasks, on a moving clock:
draft -> publish -> clarification -> quote revisions -> material amendment needing confirmation ->
deadline -> close and open by beat -> comparison -> scoring -> split award."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from companies.tests.factories import member
from cotai.exceptions import InvalidState
from quotes import receipts, selectors, services
from quotes import tasks as quote_tasks
from quotes.choices import QuoteStatus
from quotes.models import Award, TenderOpening
from tenders import services as tender_services
from tenders import tasks as tender_tasks
from tenders.choices import TenderStatus

pytestmark = pytest.mark.django_db
D = Decimal


def _lines(tender, prices, quantities=None):
    items = list(tender.items.order_by("number"))
    quantities = quantities or [item.quantity for item in items]
    return [
        {"item": item.pk, "unit_price": price, "quantity": quantity}
        for item, price, quantity in zip(items, prices, quantities, strict=True)
    ]


def test_tender_from_draft_to_split_award(
    market, buyer, buyer_company, supplier_a, supplier_a_company, supplier_b, supplier_b_company, outbox
):
    start = timezone.now().replace(microsecond=0)
    deadline = start + timedelta(days=7)
    with time_machine.travel(start, tick=False) as clock:
        # The buyer drafts and publishes a tender with two items and three criteria.
        tender = tender_services.tender_create(
            actor=buyer,
            buyer=buyer_company,
            data={
                "title": "Office chairs and desks",
                "currency": "BRL",
                "category": market,
                "clarification_deadline": start + timedelta(days=3),
                "submission_deadline": deadline,
            },
            items=[
                {"description": "Ergonomic chair", "quantity": "3", "unit": "pc"},
                {"description": "Standing desk", "quantity": "2", "unit": "pc"},
            ],
            criteria=[
                {"kind": "price", "name": "Price", "weight": "60"},
                {"kind": "delivery", "name": "Delivery", "weight": "25"},
                {"kind": "quality", "name": "Quality", "weight": "15"},
            ],
        )
        tender = tender_services.tender_publish(tender=tender, actor=buyer)
        chair, desk = tender.items.order_by("number")

        # A supplier asks, the buyer answers.
        question = tender_services.clarification_ask(
            tender=tender, actor=supplier_a, company=supplier_a_company, question="Is a mesh back accepted?"
        )
        tender_services.clarification_answer(clarification=question, actor=buyer, answer="Yes.")

        # Supplier A submits, then revises; supplier B submits once.
        quote_a = services.quote_create(
            tender=tender,
            supplier=supplier_a_company,
            actor=supplier_a,
            data={"delivery_days": 10, "lines": _lines(tender, ["33.3333", "1200"])},
        )
        first = services.quote_submit(quote=quote_a, actor=supplier_a)
        clock.shift(timedelta(days=1))
        second = services.quote_submit(
            quote=quote_a, actor=supplier_a, data={"lines": _lines(tender, ["31.50", "1150"])}
        )
        assert (first.number, second.number) == (1, 2)
        assert first.total == D("2500.00")  # 3 x 33.3333 = 99.9999 -> 100.00; 2 x 1200
        assert second.total == D("2394.50")
        quote_b = services.quote_create(
            tender=tender,
            supplier=supplier_b_company,
            actor=supplier_b,
            data={"delivery_days": 4, "lines": _lines(tender, ["29.90", "1300"])},
        )
        receipt_b = services.quote_submit(quote=quote_b, actor=supplier_b)

        # A material amendment (a later delivery date) asks both to confirm; A confirms, B revises.
        clock.shift(timedelta(days=1))
        tender_services.tender_amend(
            tender=tender,
            actor=buyer,
            reason="Delivery to the new office",
            changes={"delivery_place": "Rua Nova, 100"},
        )
        tender.refresh_from_db()
        quote_a.refresh_from_db()
        quote_b.refresh_from_db()
        assert services.needs_confirmation(quote_a, tender)
        assert services.needs_confirmation(quote_b, tender)
        services.quote_confirm(quote=quote_a, actor=supplier_a)
        receipt_b = services.quote_submit(
            quote=quote_b, actor=supplier_b, data={"lines": _lines(tender, ["29.90", "1090"])}
        )
        assert receipt_b.number == 2

        # Before the deadline nothing opens; the buyer cannot compare.
        assert quote_tasks.open_due_tenders() == 0
        with pytest.raises(InvalidState, match="sealed"):
            selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)

        # One second after the deadline: B's late change is refused; beat closes and opens.
        clock.move_to(deadline + timedelta(seconds=1))
        with pytest.raises(InvalidState, match="deadline"):
            services.quote_submit(quote=quote_b, actor=supplier_b, data={"lines": _lines(tender, ["1", "1"])})
        assert tender_tasks.close_due_tenders() == 1
        assert quote_tasks.open_due_tenders() == 1
        assert quote_tasks.open_due_tenders() == 0

    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED
    opening = TenderOpening.objects.get(tender=tender)
    opened = {entry.quote_id: entry for entry in opening.entries.all()}
    assert opened[quote_a.pk].revision_number == 2
    assert opened[quote_b.pk].revision_number == 2
    # Each supplier was told the hash of what was opened, and it is the hash of what it sent.
    for event in outbox("quotes.opened"):
        entry = opened[event.payload["quote_id"]]
        assert event.payload["content_sha256"] == entry.content_sha256
        assert receipts.matches(entry.revision.content, event.payload["content_sha256"])

    # Comparison: per item the lowest marked, totals, scores.
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    by_quote = {entry.quote.pk: entry for entry in comparison.quotes}
    chair_row, desk_row = comparison.rows
    assert chair_row.lowest_unit_price == D("29.9000")
    assert desk_row.lowest_unit_price == D("1090.0000")
    assert by_quote[quote_a.pk].total == D("2394.50")
    assert by_quote[quote_b.pk].total == D("2269.70")  # 89.70 + 2180.00

    evaluator = member(buyer_company, "evaluator").user
    delivery = tender.criteria.get(kind="delivery")
    quality = tender.criteria.get(kind="quality")
    services.score_set(quote=quote_a, criterion=delivery, actor=evaluator, score="6")
    services.score_set(quote=quote_a, criterion=quality, actor=evaluator, score="9", comment="Solid build")
    services.score_set(quote=quote_b, criterion=delivery, actor=evaluator, score="9")
    services.score_set(quote=quote_b, criterion=quality, actor=evaluator, score="7")
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    by_quote = {entry.quote.pk: entry for entry in comparison.quotes}
    # A: 2269.70 / 2394.50 x 60 = 56.87; + 15.00 + 13.50 = 85.37. B: 60 + 22.50 + 10.50 = 93.00.
    assert by_quote[quote_a.pk].weighted_total == D("85.37")
    assert by_quote[quote_b.pk].weighted_total == D("93.00")
    assert (by_quote[quote_b.pk].rank, by_quote[quote_a.pk].rank) == (1, 2)

    # Split award: the chairs to B (cheapest); the desks to A, whose build the evaluators rated higher.
    services.quote_shortlist(quote=quote_a, actor=buyer)
    awards = services.award_make(
        tender=tender,
        actor=buyer,
        awards=[{"quote": quote_b, "items": [chair.pk]}, {"quote": quote_a, "items": [desk.pk]}],
        note="Chairs by price; desks by build quality.",
    )
    assert {(award.quote_id, award.item_id, award.amount) for award in awards} == {
        (quote_b.pk, chair.pk, D("89.70")),
        (quote_a.pk, desk.pk, D("2300.00")),
    }
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED
    quote_a.refresh_from_db()
    quote_b.refresh_from_db()
    assert (quote_a.status, quote_b.status) == (QuoteStatus.AWARDED, QuoteStatus.AWARDED)
    assert Award.objects.filter(tender=tender).count() == 2
    outcomes = {event.company_id: event.payload["outcome"] for event in outbox("award.made")}
    assert outcomes[supplier_a_company.pk] == outcomes[supplier_b_company.pk] == "awarded"
