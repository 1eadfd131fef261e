"""Data for the benchmark "comparison of a tender with 100 items and 50 opened quotes" (bench/).

``build()`` makes a buyer, ``quotes`` suppliers, a public tender with ``items`` items, one complete
quote per supplier (through quotes.services: real revisions and receipts), then opens the tender
through the opening service. Only one step is not what real use does: the submission deadline is
moved into the past with a direct UPDATE once every quote is in, instead of waiting for the clock.
It returns the tender id, the buyer's company id and a new API key of the buyer with the
quotes:read scope (the comparison needs evaluation.view, which that scope grants). Idempotent: a
second call returns the tender made by the first (and another key).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from companies.choices import CompanyKind, Role
from companies.models import Category, Company, Membership
from companies.validators import cnpj_check_digits
from quotes import services
from tenders import services as tender_services
from tenders.models import Tender

TITLE = "Benchmark: 100 items, 50 quotes"


def _company(index: int, kind: str, name: str) -> Company:
    body = f"{90_000_000 + index:08d}0001"
    company, _ = Company.objects.get_or_create(
        slug=f"bench-{index}",
        defaults={
            "legal_name": name,
            "trade_name": name,
            "code": f"BN{index:04d}",
            "tax_id": body + cnpj_check_digits(body),
            "country": "BR",
            "kind": kind,
        },
    )
    return company


def _person(company: Company, role: str, email: str) -> Any:
    user, _ = get_user_model().objects.get_or_create(email=email, defaults={"full_name": email.split("@")[0]})
    Membership.objects.get_or_create(user=user, company=company, defaults={"role": role})
    return user


def build(*, items: int = 100, quotes: int = 50) -> dict[str, Any]:
    from accounts.services import api_key_create

    buyer = _company(0, CompanyKind.BUYER, "Bench Buyer")
    buyer_user = _person(buyer, Role.BUYER, "bench-buyer@cotai.localhost")
    owner = _person(buyer, Role.OWNER, "bench-owner@cotai.localhost")
    tender = Tender.objects.filter(buyer=buyer, title=TITLE).first()
    if tender is None:
        tender = _build_tender(buyer, buyer_user, items, quotes)
    _key, plaintext = api_key_create(actor=owner, company=buyer, name="benchmark", scopes=["quotes:read"])
    return {"tender": tender.pk, "company": buyer.pk, "api_key": plaintext}


def _build_tender(buyer: Company, buyer_user: Any, items: int, quotes: int) -> Tender:
    category = Category.objects.filter(is_active=True).order_by("code").first()
    now = timezone.now()
    with transaction.atomic():
        tender = tender_services.tender_create(
            actor=buyer_user,
            buyer=buyer,
            data={
                "title": TITLE,
                "currency": "BRL",
                "category": category,
                "clarification_deadline": now + timedelta(hours=1),
                "submission_deadline": now + timedelta(hours=1),
            },
            items=[
                {"description": f"Item {number}", "quantity": str(5 + number % 7), "unit": "pc"}
                for number in range(1, items + 1)
            ],
            criteria=[
                {"kind": "price", "name": "Price", "weight": Decimal("70")},
                {"kind": "delivery", "name": "Delivery", "weight": Decimal("30")},
            ],
        )
        tender = tender_services.tender_publish(tender=tender, actor=buyer_user)
    tender_items = list(tender.items.order_by("number"))
    for index in range(1, quotes + 1):
        supplier = _company(index, CompanyKind.SUPPLIER, f"Bench Supplier {index}")
        supplier.categories.add(category)
        rep = _person(supplier, Role.SUPPLIER_REP, f"bench-supplier-{index}@cotai.localhost")
        lines = [
            {
                "item": item.pk,
                "unit_price": Decimal(100 + (index * 7 + item.number * 13) % 90),
                "quantity": item.quantity,
            }
            for item in tender_items
        ]
        quote = services.quote_create(
            tender=tender, supplier=supplier, actor=rep, data={"delivery_days": 5 + index % 20, "lines": lines}
        )
        services.quote_submit(quote=quote, actor=rep)
    moment = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=moment, submission_deadline=moment, opening_at=moment
    )
    services.tender_open(tender=tender)
    return tender
