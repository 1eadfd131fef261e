"""The main journey in a real browser: a buyer publishes a tender with three items; a supplier finds
it, asks a question, quotes with totals computed by the server as it types, submits and reads its
receipt; the buyer answers; the deadline passes; the buyer compares, scores and awards item by item;
the supplier sees the result. Every step leaves a screenshot in artifacts/browser/.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD
from companies.tests.factories import CategoryFactory, CompanyFactory, member
from quotes.services import open_due_tenders
from tenders.models import Tender
from tenders.tasks import close_due_tenders

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(moment) -> str:
    # The browser's time zone (America/Sao_Paulo) is the person's too (User.time_zone below).
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("America/Sao_Paulo")).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def world(db):
    category = CategoryFactory()
    buyer_company = CompanyFactory(kind="buyer", trade_name="Acme Buyer")
    supplier_company = CompanyFactory(kind="supplier", trade_name="Prime Supplies")
    rival_company = CompanyFactory(kind="supplier", trade_name="Rival Goods")
    for company in (supplier_company, rival_company):
        company.categories.add(category)
    buyer = member(buyer_company, "owner").user
    supplier = member(supplier_company, "supplier_rep").user
    rival = member(rival_company, "supplier_rep").user
    for user in (buyer, supplier, rival):
        user.time_zone = "America/Sao_Paulo"
        user.save(update_fields=["time_zone"])
    return {"category": category, "buyer": buyer, "supplier": supplier, "rival": rival}


def _quote(page, prices: list[str]) -> None:
    page.click("text=Prepare or open your quote")
    page.click("button:has-text('Start a quote')")
    page.wait_for_selector("#quote-form")
    for row, price in zip(page.locator("tr[id^=line-]").all(), prices, strict=True):
        row.locator("input[name$='-unit_price']").fill(price)


def test_a_tender_from_draft_to_award_in_the_browser(world, new_page, shot, axe):
    buyer_page = new_page()
    sign_in(buyer_page, world["buyer"].email, DEFAULT_PASSWORD)
    shot(buyer_page, "01-buyer-dashboard")

    # The buyer writes the draft, adds three items in place, reorders one and sets the criteria.
    buyer_page.click("text=New tender")
    now = timezone.now()
    buyer_page.fill("#id_title", "Office furniture")
    buyer_page.fill("#id_description", "Furniture for the third floor.")
    buyer_page.select_option("#id_category", str(world["category"].pk))
    buyer_page.fill("#id_estimated_budget", "50000")
    buyer_page.fill("#id_clarification_deadline", _local(now + timedelta(days=1)))
    buyer_page.fill("#id_submission_deadline", _local(now + timedelta(days=2)))
    buyer_page.click("button:has-text('Create draft')")
    buyer_page.wait_for_url(re.compile(r"/tenders/\d+/edit/$"))
    tender = Tender.objects.get(title="Office furniture")
    for description, quantity in (("Desk", "4"), ("Chair", "10"), ("Lamp", "6")):
        buyer_page.fill("#id_new-description", description)
        buyer_page.fill("#id_new-quantity", quantity)
        buyer_page.fill("#id_new-unit", "pc")
        buyer_page.click("button:has-text('Add item')")
        buyer_page.wait_for_selector(f".item-row input[value='{description}']")
    assert buyer_page.locator(".item-row").count() == 3
    buyer_page.click("button[aria-label='Move item 2 up']")
    buyer_page.wait_for_selector("#item-{} .item-number:text-is('1')".format(tender.items.get(description="Chair").pk))
    # A field error shows in place, and nothing is added.
    buyer_page.fill("#id_new-description", "Shelf")
    buyer_page.fill("#id_new-quantity", "0")
    buyer_page.fill("#id_new-unit", "pc")
    buyer_page.click("button:has-text('Add item')")
    buyer_page.wait_for_selector(".item-add.has-error [role=alert]")
    assert tender.items.count() == 3
    buyer_page.fill("#criterion-0-name", "Price")
    buyer_page.fill("#criterion-0-weight", "70")
    buyer_page.select_option("#criterion-1-kind", "quality")
    buyer_page.fill("#criterion-1-name", "Quality")
    buyer_page.fill("#criterion-1-weight", "30")
    buyer_page.click("button:has-text('Save criteria')")
    buyer_page.wait_for_selector("#tender-criteria .message.success")
    shot(buyer_page, "02-buyer-draft-editor")
    buyer_page.click("text=Publish…")
    buyer_page.click("button:has-text('Publish now')")
    buyer_page.wait_for_selector("text=is published")
    shot(buyer_page, "03-buyer-published")
    tender.refresh_from_db()
    assert tender.status == "published"

    # The supplier finds it on its dashboard, asks a question and quotes.
    supplier_page = new_page()
    sign_in(supplier_page, world["supplier"].email, DEFAULT_PASSWORD)
    supplier_page.click("#open-h + ul >> text=Office furniture")
    assert supplier_page.locator("[data-countdown]").count() >= 1
    assert "50000" not in supplier_page.content()
    supplier_page.fill("#id_question", "Which colour should the chairs be?")
    supplier_page.click("button:has-text('Send question')")
    supplier_page.wait_for_selector("text=Question sent")
    shot(supplier_page, "04-supplier-tender-question")
    _quote(supplier_page, ["80", "300.50", "45"])
    # Totals come from the server while typing: 10 x 80 + 4 x 300.50 + 6 x 45 (Chair moved first).
    supplier_page.wait_for_selector("#quote-grand-total:has-text('2272.00')")
    supplier_page.fill("input[name$='-tax_rate'] >> nth=0", "10")
    supplier_page.wait_for_selector("#quote-grand-total:has-text('2352.00')")
    shot(supplier_page, "05-supplier-quote-editor")
    supplier_page.click("#submit-quote")
    supplier_page.wait_for_selector("#receipt-sha256")
    sha = supplier_page.inner_text("#receipt-sha256")
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    shot(supplier_page, "06-supplier-receipt")

    rival_page = new_page()
    sign_in(rival_page, world["rival"].email, DEFAULT_PASSWORD)
    rival_page.goto(f"/tenders/{tender.pk}/")
    _quote(rival_page, ["75", "320", "40"])
    rival_page.wait_for_selector("#quote-grand-total:has-text('2270.00')")
    rival_page.click("#submit-quote")
    rival_page.wait_for_selector("#receipt-sha256")

    # The buyer answers in place.
    buyer_page.goto(f"/tenders/{tender.pk}/questions/")
    buyer_page.fill("textarea[name$='-answer']", "Black, please.")
    buyer_page.click("button:has-text('Publish answer')")
    buyer_page.wait_for_selector(".answer:has-text('Black, please.')")
    shot(buyer_page, "07-buyer-answered")

    # The deadline passes (the server thread shares this process's clock); the beat tasks run.
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1), tick=True):
        close_due_tenders()
        assert open_due_tenders() == 1
        buyer_page.goto(f"/quotes/tender/{tender.pk}/comparison/")
        buyer_page.wait_for_selector("table.matrix")
        assert buyer_page.locator("td.lowest").count() >= 3
        shot(buyer_page, "08-buyer-comparison")
        buyer_page.fill("input.score >> nth=0", "8")
        buyer_page.fill("input.score >> nth=1", "9")
        buyer_page.click("button:has-text('Save scores')")
        buyer_page.wait_for_selector("text=2 scores saved")
        buyer_page.click("text=Award…")
        buyer_page.check("#mode-items")
        rows = tender.items.order_by("number")
        winners = {"Chair": "Rival Goods", "Desk": "Prime Supplies", "Lamp": "Rival Goods"}
        for item in rows:
            option = buyer_page.locator(f"#award-item-{item.pk} option", has_text=winners[item.description])
            buyer_page.select_option(f"#award-item-{item.pk}", option.get_attribute("value"))
        buyer_page.click("button:has-text('Review the award')")
        buyer_page.wait_for_selector("h1:has-text('Confirm the award')")
        shot(buyer_page, "09-buyer-award-confirm")
        buyer_page.click("button:has-text('Confirm the award')")
        buyer_page.wait_for_selector("text=Awarded. Every supplier")
        shot(buyer_page, "10-buyer-awarded")

        supplier_page.goto(f"/quotes/tender/{tender.pk}/")
        supplier_page.wait_for_selector("text=Result: awarded to you")
        assert "Item" in supplier_page.inner_text(".result.won")
        assert sha in supplier_page.content()  # its receipt is in the opening record
        shot(supplier_page, "11-supplier-result")

    for page in (buyer_page, supplier_page, rival_page):
        assert page.errors == [], page.errors
