"""The relational table is append-only, and the back office can only read and filter it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cotai.eventstore.db import DbEventStore
from cotai.eventstore.models import AppendOnlyError, StoredEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("cotai.eventstore.tests.urls")]


@pytest.fixture
def stored(settings):
    settings.EVENT_STORE_BACKEND = "db"
    store = DbEventStore()
    now = timezone.now()
    store.append(kind="audit", type="tender.published", company_id=1, actor_id=10, occurred_at=now)
    store.append(kind="audit", type="tender.amended", company_id=2, actor_id=10, occurred_at=now)
    store.append(kind="api_usage", type="api.request", company_id=1, occurred_at=now - timedelta(days=40))
    return store


def test_a_stored_event_cannot_be_changed_or_deleted(stored):
    event = StoredEvent.objects.get(type="tender.published")
    event.type = "tender.cancelled"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        StoredEvent.objects.filter(pk=event.pk).update(type="tender.cancelled")
    with pytest.raises(AppendOnlyError):
        StoredEvent.objects.all().delete()
    assert StoredEvent.objects.filter(type="tender.published").count() == 1


def test_expired_rows_are_purged_in_batches(stored):
    far = timezone.now() + timedelta(days=100_000)
    assert StoredEvent.objects.purge_expired(now=far, batch_size=2) == 3
    assert StoredEvent.objects.count() == 0


SEEDED_TYPES = {"tender.published", "tender.amended", "api.request"}


def listed_types(response) -> set[str]:
    # Signing the admin in may itself be audited: only the seeded events are compared.
    return {event.type for event in response.context["cl"].result_list} & SEEDED_TYPES


def test_admin_lists_and_filters_events(stored, admin_client):
    url = reverse("admin:eventstore_storedevent_changelist")

    response = admin_client.get(url)
    assert response.status_code == 200
    assert listed_types(response) == SEEDED_TYPES

    cases = [
        ({"kind__exact": "audit"}, {"tender.published", "tender.amended"}),
        ({"company": "1"}, {"tender.published", "api.request"}),
        ({"company": "1", "kind__exact": "audit"}, {"tender.published"}),
        ({"actor": "10"}, {"tender.published", "tender.amended"}),
        ({"company": "abc"}, set()),
        ({"type": "tender."}, {"tender.published", "tender.amended"}),
        ({"type": "tender.amended"}, {"tender.amended"}),
        (
            # What the "Past 7 days" link of the date filter sends.
            {"occurred_at__gte": str(timezone.now() - timedelta(days=7))},
            {"tender.published", "tender.amended"},
        ),
    ]
    for params, expected in cases:
        response = admin_client.get(url, params)
        assert response.status_code == 200, params
        assert listed_types(response) == expected, params


def test_admin_input_filter_keeps_the_other_filters(stored, admin_client):
    response = admin_client.get(
        reverse("admin:eventstore_storedevent_changelist"), {"kind__exact": "audit", "company": "1"}
    )
    html = response.content.decode()
    assert '<input type="hidden" name="kind__exact" value="audit">' in html
    assert 'name="company" value="1"' in html


def test_admin_cannot_add_change_or_delete(stored, admin_client):
    event = StoredEvent.objects.get(type="tender.published")
    change_url = reverse("admin:eventstore_storedevent_change", args=[event.pk])

    assert admin_client.get(reverse("admin:eventstore_storedevent_add")).status_code == 403
    assert admin_client.get(reverse("admin:eventstore_storedevent_delete", args=[event.pk])).status_code == 403
    response = admin_client.get(change_url)
    assert response.status_code == 200  # a read-only view
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.post(change_url, {"type": "tender.cancelled"}).status_code == 403
    assert StoredEvent.objects.get(pk=event.pk).type == "tender.published"
