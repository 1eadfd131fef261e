"""Factories and builders of the calendar tests.

``CalendarEventFactory`` makes an own event (personal by default: pass ``owner_company=...`` and
``owner_user=None`` for a company event). Derived events are never built by hand: the builders
below publish real tenders through tenders.services and hand the domain events to the
calendar's subscribers, as the dispatcher would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from calendar_app.choices import EventKind
from calendar_app.models import CalendarEvent
from tenders import services as tender_services
from tenders.choices import Visibility
from tenders.models import Tender
from tenders.tests.factories import TenderFactory


class CalendarEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarEvent

    owner_user = factory.SubFactory(UserFactory)
    owner_company = None
    kind = EventKind.MEETING
    title = factory.Sequence(lambda n: f"Meeting {n}")
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    end = factory.LazyAttribute(lambda obj: obj.start + timedelta(hours=1))
    time_zone = "UTC"


def publish(
    buyer_company: Any,
    buyer: Any,
    *,
    invite: list[Any] = (),
    visibility: str = Visibility.INVITED,
    **fields: Any,
) -> Tender:
    """A tender of ``buyer_company`` published by ``buyer`` through the services, inviting ``invite``."""
    tender = TenderFactory(buyer=buyer_company, visibility=visibility, **fields)
    for company in invite:
        tender_services.invitation_create(tender=tender, actor=buyer, supplier=company)
    tender_services.tender_publish(tender=tender, actor=buyer)
    tender.refresh_from_db()
    return tender
