"""Calendar pages: month/week/agenda with HTMX navigation that also works as plain links, own events,
the next-deadlines partial, colours by kind, no inline scripts."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from calendar_app.choices import EventKind, EventStatus
from calendar_app.models import CalendarEvent, UserReminder
from calendar_app.tests.factories import CalendarEventFactory, publish

HTMX = {"HX-Request": "true", "HX-Target": "calendar"}


def html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["month", "week", "agenda"])
def test_each_view_navigates_with_plain_links_that_htmx_enhances(client, buyer, view):
    client.force_login(buyer)
    page = html(client.get(reverse(f"calendar_app:{view}"), {"date": "2027-03-15"}))
    assert 'id="calendar"' in page
    assert "<html" in page
    nav = re.findall(
        r'<a class="button secondary small" href="([^"]+)" hx-get="([^"]+)" hx-target="#calendar" '
        r'hx-push-url="true"',
        page,
    )
    assert len(nav) == 3
    assert all(href == hx.replace("&amp;", "&") or href == hx for href, hx in nav)
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]

    partial = html(client.get(reverse(f"calendar_app:{view}"), {"date": "2027-03-15"}, headers=HTMX))
    assert "<html" not in partial
    assert 'hx-push-url="true"' in partial
    assert "HX-Request" in client.get(reverse(f"calendar_app:{view}"))["Vary"]


@pytest.mark.django_db
def test_the_month_shows_events_on_their_days_in_the_viewers_zone_with_kind_colours(client, buyer):
    buyer.time_zone = "America/Sao_Paulo"
    buyer.save()
    # 01:30 UTC on the 10th is still the 9th in São Paulo.
    CalendarEventFactory(
        owner_user=buyer, title="Late call", start=datetime(2027, 3, 10, 1, 30, tzinfo=ZoneInfo("UTC"))
    )
    client.force_login(buyer)
    page = html(client.get(reverse("calendar_app:month"), {"date": "2027-03-01"}))
    assert "March 2027" in page
    cells = re.split(r'<td class="cal-day', page)
    day9 = next(cell for cell in cells if '?date=2027-03-09"' in cell)
    assert "Late call" in day9
    assert "22:30" in day9
    assert 'class="cal-event cal-kind-meeting"' in day9


@pytest.mark.django_db
def test_deadlines_are_coloured_and_filtered_by_kind(
    client, market, buyer, buyer_company, supplier_a_company, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    client.force_login(buyer)
    anchor = timezone.localdate(tender.submission_deadline).isoformat()
    page = html(
        client.get(
            reverse("calendar_app:agenda"), {"date": (date.fromisoformat(anchor) - timedelta(days=10)).isoformat()}
        )
    )
    assert "cal-event cal-kind-submission-deadline cal-deadline" in page
    assert "cal-event cal-kind-clarification-deadline cal-deadline" in page

    only = html(
        client.get(
            reverse("calendar_app:agenda"),
            {"date": (date.fromisoformat(anchor) - timedelta(days=10)).isoformat(), "kind": "submission_deadline"},
        )
    )
    assert "cal-kind-submission-deadline cal-deadline" in only
    assert '<li class="cal-event cal-kind-clarification-deadline' not in only
    assert 'value="submission_deadline" checked' in only


@pytest.mark.django_db
def test_an_event_is_added_with_a_form_that_posts_and_redirects(client, buyer, buyer_company):
    client.force_login(buyer)
    assert (
        html(client.get(reverse("calendar_app:event-create"), {"date": "2027-05-04"})).count('value="2027-05-04T09:00"')
        == 1
    )
    response = client.post(
        reverse("calendar_app:event-create"),
        {
            "title": "Supplier visit",
            "kind": "site_visit",
            "start": "2027-05-04T09:00",
            "end": "2027-05-04T11:00",
            "time_zone": "Europe/Berlin",
            "owner": "company",
            "reminders": "1d, 2h",
        },
    )
    event = CalendarEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("calendar_app:event-detail", kwargs={"pk": event.pk})
    assert event.owner_company == buyer_company
    assert event.start == datetime(2027, 5, 4, 7, tzinfo=ZoneInfo("UTC"))
    assert sorted(UserReminder.objects.values_list("minutes_before", flat=True)) == [120, 1440]
    detail = html(client.get(response["Location"]))
    assert "Supplier visit" in detail
    assert 'value="1d, 2h"' in detail


@pytest.mark.django_db
def test_an_invalid_form_shows_the_service_errors_on_their_fields(client, buyer):
    client.force_login(buyer)
    page = html(
        client.post(
            reverse("calendar_app:event-create"),
            {
                "title": "Series",
                "kind": "custom",
                "start": "2027-05-04T09:00",
                "time_zone": "UTC",
                "owner": "user",
                "rrule": "FREQ=WEEKLY;BYDAY=XX",
            },
        )
    )
    assert "not a valid RFC 5545 recurrence rule" in page
    assert not CalendarEvent.objects.exists()


@pytest.mark.django_db
def test_an_own_event_is_edited_and_removed(client, buyer):
    event = CalendarEventFactory(owner_user=buyer, title="Old title", time_zone="UTC")
    client.force_login(buyer)
    form = html(client.get(reverse("calendar_app:event-edit", kwargs={"pk": event.pk})))
    assert 'value="Old title"' in form
    response = client.post(
        reverse("calendar_app:event-edit", kwargs={"pk": event.pk}),
        {"title": "New title", "kind": "meeting", "start": "2027-05-04T09:00", "time_zone": "UTC"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.sequence) == ("New title", 1)

    assert client.post(reverse("calendar_app:event-cancel", kwargs={"pk": event.pk})).status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert client.get(reverse("calendar_app:event-detail", kwargs={"pk": event.pk})).status_code == 404


@pytest.mark.django_db
def test_a_derived_event_offers_no_edit(client, market, buyer, buyer_company, supplier_a_company, run_events):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    event = CalendarEvent.objects.get(tender=tender, kind=EventKind.SUBMISSION_DEADLINE)
    client.force_login(buyer)
    page = html(client.get(reverse("calendar_app:event-detail", kwargs={"pk": event.pk})))
    assert reverse("calendar_app:event-edit", kwargs={"pk": event.pk}) not in page
    assert f"/tenders/{tender.pk}/" in page
    assert client.get(reverse("calendar_app:event-edit", kwargs={"pk": event.pk})).status_code == 403


@pytest.mark.django_db
def test_next_deadlines_partial_and_tag_list_what_is_ahead(
    client, market, buyer, buyer_company, supplier_a_company, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    client.force_login(buyer)
    partial = html(client.get(reverse("calendar_app:next-deadlines")))
    assert partial.index("Clarification deadline") < partial.index("Submission deadline")
    assert tender.number in partial
    assert "<html" not in partial

    request = RequestFactory().get("/")
    request.user = buyer
    request.company = buyer_company
    rendered = Template("{% load calendar_tags %}{% next_deadlines 1 %}").render(Context({"request": request}))
    assert "Clarification deadline" in rendered
    assert "Submission deadline" not in rendered


@pytest.mark.django_db
def test_the_feed_page_shows_the_address_and_regenerating_changes_it(client, buyer):
    client.force_login(buyer)
    first = html(client.get(reverse("calendar_app:feed")))
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', first).group(1)
    assert url.startswith("http://testserver/calendar/feed/")
    assert url.endswith(".ics")
    assert "webcal://testserver/calendar/feed/" in first
    assert client.post(reverse("calendar_app:feed-regenerate")).status_code == 302
    second = html(client.get(reverse("calendar_app:feed")))
    assert url not in second


@pytest.mark.django_db
def test_reminder_settings_page_is_read_only_for_members_and_editable_by_owners(
    client, buyer, buyer_admin, buyer_company
):
    client.force_login(buyer)
    page = html(client.get(reverse("calendar_app:reminder-settings")))
    assert "3d, 1d" in page
    assert '<form method="post" class="stacked-form">' not in page
    assert client.post(reverse("calendar_app:reminder-settings"), {"submission_offsets": "1d"}).status_code == 403

    client.force_login(buyer_admin)
    response = client.post(
        reverse("calendar_app:reminder-settings"), {"submission_offsets": "2d", "clarification_offsets": ""}
    )
    assert response.status_code == 302
    assert 'value="2d"' in html(client.get(reverse("calendar_app:reminder-settings")))
