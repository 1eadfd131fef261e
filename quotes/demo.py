"""Demo quotes on the demo tenders (tenders/demo.py), plus an opened and an awarded tender.

- the public steel tender: Aço Forte has submitted a quote (sealed; the buyer sees only the count);
- the invited notebooks tender: TechNova has submitted a quote, then revised it (two receipts);
- the closed concrete tender, which nobody quoted for, is opened: it becomes unsuccessful;
- "Safety equipment for the Pinheiros site" (new, invited-only): three quotes, opened, with the
  evaluator's scores and one quote shortlisted — the comparison page has something to show;
- "Site office kit" (new, invited-only): three partial quotes, opened, scored and split-awarded.

Everything goes through the services, so receipts, server times, the opening record, audit events
and domain events are what real use produces. Quotes are accepted only before a deadline, so the two
new tenders get a deadline a few seconds ahead: the loader submits their quotes, waits for the
deadline to pass (about five seconds) and opens them. ``load()`` is idempotent: a tender is
identified by its buyer and title, a quote by its tender and supplier; what exists is left alone.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from companies.models import Category, Company
from quotes import services
from quotes.models import Quote
from tenders import services as tender_services
from tenders.choices import CriterionKind, TenderStatus, TenderType, Visibility
from tenders.models import Tender

BUYER_SLUG = "construtora-horizonte"
SUPPLIERS = {
    "aco-forte": "diego@acoforte.example",
    "technova": "gabriel@technova.example",
    "limpabem": "igor@limpabem.example",
}
SAFETY_TITLE = "Safety equipment for the Pinheiros site"
KIT_TITLE = "Site office kit: computers, tools and cleaning"
# Seconds between publishing the two new tenders and their submission deadline.
LEAD_SECONDS = 5


def _user(email: str) -> Any:
    return get_user_model().objects.get(email=email)


def _supplier(slug: str) -> tuple[Company, Any]:
    return Company.objects.get(slug=slug), _user(SUPPLIERS[slug])


def _wait_until(moment: datetime) -> None:
    """Sleep until the server clock has passed ``moment`` (the deadline of the new tenders)."""
    while timezone.now() <= moment:
        time.sleep(0.2)


def _lines(tender: Tender, prices: dict[int, str], **extra: Any) -> list[dict[str, Any]]:
    """Lines for the item numbers in ``prices``, offering the requested quantity."""
    items = {item.number: item for item in tender.items.all()}
    return [
        {"item": items[number].pk, "unit_price": Decimal(price), "quantity": items[number].quantity, **extra}
        for number, price in prices.items()
    ]


def _quote(tender: Tender, slug: str, prices: dict[int, str], **terms: Any) -> Quote | None:
    """Create and submit ``slug``'s quote unless it exists or the tender no longer accepts quotes."""
    company, rep = _supplier(slug)
    existing = Quote.objects.filter(tender=tender, supplier=company).first()
    if existing is not None:
        return existing
    tender.refresh_from_db()
    if tender.status != TenderStatus.PUBLISHED or tender.submission_deadline <= timezone.now():
        return None
    data = {"delivery_days": 10, "lines": _lines(tender, prices), **terms}
    quote = services.quote_create(tender=tender, supplier=company, actor=rep, data=data)
    services.quote_submit(quote=quote, actor=rep)
    quote.refresh_from_db()
    return quote


def load() -> None:
    """Create the demo quotes, openings, scores and awards that do not exist yet (idempotent)."""
    buyer = Company.objects.get(slug=BUYER_SLUG)
    bruno = _user("bruno@horizonte.example")
    carla = _user("carla@horizonte.example")
    _steel(buyer)
    _notebooks(buyer)
    _concrete(buyer)

    now = timezone.now().replace(microsecond=0)
    deadline = now + timedelta(seconds=LEAD_SECONDS)
    safety = _new_tender(buyer, bruno, SAFETY_TITLE, deadline, _safety_spec())
    kit = _new_tender(buyer, bruno, KIT_TITLE, deadline, _kit_spec())
    if safety is not None:
        _quote(safety, "aco-forte", {1: "89.90", 2: "42.50", 3: "18.75"}, delivery_days=7)
        _quote(safety, "technova", {1: "95.00", 2: "39.90", 3: "21.00"}, delivery_days=12)
        _quote(safety, "limpabem", {1: "84.30", 2: "44.00", 3: "17.90"}, delivery_days=20)
    if kit is not None:
        _quote(kit, "technova", {1: "5890.00", 2: "1290.00"}, delivery_days=15)
        _quote(kit, "aco-forte", {3: "1840.00", 2: "1395.00"}, delivery_days=5)
        _quote(kit, "limpabem", {4: "310.00"}, delivery_days=3)
    if safety is not None or kit is not None:
        _wait_until(max(tender.submission_deadline for tender in (safety, kit) if tender is not None))
    if safety is not None:
        _evaluate_safety(safety, bruno, carla)
    if kit is not None:
        _award_kit(kit, bruno, carla)


def _steel(buyer: Company) -> None:
    tender = Tender.objects.filter(buyer=buyer, title__startswith="Steel rebar").first()
    if tender is not None:
        _quote(
            tender,
            "aco-forte",
            {1: "6.85", 2: "6.92", 3: "48.40"},
            delivery_days=12,
            payment_terms="28 days after delivery",
        )


def _notebooks(buyer: Company) -> None:
    tender = Tender.objects.filter(buyer=buyer, title="Notebooks for the engineering team").first()
    if tender is None:
        return
    company, rep = _supplier("technova")
    if Quote.objects.filter(tender=tender, supplier=company).exists():
        return
    quote = _quote(tender, "technova", {1: "8790.00", 2: "1150.00"}, delivery_days=20)
    if quote is not None:
        # A revision: a better price for the docking stations, submitted again before the deadline.
        services.quote_submit(quote=quote, actor=rep, data={"lines": _lines(tender, {1: "8790.00", 2: "1049.00"})})


def _concrete(buyer: Company) -> None:
    """The concrete tender closed without quotes: opening it records that and makes it unsuccessful."""
    tender = Tender.objects.filter(buyer=buyer, title__startswith="Ready-mix concrete").first()
    if tender is not None and tender.status == TenderStatus.CLOSED:
        services.tender_open(tender=tender)


def _safety_spec() -> dict[str, Any]:
    return {
        "category": "goods.industrial.tools",
        "items": [
            {"description": "Safety helmet, class B, with chin strap", "quantity": "60", "unit": "pc"},
            {"description": "Safety boots, steel toe cap, sizes 38-45", "quantity": "60", "unit": "pair"},
            {"description": "Cut-resistant gloves, level 5", "quantity": "200", "unit": "pair"},
        ],
        "criteria": [
            {"kind": CriterionKind.PRICE, "name": "Price", "weight": Decimal("60")},
            {"kind": CriterionKind.DELIVERY, "name": "Delivery time", "weight": Decimal("25")},
            {"kind": CriterionKind.QUALITY, "name": "Certification and quality", "weight": Decimal("15")},
        ],
        "partial": False,
    }


def _kit_spec() -> dict[str, Any]:
    return {
        "category": "goods.it.computers",
        "items": [
            {"description": "Notebook 14'', Core i5, 16 GB RAM", "quantity": "4", "unit": "pc"},
            {"description": "Laser printer, A4, duplex", "quantity": "2", "unit": "pc"},
            {"description": "Cordless drill and impact driver kit", "quantity": "3", "unit": "kit"},
            {"description": "Cleaning supplies for the site office, 3 months", "quantity": "3", "unit": "month"},
        ],
        "criteria": [
            {"kind": CriterionKind.PRICE, "name": "Price", "weight": Decimal("80")},
            {"kind": CriterionKind.DELIVERY, "name": "Delivery time", "weight": Decimal("20")},
        ],
        "partial": True,
    }


def _new_tender(buyer: Company, bruno: Any, title: str, deadline: datetime, spec: dict[str, Any]) -> Tender | None:
    """An invited-only tender for the three demo suppliers, published with its deadline at ``deadline``.

    Returns None when the tender exists already (its quotes, opening and award were made then).
    """
    if Tender.objects.filter(buyer=buyer, title=title).exists():
        return None
    tender = tender_services.tender_create(
        actor=bruno,
        buyer=buyer,
        data={
            "title": title,
            "category": Category.objects.get(code=spec["category"]),
            "currency": "BRL",
            "type": TenderType.RFQ,
            "visibility": Visibility.INVITED,
            "clarification_deadline": deadline,
            "submission_deadline": deadline,
            "delivery_place": "Rua dos Pinheiros, 800 — São Paulo/SP (site office)",
            "payment_terms": "28 days after delivery and invoice",
            "quote_validity_days": 60,
            "allow_partial_quotes": spec["partial"],
        },
        items=spec["items"],
        criteria=spec["criteria"],
    )
    for slug in SUPPLIERS:
        tender_services.invitation_create(tender=tender, actor=bruno, supplier=Company.objects.get(slug=slug))
    return tender_services.tender_publish(tender=tender, actor=bruno)


def _score(tender: Tender, carla: Any, scores: dict[str, dict[str, str]]) -> dict[str, Quote]:
    quotes = {quote.supplier.slug: quote for quote in Quote.objects.filter(tender=tender).select_related("supplier")}
    criteria = {criterion.kind: criterion for criterion in tender.criteria.exclude(kind=CriterionKind.PRICE)}
    for slug, by_kind in scores.items():
        for kind, score in by_kind.items():
            services.score_set(quote=quotes[slug], criterion=criteria[kind], actor=carla, score=Decimal(score))
    return quotes


def _evaluate_safety(tender: Tender, bruno: Any, carla: Any) -> None:
    services.tender_open(tender=tender)
    quotes = _score(
        tender,
        carla,
        {
            "aco-forte": {"delivery": "9", "quality": "8"},
            "technova": {"delivery": "7", "quality": "7"},
            "limpabem": {"delivery": "4", "quality": "6"},
        },
    )
    services.quote_shortlist(quote=quotes["aco-forte"], actor=bruno)


def _award_kit(tender: Tender, bruno: Any, carla: Any) -> None:
    services.tender_open(tender=tender)
    quotes = _score(
        tender, carla, {"technova": {"delivery": "6"}, "aco-forte": {"delivery": "9"}, "limpabem": {"delivery": "10"}}
    )
    items = {item.number: item.pk for item in tender.items.all()}
    services.award_make(
        tender=tender,
        actor=bruno,
        awards=[
            {"quote": quotes["technova"], "items": [items[1], items[2]]},
            {"quote": quotes["aco-forte"], "items": [items[3]]},
            {"quote": quotes["limpabem"], "items": [items[4]]},
        ],
        note="Computers and printers to TechNova, tools to Aço Forte, cleaning to LimpaBem: best price per item.",
    )


def logins() -> list[tuple[str, str]]:
    """The quotes demo uses the people of companies/demo.py; it adds no accounts."""
    return []
