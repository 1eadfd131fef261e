"""The calendar API: own events (CRUD), derived events read-only, occurrences, the feed, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import ApiKeyFactory
from calendar_app.choices import EventKind
from calendar_app.models import CalendarEvent, CompanyReminderSettings
from calendar_app.tests.factories import CalendarEventFactory, publish
from companies.tests.factories import member


def key_client(company, scopes):
    from rest_framework.test import APIClient

    key = ApiKeyFactory(company=company, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.plaintext}")
    return client


@pytest.mark.django_db
def test_own_events_can_be_created_read_changed_and_removed(api, buyer, buyer_company):
    client = api(buyer, buyer_company)
    created = client.post(
        reverse("api:calendar-event-list"),
        {
            "title": "Stand-up",
            "kind": "custom",
            "start": "2027-03-22T09:00",
            "end": "2027-03-22T09:15",
            "time_zone": "Europe/Berlin",
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "owner": "company",
            "reminders": [15],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["start"] == "2027-03-22T08:00:00Z"
    assert body["owner"] == "company"
    assert body["company"] == buyer_company.pk
    assert body["my_reminders"] == [15]
    assert body["uid"] == f"event-{body['id']}@cotai"
    assert set(body) >= {"derived", "sequence", "status", "tender", "quote", "ics_url", "page_url"}

    url = reverse("api:calendar-event-detail", kwargs={"pk": body["id"]})
    changed = client.patch(url, {"title": "Daily stand-up", "rrule": "FREQ=DAILY"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["sequence"] == 1
    assert client.get(url).json()["title"] == "Daily stand-up"

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert CalendarEvent.objects.get(pk=body["id"]).status == "cancelled"


@pytest.mark.django_db
def test_an_invalid_rrule_comes_back_as_a_field_error(api, buyer, buyer_company):
    response = api(buyer, buyer_company).post(
        reverse("api:calendar-event-list"),
        {"title": "X", "kind": "custom", "start": "2027-03-22T09:00:00Z", "rrule": "FREQ=WEEKLY;BYDAY=XX"},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "rrule" in response.json()["errors"]


@pytest.mark.django_db
def test_derived_events_are_read_only(api, market, buyer, buyer_company, supplier_a, supplier_a_company, run_events):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    event = CalendarEvent.objects.get(tender=tender, kind=EventKind.SUBMISSION_DEADLINE)
    client = api(supplier_a, supplier_a_company)
    url = reverse("api:calendar-event-detail", kwargs={"pk": event.pk})

    listed = client.get(reverse("api:calendar-event-list"), {"derived": "true"}).json()["results"]
    assert {row["kind"] for row in listed} == {"clarification_deadline", "submission_deadline", "opening"}
    assert client.patch(url, {"title": "Later please"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    reminders = client.put(
        reverse("api:calendar-event-reminders", kwargs={"pk": event.pk}), {"minutes": [60]}, format="json"
    )
    assert reminders.status_code == 200
    assert reminders.json()["my_reminders"] == [60]


@pytest.mark.django_db
def test_another_companys_event_is_not_found(api, buyer_company, outsider, outsider_company):
    event = CalendarEventFactory(owner_user=None, owner_company=buyer_company)
    client = api(outsider, outsider_company)
    assert client.get(reverse("api:calendar-event-detail", kwargs={"pk": event.pk})).status_code == 404
    ids = [row["id"] for row in client.get(reverse("api:calendar-event-list")).json()["results"]]
    assert event.pk not in ids


@pytest.mark.django_db
def test_the_list_filters_by_window_and_kind(api, buyer, buyer_company):
    from django.utils import timezone

    soon = CalendarEventFactory(owner_user=buyer, start=timezone.now() + timedelta(days=1))
    CalendarEventFactory(owner_user=buyer, start=timezone.now() + timedelta(days=90))
    CalendarEventFactory(owner_user=buyer, kind=EventKind.SITE_VISIT, start=timezone.now() + timedelta(days=1))
    client = api(buyer, buyer_company)
    start = timezone.now().isoformat()
    end = (timezone.now() + timedelta(days=7)).isoformat()
    rows = client.get(reverse("api:calendar-event-list"), {"start": start, "end": end, "kind": "meeting"}).json()
    assert [row["id"] for row in rows["results"]] == [soon.pk]
    bad = client.get(reverse("api:calendar-event-list"), {"start": "yesterday", "end": end})
    assert bad.status_code == 400
    assert "start" in bad.json()["errors"]


@pytest.mark.django_db
def test_occurrences_expand_repeating_events(api, buyer, buyer_company):
    client = api(buyer, buyer_company)
    client.post(
        reverse("api:calendar-event-list"),
        {
            "title": "Stand-up",
            "kind": "custom",
            "start": "2027-03-22T09:00",
            "time_zone": "Europe/Berlin",
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
        },
        format="json",
    )
    rows = client.get(
        reverse("api:calendar-occurrences"), {"start": "2027-03-20T00:00:00Z", "end": "2027-04-06T00:00:00Z"}
    ).json()
    assert [row["start"] for row in rows] == ["2027-03-22T08:00:00Z", "2027-03-29T07:00:00Z", "2027-04-05T07:00:00Z"]


@pytest.mark.django_db
def test_the_feed_address_can_be_shown_and_regenerated(api, buyer, buyer_company, client):
    api_client = api(buyer, buyer_company)
    shown = api_client.get(reverse("api:calendar-feed")).json()
    assert shown["url"].startswith("http://testserver/calendar/feed/")
    assert shown["webcal_url"].startswith("webcal://testserver/calendar/feed/")
    assert api_client.get(reverse("api:calendar-feed")).json()["url"] == shown["url"]

    regenerated = api_client.post(reverse("api:calendar-feed-regenerate")).json()
    assert regenerated["url"] != shown["url"]
    assert client.get(shown["url"]).status_code == 404
    assert client.get(regenerated["url"]).status_code == 200


@pytest.mark.django_db
def test_reminder_settings_are_read_by_members_and_changed_by_owners(api, supplier_a, supplier_a_company):
    owner = member(supplier_a_company, "owner").user
    url = reverse("api:calendar-reminder-settings")
    assert api(supplier_a, supplier_a_company).get(url).json() == {
        "submission_offsets": [4320, 1440],
        "clarification_offsets": [1440],
    }
    body = {"submission_offsets": [2880, 240], "clarification_offsets": []}
    assert api(supplier_a, supplier_a_company).put(url, body, format="json").status_code == 403
    changed = api(owner, supplier_a_company).put(url, body, format="json")
    assert changed.status_code == 200
    assert changed.json() == body
    assert CompanyReminderSettings.objects.get(company=supplier_a_company).submission_offsets == [2880, 240]
    too_far = api(owner, supplier_a_company).put(
        url, {"submission_offsets": [60 * 24 * 31], "clarification_offsets": []}, format="json"
    )
    assert too_far.status_code == 400


@pytest.mark.django_db
def test_an_api_key_reads_its_companys_deadlines_and_cannot_own_a_feed(
    market, buyer, buyer_company, supplier_a_company, run_events
):
    publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    reader = key_client(supplier_a_company, ["tenders:read"])
    rows = reader.get(reverse("api:calendar-event-list")).json()["results"]
    assert {row["kind"] for row in rows} == {"clarification_deadline", "submission_deadline", "opening"}
    assert reader.get(reverse("api:calendar-feed")).status_code == 403
    personal = reader.post(
        reverse("api:calendar-event-list"), {"title": "X", "start": "2027-01-01T09:00:00Z"}, format="json"
    )
    assert personal.status_code == 403
    writer = key_client(supplier_a_company, ["quotes:write"])
    company_event = writer.post(
        reverse("api:calendar-event-list"),
        {"title": "Delivery planning", "start": "2027-01-01T09:00:00Z", "owner": "company"},
        format="json",
    )
    assert company_event.status_code == 201, company_event.content
    assert company_event.json()["company"] == supplier_a_company.pk
    assert key_client(buyer_company, ["companies:read"]).get(reverse("api:calendar-event-list")).json()["results"] == []
