"""Every domain event lands in the event store, with the correlation id of the request that caused it."""

from __future__ import annotations

import pytest
from django.db import transaction

from cotai import events
from cotai.context import reset_correlation_id, set_correlation_id
from cotai.eventstore import get_event_store

pytestmark = pytest.mark.django_db


def test_domain_event_is_appended_to_the_event_store_with_the_requests_correlation_id(
    eager, django_capture_on_commit_callbacks
):
    token = set_correlation_id("req-7f3a")
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            event = events.emit_on_commit(
                "tender.published", tender_id=41, deadline="2026-05-01", company_id=3, actor_id=12
            )
    finally:
        reset_correlation_id(token)

    stored = event.__class__.objects.get(pk=event.pk)
    assert stored.correlation_id == "req-7f3a"
    page = get_event_store().query(kind="domain", correlation_id="req-7f3a")
    assert page.total == 1
    record = page.items[0]
    assert (record.type, record.company_id, record.actor_id) == ("tender.published", 3, 12)
    assert (record.object_type, record.object_id) == ("tender", "41")
    assert record.data == {"tender_id": 41, "deadline": "2026-05-01", "domain_event_id": str(event.pk)}
    assert record.correlation_id == "req-7f3a"
    assert abs((record.occurred_at - stored.created_at).total_seconds()) < 0.001


def test_event_store_record_is_not_written_twice_when_the_delivery_repeats(eager, django_capture_on_commit_callbacks):
    from cotai.events.subscribers import record_in_event_store
    from cotai.events.tasks import deliver_event

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = events.emit_on_commit("quote.withdrawn", quote_id=5)
    name = f"{record_in_event_store.__module__}.{record_in_event_store.__qualname__}"
    deliver_event.apply(args=[str(event.pk), name]).get()

    assert get_event_store().query(kind="domain", type="quote.withdrawn").total == 1
