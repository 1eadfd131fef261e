"""The demo: quotes on the demo tenders, an opened tender with comparison data and an awarded one;
loading twice changes nothing."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from companies import demo as companies_demo
from quotes import demo, selectors
from quotes.choices import QuoteStatus
from quotes.models import Award, Quote, QuoteRevision, QuoteScore, TenderOpening
from tenders import demo as tenders_demo
from tenders.choices import TenderStatus
from tenders.models import Tender

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(
        Quote.objects.order_by("tender__title", "supplier__slug").values_list(
            "tender__title", "supplier__slug", "status", "current_revision__content_sha256"
        )
    )


def test_the_demo_makes_a_living_marketplace_and_is_idempotent(monkeypatch):
    companies_demo.load()
    tenders_demo.load()
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        # The loader waits for the new tenders' deadline; move the clock instead of sleeping.
        monkeypatch.setattr(demo.time, "sleep", lambda seconds: traveller.shift(seconds))
        demo.load()
        first = snapshot()
        counts = (QuoteRevision.objects.count(), QuoteScore.objects.count(), Award.objects.count())
        demo.load()
    assert snapshot() == first
    assert (QuoteRevision.objects.count(), QuoteScore.objects.count(), Award.objects.count()) == counts

    safety = Tender.objects.get(title=demo.SAFETY_TITLE)
    kit = Tender.objects.get(title=demo.KIT_TITLE)
    assert safety.status == TenderStatus.OPENED
    assert kit.status == TenderStatus.AWARDED
    assert Award.objects.filter(tender=kit).count() == 4
    assert Tender.objects.get(title__startswith="Ready-mix concrete").status == TenderStatus.UNSUCCESSFUL
    steel = Tender.objects.get(title__startswith="Steel rebar")
    assert Quote.objects.get(tender=steel).status == QuoteStatus.SUBMITTED  # still sealed
    notebooks = Quote.objects.get(tender__title="Notebooks for the engineering team")
    assert notebooks.current_revision.number == 2
    assert TenderOpening.objects.filter(tender=safety).get().quote_count == 3

    bruno = safety.created_by
    comparison = selectors.comparison_for(actor=bruno, company=safety.buyer, tender_pk=safety.pk)
    assert [entry.rank for entry in sorted(comparison.quotes, key=lambda e: e.rank)] == [1, 2, 3]
    assert all(entry.scoring_complete for entry in comparison.quotes)
