"""The back office shows the calendar read-only, with sealed quote validity and feed secrets hidden."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from calendar_app import services
from calendar_app.choices import EventKind
from calendar_app.models import CalendarEvent
from calendar_app.tests.factories import publish
from quotes.tests.factories import open_now, submitted_quote


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_a_quote_validity_event_stays_out_of_the_admin_until_the_quote_is_opened(
    client, operator, market, buyer, buyer_company, supplier_a, supplier_a_company, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    submitted_quote(tender, supplier_a_company, supplier_a)
    run_events()
    validity = CalendarEvent.objects.get(kind=EventKind.QUOTE_VALIDITY)
    client.force_login(operator)
    url = reverse("admin:calendar_app_calendarevent_changelist")

    page = client.get(url).content.decode()
    assert "Submission deadline" in page
    assert validity.title not in page
    assert client.get(reverse("admin:calendar_app_calendarevent_change", args=[validity.pk])).status_code == 302

    open_now(tender)
    assert validity.title in client.get(url).content.decode()


@pytest.mark.django_db
def test_feed_secrets_never_appear_in_the_admin(client, operator, buyer):
    feed = services.feed_get_or_create(user=buyer)
    client.force_login(operator)
    page = client.get(reverse("admin:calendar_app_calendarfeed_change", args=[feed.pk])).content.decode()
    assert buyer.email in page
    assert feed.secret not in page
    assert str(feed.key) not in page
