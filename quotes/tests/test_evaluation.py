"""Evaluation: the comparison of opened quotes, deviations, scores, ranking, shortlist and reject."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.principals import ApiKeyPrincipal
from companies.tests.factories import CompanyFactory, member
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from quotes import exports, selectors, services
from quotes.choices import QuoteStatus
from quotes.models import Quote
from quotes.tests.factories import open_now, published_tender, submitted_quote
from tenders.choices import CriterionKind

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def evaluator(buyer_company):
    return member(buyer_company, "evaluator").user


@pytest.fixture
def opened(tender, supplier_a, supplier_a_company, supplier_b, supplier_b_company):
    """Two opened quotes: A 10+20 per piece (total 300), B 12+15 with a short quantity on item 2."""
    quote_a = submitted_quote(tender, supplier_a_company, supplier_a, prices=["10", "20"], delivery_days=5)
    tender.allow_partial_quotes = True
    tender.save(update_fields=["allow_partial_quotes"])
    item1, item2 = tender.items.order_by("number")
    quote_b = services.quote_create(
        tender=tender,
        supplier=supplier_b_company,
        actor=supplier_b,
        data={
            "delivery_days": 3,
            "lines": [
                {"item": item1.pk, "unit_price": "12", "quantity": "10"},
                {"item": item2.pk, "unit_price": "15", "quantity": "8"},
            ],
        },
    )
    services.quote_submit(quote=quote_b, actor=supplier_b)
    open_now(tender)
    quote_a.refresh_from_db()
    quote_b.refresh_from_db()
    return tender, quote_a, quote_b


def _entry(comparison, quote):
    return next(entry for entry in comparison.quotes if entry.quote.pk == quote.pk)


def test_comparison_marks_the_lowest_price_per_item_and_deviations(opened, buyer, buyer_company):
    tender, quote_a, quote_b = opened
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    row1, row2 = comparison.rows
    assert row1.lowest_unit_price == D("10.0000")
    assert [cell.is_lowest for cell in row1.cells] == [True, False]
    assert row2.lowest_unit_price == D("15.0000")
    assert [cell.is_lowest for cell in row2.cells] == [False, True]
    assert _entry(comparison, quote_a).deviations == []
    [short] = _entry(comparison, quote_b).deviations
    assert (short.code, short.items) == ("short_quantity", [2])
    assert row2.cells[1].short_quantity


def test_comparison_reports_missing_items_expired_validity_and_unconfirmed(
    market, buyer, buyer_company, supplier_a, supplier_a_company
):
    tender = published_tender(buyer_company, market, items=2, allow_partial_quotes=True)
    quote = submitted_quote(tender, supplier_a_company, supplier_a, prices=["10"])
    open_now(tender)
    Quote.objects.filter(pk=quote.pk).update(validity_date=timezone.localdate() - timedelta(days=1))
    type(tender).objects.filter(pk=tender.pk).update(version=2, material_version=2)
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    codes = [deviation.code for deviation in comparison.quotes[0].deviations]
    assert codes == ["missing_items", "validity_expired", "not_confirmed"]
    assert comparison.quotes[0].deviations[0].items == [2]


def test_price_score_is_lowest_over_this_times_weight_and_ranking_follows(opened, buyer, buyer_company, evaluator):
    tender, quote_a, quote_b = opened
    # Criteria: price 70, delivery 20, warranty 10. Totals: A 300.00, B 240.00.
    delivery = tender.criteria.get(kind=CriterionKind.DELIVERY)
    warranty = tender.criteria.get(kind=CriterionKind.WARRANTY)
    services.score_set(quote=quote_a, criterion=delivery, actor=evaluator, score="10", comment="fast")
    services.score_set(quote=quote_a, criterion=warranty, actor=evaluator, score="10")
    services.score_set(quote=quote_b, criterion=delivery, actor=evaluator, score="5")
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    a, b = _entry(comparison, quote_a), _entry(comparison, quote_b)
    assert comparison.lowest_total == D("240.00")
    assert b.price_points == D("70.00")
    assert a.price_points == D("56.00")  # 240 / 300 x 70
    assert a.weighted_total == D("86.00")  # 56 + 20 + 10
    assert b.weighted_total == D("80.00")  # 70 + 10 (warranty not scored yet)
    assert (a.scoring_complete, b.scoring_complete) == (True, False)
    assert (a.rank, b.rank) == (1, 2)


def test_scores_of_several_evaluators_are_averaged(opened, buyer, buyer_company, evaluator, buyer_admin):
    tender, quote_a, _quote_b = opened
    delivery = tender.criteria.get(kind=CriterionKind.DELIVERY)
    services.score_set(quote=quote_a, criterion=delivery, actor=evaluator, score="8")
    services.score_set(quote=quote_a, criterion=delivery, actor=buyer_admin, score="7")
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    entry = _entry(comparison, quote_a)
    assert entry.criterion_scores[delivery.pk] == D("7.50")
    assert entry.criterion_points[delivery.pk] == D("15.00")


def test_rescoring_replaces_the_evaluators_score_and_audits_before_after(opened, evaluator, audit_log):
    tender, quote_a, _ = opened
    delivery = tender.criteria.get(kind=CriterionKind.DELIVERY)
    services.score_set(quote=quote_a, criterion=delivery, actor=evaluator, score="4")
    services.score_set(quote=quote_a, criterion=delivery, actor=evaluator, score="6", comment="on reflection")
    assert quote_a.scores.get().score == D("6.00")
    last = audit_log(type="evaluation.scored")[-1]
    assert (last.data["before"]["score"], last.data["after"]["score"]) == ("4.00", "6")


@pytest.mark.parametrize("score", ["10.5", "-1", "1.234"])
def test_scores_outside_0_to_10_are_refused(opened, evaluator, score):
    tender, quote_a, _ = opened
    with pytest.raises(ValidationFailed):
        services.score_set(
            quote=quote_a, criterion=tender.criteria.get(kind=CriterionKind.DELIVERY), actor=evaluator, score=score
        )


def test_the_price_criterion_cannot_be_scored_by_hand(opened, evaluator):
    tender, quote_a, _ = opened
    with pytest.raises(ValidationFailed, match="not valid") as caught:
        services.score_set(quote=quote_a, criterion=tender.criteria.get(kind="price"), actor=evaluator, score="10")
    assert "computed" in caught.value.errors["criterion"][0]


def test_a_buyer_without_evaluation_score_and_api_keys_cannot_score(opened, buyer, buyer_company):
    tender, quote_a, _ = opened
    criterion = tender.criteria.get(kind=CriterionKind.DELIVERY)
    with pytest.raises(PermissionDenied):
        services.score_set(quote=quote_a, criterion=criterion, actor=buyer, score="5")
    from accounts.models import ApiKey

    key = ApiKey(company=buyer_company, name="erp", prefix="abc", secret_hash="0" * 64, scopes=["quotes:write"])
    with pytest.raises(PermissionDenied):
        services.score_set(quote=quote_a, criterion=criterion, actor=ApiKeyPrincipal(key), score="5")


def test_sealed_quotes_cannot_be_compared_or_scored(tender, buyer, buyer_company, supplier_a, supplier_a_company):
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    with pytest.raises(InvalidState, match="sealed"):
        selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    evaluator = member(buyer_company, "evaluator").user
    with pytest.raises(NotFound):
        services.score_set(
            quote=quote, criterion=tender.criteria.get(kind=CriterionKind.DELIVERY), actor=evaluator, score="5"
        )


def test_other_companies_get_not_found_for_the_comparison(opened, supplier_a, supplier_a_company, outsider):
    tender, *_ = opened
    with pytest.raises(NotFound):
        selectors.comparison_for(actor=supplier_a, company=supplier_a_company, tender_pk=tender.pk)


def test_shortlist_and_reject_with_reason(opened, buyer, audit_log, outbox):
    _tender, quote_a, quote_b = opened
    services.quote_shortlist(quote=quote_a, actor=buyer)
    with pytest.raises(ValidationFailed):
        services.quote_reject(quote=quote_b, actor=buyer, reason="  ")
    services.quote_reject(quote=quote_b, actor=buyer, reason="Short quantity on item 2.")
    quote_a.refresh_from_db()
    quote_b.refresh_from_db()
    assert quote_a.status == QuoteStatus.SHORTLISTED
    assert (quote_b.status, quote_b.decision_reason) == (QuoteStatus.REJECTED, "Short quantity on item 2.")
    assert audit_log(type="quote.rejected")[0].data["after"]["reason"] == "Short quantity on item 2."
    assert len(outbox("quote.rejected")) == 1


def test_rejected_quotes_take_no_part_in_lowest_price_or_ranking(opened, buyer, buyer_company):
    tender, quote_a, quote_b = opened
    services.quote_reject(quote=quote_b, actor=buyer, reason="Short quantity.")
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    assert comparison.lowest_total == D("300.00")
    assert _entry(comparison, quote_a).price_points == D("70.00")
    assert _entry(comparison, quote_b).rank is None
    assert comparison.rows[1].lowest_unit_price == D("20.0000")


def test_csv_export_has_amounts_as_text_and_defuses_formulas(opened, buyer, buyer_company):
    tender, _quote_a, _ = opened
    item = tender.items.order_by("number").first()
    type(item).objects.filter(pk=item.pk).update(description="=HYPERLINK(evil)")
    comparison = selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
    text = exports.comparison_csv(comparison)
    assert "'=HYPERLINK(evil)" in text
    assert "300.00" in text


def _market_with_quotes(buyer_company, category, count: int, items: int):
    tender = published_tender(buyer_company, category, items=items)
    for _ in range(count):
        company = CompanyFactory(kind="supplier")
        company.categories.add(category)
        rep = member(company, "supplier_rep").user
        submitted_quote(tender, company, rep, prices=[str(10 + n) for n in range(items)])
    return tender


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def test_comparison_query_count_does_not_grow_with_quotes_or_items(market, buyer, buyer_company, evaluator):
    small = _market_with_quotes(buyer_company, market, 5, 2)
    large = _market_with_quotes(buyer_company, market, 50, 12)
    for tender in (small, large):
        open_now(tender)
        quote = tender.quotes.first()
        services.score_set(quote=quote, criterion=tender.criteria.get(kind="delivery"), actor=evaluator, score="7")

    def run(tender):
        return lambda: exports.comparison_data(
            selectors.comparison_for(actor=buyer, company=buyer_company, tender_pk=tender.pk)
        )

    assert _queries(run(small)) == _queries(run(large))


def test_quote_list_query_count_does_not_grow(market, buyer, buyer_company, api):
    small = _market_with_quotes(buyer_company, market, 5, 2)
    large = _market_with_quotes(buyer_company, market, 50, 2)
    for tender in (small, large):
        open_now(tender)
    client = api(buyer, buyer_company)

    def run(tender):
        def call():
            response = client.get(f"/api/v1/quotes?tender={tender.pk}&page_size=100&ordering=-total")
            assert response.status_code == 200
            assert response.json()["count"] == tender.quotes.count()

        return call

    assert _queries(run(small)) == _queries(run(large))
