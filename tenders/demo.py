"""Demo tenders of Construtora Horizonte (the demo buyer of companies/demo.py), one per state.

- a draft (office chairs);
- a public tender in steel, published with an amendment, an invitation, and an answered question
  from Aço Forte;
- an invited-only tender for notebooks, TechNova invited;
- a tender published three weeks ago and closed at its deadline (concrete);
- a cancelled tender (cleaning services).

Everything is made through tenders.services, so numbers, versions, audit events and domain events
are what real use produces. ``load()`` is idempotent: a tender is identified by its buyer and title
and is left alone when it exists already. Quotes, openings and awards are added by quotes/demo.py.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from companies.models import Category, Company
from tenders import services
from tenders.choices import CriterionKind, TenderType, Visibility
from tenders.models import Tender

BUYER_SLUG = "construtora-horizonte"
BUYER_EMAIL = "bruno@horizonte.example"

CRITERIA_PRICE_DELIVERY_QUALITY = [
    {"kind": CriterionKind.PRICE, "name": "Price", "weight": Decimal("70")},
    {"kind": CriterionKind.DELIVERY, "name": "Delivery time", "weight": Decimal("20")},
    {"kind": CriterionKind.QUALITY, "name": "Technical quality", "weight": Decimal("10")},
]
CRITERIA_PRICE_WARRANTY = [
    {"kind": CriterionKind.PRICE, "name": "Price", "weight": Decimal("80")},
    {"kind": CriterionKind.WARRANTY, "name": "Warranty", "weight": Decimal("20")},
]


def _data(title: str, category: str, *, days: tuple[int, int], now, **fields: Any) -> dict[str, Any]:
    clarification, submission = days
    return {
        "title": title,
        "category": Category.objects.get(code=category),
        "currency": "BRL",
        "type": TenderType.RFQ,
        "visibility": Visibility.PUBLIC,
        "clarification_deadline": now + timedelta(days=clarification),
        "submission_deadline": now + timedelta(days=submission),
        "delivery_place": "Av. Paulista, 1000 — São Paulo/SP",
        "payment_terms": "28 days after delivery and invoice",
        "quote_validity_days": 60,
        **fields,
    }


def _exists(buyer: Company, title: str) -> bool:
    return Tender.objects.filter(buyer=buyer, title=title).exists()


def load() -> None:
    """Create the demo tenders that do not exist yet (idempotent)."""
    buyer = Company.objects.get(slug=BUYER_SLUG)
    bruno = get_user_model().objects.get(email=BUYER_EMAIL)
    now = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        _draft(buyer, bruno, now)
        _steel(buyer, bruno, now)
        _notebooks(buyer, bruno, now)
        _concrete(buyer, bruno, now)
        _cleaning(buyer, bruno, now)


def _draft(buyer: Company, bruno: Any, now) -> None:
    title = "Office chairs for the São Paulo headquarters"
    if _exists(buyer, title):
        return
    services.tender_create(
        actor=bruno,
        buyer=buyer,
        data=_data(title, "goods.office.furniture", days=(10, 20), now=now, estimated_budget=Decimal("68000.00")),
        items=[
            {"description": "Ergonomic office chair, adjustable lumbar support", "quantity": "40", "unit": "pc"},
            {"description": "Stackable meeting-room chair", "quantity": "12", "unit": "pc"},
        ],
        criteria=CRITERIA_PRICE_WARRANTY,
    )


def _steel(buyer: Company, bruno: Any, now) -> None:
    title = "Steel rebar and mesh for the Jardins residential tower"
    if _exists(buyer, title):
        return
    tender = services.tender_create(
        actor=bruno,
        buyer=buyer,
        data=_data(
            title,
            "goods.construction.steel",
            days=(6, 12),
            now=now,
            description="Reinforcement steel for floors 1 to 8. Delivery in two batches to the site in Jardins.",
            estimated_budget=Decimal("412000.00"),
            delivery_place="Rua Oscar Freire, 1200 — São Paulo/SP (construction site)",
            delivery_date=(now + timedelta(days=30)).date(),
            show_quote_count_before_opening=True,
        ),
        items=[
            {"description": "Rebar CA-50 10 mm, 12 m bars", "quantity": "12000", "unit": "kg", "lot": "Batch 1"},
            {"description": "Rebar CA-50 12.5 mm, 12 m bars", "quantity": "8000", "unit": "kg", "lot": "Batch 1"},
            {"description": "Welded mesh Q-138, 2 x 3 m panels", "quantity": "350", "unit": "m²", "lot": "Batch 2"},
        ],
        criteria=CRITERIA_PRICE_DELIVERY_QUALITY,
    )
    supplier = Company.objects.get(slug="aco-forte")
    services.invitation_create(tender=tender, actor=bruno, supplier=supplier, message="We value your quote.")
    tender = services.tender_publish(tender=tender, actor=bruno)
    services.tender_amend(
        tender=tender,
        actor=bruno,
        reason="The structural engineer added the 12.5 mm bars for floor 8.",
        changes={
            "items": [
                {"id": item.pk, **({"quantity": "9500"} if item.number == 2 else {})}
                for item in tender.items.order_by("number")
            ]
        },
    )
    diego = get_user_model().objects.get(email="diego@acoforte.example")
    question = services.clarification_ask(
        tender=tender,
        actor=diego,
        company=supplier,
        question="May the mesh panels be delivered as 2.45 x 6 m instead of 2 x 3 m?",
    )
    services.clarification_answer(
        clarification=question,
        actor=bruno,
        answer="Yes, 2.45 x 6 m panels are accepted; quote the same area in m².",
    )


def _notebooks(buyer: Company, bruno: Any, now) -> None:
    title = "Notebooks for the engineering team"
    if _exists(buyer, title):
        return
    tender = services.tender_create(
        actor=bruno,
        buyer=buyer,
        data=_data(
            title,
            "goods.it.computers",
            days=(5, 10),
            now=now,
            visibility=Visibility.INVITED,
            estimated_budget=Decimal("186000.00"),
            budget_visible_to_suppliers=True,
            allow_partial_quotes=True,
        ),
        items=[
            {
                "description": "Notebook 14'', Core i7, 32 GB RAM, 1 TB SSD",
                "quantity": "20",
                "unit": "pc",
                "specification": "ABNT2 keyboard; 3-year on-site warranty; Windows 11 Pro.",
            },
            {"description": "USB-C docking station with two display outputs", "quantity": "20", "unit": "pc"},
        ],
        criteria=CRITERIA_PRICE_WARRANTY,
    )
    services.invitation_create(tender=tender, actor=bruno, supplier=Company.objects.get(slug="technova"))
    services.tender_publish(tender=tender, actor=bruno)


def _concrete(buyer: Company, bruno: Any, now) -> None:
    title = "Ready-mix concrete for the Pinheiros foundations"
    if _exists(buyer, title):
        return
    # Published three weeks ago, closed at its deadline ten days ago: the services take that time.
    published_at = now - timedelta(days=21)
    tender = services.tender_create(
        actor=bruno,
        buyer=buyer,
        data=_data(
            title,
            "goods.construction.cement-aggregates",
            days=(6, 11),
            now=published_at,
            estimated_budget=Decimal("96500.00"),
            delivery_place="Rua dos Pinheiros, 800 — São Paulo/SP (construction site)",
        ),
        items=[
            {"description": "Ready-mix concrete fck 30 MPa, slump 10 ± 2", "quantity": "180", "unit": "m³"},
            {"description": "Concrete pumping service", "quantity": "6", "unit": "day"},
        ],
        criteria=CRITERIA_PRICE_DELIVERY_QUALITY,
    )
    tender = services.tender_publish(tender=tender, actor=bruno, now=published_at)
    services.tender_close(tender=tender, now=tender.submission_deadline)


def _cleaning(buyer: Company, bruno: Any, now) -> None:
    title = "Cleaning services for the site offices"
    if _exists(buyer, title):
        return
    tender = services.tender_create(
        actor=bruno,
        buyer=buyer,
        data=_data(title, "services.facilities.cleaning", days=(4, 9), now=now, type=TenderType.RFP),
        items=[
            {"description": "Daily cleaning of two site offices (120 m²), 12 months", "quantity": "12", "unit": "month"}
        ],
        criteria=[{"kind": CriterionKind.PRICE, "name": "Price", "weight": Decimal("100")}],
    )
    tender = services.tender_publish(tender=tender, actor=bruno)
    services.tender_cancel(
        tender=tender, actor=bruno, reason="The site offices will be cleaned by the building's facilities contract."
    )


def logins() -> list[tuple[str, str]]:
    """The tenders demo uses the people of companies/demo.py; it adds no accounts."""
    return []
