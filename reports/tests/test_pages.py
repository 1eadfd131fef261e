"""The buyer's and the supplier's web pages (tenders, quotes and the dashboard), through the test client.

The same journey as the browser test, without a browser: every step posts a plain form (the
no-JavaScript path) or an HTMX request, and checks what the next page says.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from companies.tests.factories import CategoryFactory
from quotes.choices import QuoteStatus
from quotes.models import Award, Quote, QuoteRevision
from quotes.services import open_due_tenders
from quotes.tests.factories import open_now, published_tender, submitted_quote
from tenders.choices import TenderStatus
from tenders.models import Clarification, Tender
from tenders.tests.factories import TenderFactory

HTMX = {"HX-Request": "true"}


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def category(db):
    return CategoryFactory()


@pytest.fixture
def supplying(supplier_a_company, supplier_b_company, category):
    supplier_a_company.categories.add(category)
    supplier_b_company.categories.add(category)


def _tender_form(category, **overrides):
    now = timezone.now()
    data = {
        "title": "Office chairs",
        "description": "Chairs for the new floor.",
        "type": "rfq",
        "category": category.pk,
        "currency": "BRL",
        "estimated_budget": "9000",
        "visibility": "public",
        "quote_validity_days": "30",
        "clarification_deadline": local(now + timedelta(days=2)),
        "submission_deadline": local(now + timedelta(days=3)),
        "committee_quorum": "1",
    }
    data.update(overrides)
    return data


def _quote_form(quote, prices, **terms):
    data = {"validity_date": (timezone.localdate() + timedelta(days=60)).isoformat(), "delivery_days": "10", **terms}
    for item, price in zip(quote.tender.items.order_by("number"), prices, strict=False):
        data[f"line-{item.pk}-unit_price"] = price
        data[f"line-{item.pk}-quantity"] = str(item.quantity)
    return data


class _InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.offences: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.offences.append("inline <script>")
        if tag == "style":
            self.offences.append("inline <style>")
        self.offences.extend(f"{tag}[{name}]" for name in names if name.startswith("on") or name == "style")


def assert_no_inline_code(response) -> None:
    parser = _InlineCode()
    parser.feed(response.content.decode())
    assert parser.offences == []


# --- the journey -------------------------------------------------------------------------------------------
def test_buyer_and_supplier_complete_a_tender_with_plain_forms(
    client,
    buyer_admin,
    buyer_company,
    supplier_a,
    supplier_a_company,
    supplier_b,
    supplier_b_company,
    supplying,
    category,
):
    client.force_login(buyer_admin)
    response = client.post(reverse("tenders:create"), _tender_form(category))
    tender = Tender.objects.get(buyer=buyer_company)
    assert response.status_code == 302
    assert response["Location"] == reverse("tenders:edit", kwargs={"pk": tender.pk})
    for description, quantity in (("Chair", "10"), ("Desk", "5"), ("Lamp", "8")):
        response = client.post(
            reverse("tenders:item-add", kwargs={"pk": tender.pk}),
            {"new-description": description, "new-quantity": quantity, "new-unit": "pc"},
        )
        assert response.status_code == 302
    lamp = tender.items.get(description="Lamp")
    client.post(reverse("tenders:item-move", kwargs={"pk": tender.pk, "item_pk": lamp.pk}), {"direction": "up"})
    assert list(tender.items.order_by("number").values_list("description", flat=True)) == ["Chair", "Lamp", "Desk"]
    response = client.post(reverse("tenders:publish", kwargs={"pk": tender.pk}))
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED

    client.force_login(supplier_a)
    page = client.get(reverse("tenders:detail", kwargs={"pk": tender.pk}))
    assert page.status_code == 200
    assert "Office chairs" in page.content.decode()
    assert "9000" not in page.content.decode()  # the budget is hidden from suppliers
    client.post(reverse("tenders:clarification-ask", kwargs={"pk": tender.pk}), {"question": "Colour of the chairs?"})
    client.post(reverse("quotes:for-tender", kwargs={"tender_pk": tender.pk}))
    quote = Quote.objects.get(tender=tender, supplier=supplier_a_company)
    response = client.post(reverse("quotes:submit", kwargs={"pk": quote.pk}), _quote_form(quote, ["100", "50", "20"]))
    revision = QuoteRevision.objects.get(quote=quote)
    assert response["Location"] == reverse("quotes:receipt", kwargs={"pk": quote.pk, "number": 1})
    receipt = client.get(response["Location"]).content.decode()
    assert revision.content_sha256 in receipt

    client.force_login(supplier_b)
    client.post(reverse("quotes:for-tender", kwargs={"tender_pk": tender.pk}))
    quote_b = Quote.objects.get(tender=tender, supplier=supplier_b_company)
    client.post(reverse("quotes:submit", kwargs={"pk": quote_b.pk}), _quote_form(quote_b, ["90", "60", "25"]))

    client.force_login(buyer_admin)
    clarification = Clarification.objects.get(tender=tender)
    inbox = client.get(reverse("tenders:clarifications", kwargs={"pk": tender.pk}))
    assert "Colour of the chairs?" in inbox.content.decode()
    client.post(
        reverse("tenders:clarification-answer", kwargs={"pk": tender.pk, "clarification_pk": clarification.pk}),
        {f"c{clarification.pk}-answer": "Black."},
    )
    clarification.refresh_from_db()
    assert clarification.published

    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1), tick=False):
        assert open_due_tenders() == 1
        tender.refresh_from_db()
        assert tender.status == TenderStatus.OPENED
        comparison = client.get(reverse("quotes:comparison", kwargs={"tender_pk": tender.pk}))
        assert comparison.status_code == 200
        html = comparison.content.decode()
        assert "Supplier A" in html
        assert "Supplier B" in html
        assert "lowest" in html
        items = list(tender.items.order_by("number"))
        choice = {f"item-{items[0].pk}": quote_b.pk, f"item-{items[1].pk}": quote.pk, f"item-{items[2].pk}": quote.pk}
        review = client.post(reverse("quotes:award", kwargs={"tender_pk": tender.pk}), {"mode": "items", **choice})
        assert review.status_code == 200
        assert "Confirm the award" in review.content.decode()
        assert not Award.objects.exists()  # the review step changes nothing
        done = client.post(
            reverse("quotes:award", kwargs={"tender_pk": tender.pk}), {"mode": "items", "confirm": "yes", **choice}
        )
        assert done.status_code == 302
        assert Award.objects.filter(tender=tender).count() == 3  # one per item

        client.force_login(supplier_a)
        result = client.get(reverse("quotes:for-tender", kwargs={"tender_pk": tender.pk})).content.decode()
        assert "awarded to you" in result.lower()


# --- editor, partials and errors ---------------------------------------------------------------------------
def test_item_endpoints_answer_htmx_with_the_item_rows_and_show_field_errors_in_place(
    client, buyer, buyer_company, category
):
    tender = TenderFactory(buyer=buyer_company, category=category, items=1)
    client.force_login(buyer)
    url = reverse("tenders:item-add", kwargs={"pk": tender.pk})
    response = client.post(url, {"new-description": "", "new-quantity": "-1", "new-unit": "pc"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="tender-items"')  # the partial, not the page
    assert "This field is required." in html
    assert "<html" not in html
    assert tender.items.count() == 1
    full = client.post(url, {"new-description": "", "new-quantity": "1", "new-unit": "pc"})
    assert "<html" in full.content.decode()
    assert "This field is required." in full.content.decode()


def test_quote_totals_are_computed_by_the_server_and_returned_as_a_partial(
    client, supplier_a, supplier_a_company, buyer_company, supplying, category
):
    tender = published_tender(buyer_company, category, items=2)
    client.force_login(supplier_a)
    client.post(reverse("quotes:for-tender", kwargs={"tender_pk": tender.pk}))
    quote = Quote.objects.get(supplier=supplier_a_company)
    items = list(tender.items.order_by("number"))
    data = {
        f"line-{items[0].pk}-unit_price": "10.10",
        f"line-{items[0].pk}-quantity": "3",
        f"line-{items[0].pk}-tax_rate": "10",
        f"line-{items[1].pk}-unit_price": "abc",
    }
    response = client.post(reverse("quotes:totals", kwargs={"pk": quote.pk}), data, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="quote-totals"')
    assert "33.33" in html  # 30.30 + 10 % tax (3.03), rounded by quotes.money
    assert "check the figures" in html
    assert not quote.lines.exists()  # nothing stored while typing


def test_a_quote_submitted_after_the_deadline_is_refused_and_the_typed_values_come_back(
    client, supplier_a, supplier_a_company, buyer_company, supplying, category
):
    tender = published_tender(buyer_company, category, items=1)
    client.force_login(supplier_a)
    client.post(reverse("quotes:for-tender", kwargs={"tender_pk": tender.pk}))
    quote = Quote.objects.get(supplier=supplier_a_company)
    data = _quote_form(quote, ["123.45"], notes="Our best offer")
    with time_machine.travel(tender.submission_deadline + timedelta(seconds=1), tick=False):
        response = client.post(reverse("quotes:submit", kwargs={"pk": quote.pk}), data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "the deadline passed while you were working on it" in html
    assert 'value="123.45"' in html
    assert "Our best offer" in html
    assert not QuoteRevision.objects.exists()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


def test_tender_list_filters_in_place_for_htmx_and_as_a_plain_page(client, buyer, buyer_company, category):
    TenderFactory(buyer=buyer_company, category=category, title="Steel beams")
    TenderFactory(buyer=buyer_company, category=category, title="Paper")
    client.force_login(buyer)
    partial = client.get(reverse("tenders:list"), {"q": "steel"}, headers=HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="tender-table"')
    assert "Steel beams" in partial
    assert "Paper" not in partial
    page = client.get(reverse("tenders:list"), {"q": "paper", "sort": "title"}).content.decode()
    assert "<html" in page
    assert "Paper" in page
    assert "Steel beams" not in page


def test_public_list_shows_open_public_tenders_without_hidden_budgets(client, buyer_company, category):
    shown = published_tender(buyer_company, category, title="Public pumps", estimated_budget=Decimal("777111"))
    published_tender(buyer_company, category, title="Invited valves", visibility="invited")
    TenderFactory(buyer=buyer_company, category=category, title="Draft hoses")
    html = client.get(reverse("tenders:public")).content.decode()
    assert "Public pumps" in html
    assert shown.number in html
    assert "Invited valves" not in html
    assert "Draft hoses" not in html
    assert "777111" not in html
    assert "not disclosed" in html


def test_signed_in_people_land_on_their_dashboard(client, buyer):
    client.force_login(buyer)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:dashboard")


def test_buyer_dashboard_shows_quote_counts_only_where_the_tender_allows_it(
    client, buyer, buyer_company, supplier_a, supplier_a_company, supplying, category
):
    counted = published_tender(buyer_company, category, title="Counted", show_quote_count_before_opening=True)
    sealed = published_tender(buyer_company, category, title="Sealed")
    submitted_quote(counted, supplier_a_company, supplier_a)
    submitted_quote(sealed, supplier_a_company, supplier_a)
    client.force_login(buyer)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "Counted</a>:\n        <strong>1</strong> quote" in html
    assert 'Sealed</a>:\n        <span class="muted">sealed until the opening</span>' in html


def test_supplier_dashboard_lists_open_tenders_of_its_categories_and_its_quotes(
    client, buyer_company, supplier_a, supplier_a_company, supplying, category
):
    tender = published_tender(buyer_company, category, title="Cables")
    submitted_quote(tender, supplier_a_company, supplier_a)
    client.force_login(supplier_a)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "Your quotes in progress" in html
    assert "Cables" in html
    assert "submitted" in html


@pytest.mark.parametrize("name", ["tenders:list", "tenders:public", "reports:dashboard"])
def test_main_pages_have_no_inline_code(client, buyer, name):
    client.force_login(buyer)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_no_inline_code(response)


# --- query counts ------------------------------------------------------------------------------------------
def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("name", ["tenders:list", "tenders:public", "reports:dashboard"])
def test_list_pages_cost_the_same_number_of_queries_at_5_and_50_rows(
    client, buyer, buyer_company, supplier_a, supplier_a_company, supplying, category, name, django_assert_num_queries
):
    client.force_login(buyer)
    url = reverse(name)
    client.get(url)  # the first request of a session writes it; later ones do not
    for _ in range(5):
        submitted_quote(published_tender(buyer_company, category, items=1), supplier_a_company, supplier_a)
    at_five = _queries(client, url)
    for _ in range(45):
        submitted_quote(published_tender(buyer_company, category, items=1), supplier_a_company, supplier_a)
    with django_assert_num_queries(at_five):
        client.get(url)


def test_comparison_costs_the_same_number_of_queries_at_5_and_50_items(
    client,
    buyer_admin,
    buyer_company,
    supplier_a,
    supplier_a_company,
    supplier_b,
    supplier_b_company,
    supplying,
    category,
    django_assert_num_queries,
):
    client.force_login(buyer_admin)
    urls = []
    for size in (5, 50):
        tender = published_tender(buyer_company, category, items=size)
        submitted_quote(tender, supplier_a_company, supplier_a)
        submitted_quote(tender, supplier_b_company, supplier_b)
        open_now(tender)
        urls.append(reverse("quotes:comparison", kwargs={"tender_pk": tender.pk}))
    client.get(urls[0])
    at_five = _queries(client, urls[0])
    with django_assert_num_queries(at_five):
        client.get(urls[1])
