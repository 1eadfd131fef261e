"""axe-core finds no serious or critical accessibility violation on the main pages, on a desktop
and on a phone-sized screen."""

from __future__ import annotations

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD
from companies.tests.factories import CategoryFactory, CompanyFactory, member
from quotes.tests.factories import draft_quote, open_now, published_tender, submitted_quote

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(db):
    category = CategoryFactory()
    buyer_company = CompanyFactory(kind="buyer", trade_name="Acme Buyer")
    supplier_company = CompanyFactory(kind="supplier", trade_name="Prime Supplies")
    supplier_company.categories.add(category)
    buyer = member(buyer_company, "owner").user
    supplier = member(supplier_company, "supplier_rep").user
    open_tender = published_tender(buyer_company, category, items=3, title="Open tender")
    quote = draft_quote(open_tender, supplier_company, supplier)
    opened = published_tender(buyer_company, category, items=3, title="Opened tender")
    submitted_quote(opened, supplier_company, supplier)
    open_now(opened)
    return {
        "buyer": (
            buyer,
            [
                "/dashboard/",
                "/tenders/",
                f"/tenders/{open_tender.pk}/",
                f"/tenders/{open_tender.pk}/questions/",
                "/tenders/new/",
                f"/quotes/tender/{opened.pk}/comparison/",
                f"/quotes/tender/{opened.pk}/award/",
            ],
        ),
        "supplier": (
            supplier,
            ["/dashboard/", f"/tenders/{open_tender.pk}/", f"/quotes/{quote.pk}/", f"/quotes/tender/{opened.pk}/"],
        ),
    }


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_main_pages_have_no_serious_accessibility_violations(pages, new_page, axe, shot, viewport):
    found = {}
    anonymous = new_page(viewport, bypass_csp=True)
    for path in ("/", "/accounts/login/", "/tenders/open/"):
        anonymous.goto(path)
        found[path] = axe(anonymous)
    for persona, (user, paths) in pages.items():
        page = new_page(viewport, bypass_csp=True)
        sign_in(page, user.email, DEFAULT_PASSWORD)
        for path in paths:
            page.goto(path)
            found[f"{persona} {path}"] = axe(page)
            if viewport["width"] < 500:
                shot(page, f"phone-{persona}-{path.strip('/').replace('/', '-') or 'home'}")
    assert {path: violations for path, violations in found.items() if violations} == {}
