"""The demo tenders: one per state, made through the services, and loading twice changes nothing."""

from __future__ import annotations

import pytest

from companies import demo as companies_demo
from tenders import demo
from tenders.choices import TenderStatus, Visibility
from tenders.models import Amendment, Clarification, Tender, TenderInvitation, TenderItem

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(
        Tender.objects.order_by("number").values_list("number", "title", "status", "version", "material_version")
    )


def test_the_demo_has_a_tender_in_each_state_and_is_idempotent():
    companies_demo.load()
    demo.load()
    first = snapshot()
    counts = (TenderItem.objects.count(), Amendment.objects.count(), Clarification.objects.count())
    demo.load()
    assert snapshot() == first
    assert (TenderItem.objects.count(), Amendment.objects.count(), Clarification.objects.count()) == counts

    statuses = sorted(status for _, _, status, _, _ in first)
    assert statuses == sorted(
        [
            TenderStatus.DRAFT,
            TenderStatus.PUBLISHED,
            TenderStatus.PUBLISHED,
            TenderStatus.CLOSED,
            TenderStatus.CANCELLED,
        ]
    )
    assert all(number.startswith("HRZ-") for number, *_ in first)
    steel = Tender.objects.get(title__startswith="Steel rebar")
    assert (steel.version, steel.material_version) == (2, 2)
    assert steel.clarifications.get().published is True
    notebooks = Tender.objects.get(title__startswith="Notebooks")
    assert notebooks.visibility == Visibility.INVITED
    assert TenderInvitation.objects.filter(tender=notebooks, supplier__slug="technova").exists()
    for tender in Tender.objects.all():
        assert tender.items.exists()
        assert sum(c.weight for c in tender.criteria.all()) == 100
    assert demo.logins() == []
