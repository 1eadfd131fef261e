"""The iCalendar feed: parsed with an independent parser (ics), it holds exactly what its owner sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import ics
import pytest
from django.urls import reverse
from django.utils import timezone

from calendar_app import selectors, services
from calendar_app.choices import EventKind
from calendar_app.models import CalendarEvent, CalendarFeed
from calendar_app.tests.factories import CalendarEventFactory, publish
from tenders import services as tender_services


def feed_of(client, user) -> tuple[str, ics.Calendar]:
    feed = services.feed_get_or_create(user=user)
    response = client.get(reverse("calendar_app:feed-ics", kwargs={"key": feed.key, "secret": feed.secret}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    return text, ics.Calendar(text)


def by_uid(calendar: ics.Calendar) -> dict[str, ics.Event]:
    return {event.uid: event for event in calendar.events}


def sequence(event: ics.Event) -> int:
    for line in event.extra:
        if line.name == "SEQUENCE":
            return int(line.value)
    raise AssertionError("no SEQUENCE")


@pytest.mark.django_db
def test_each_feed_holds_exactly_the_events_its_owner_may_see(
    client,
    market,
    buyer_company,
    buyer,
    supplier_a_company,
    supplier_a,
    supplier_b_company,
    supplier_b,
    outsider,
    outsider_company,
    run_events,
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    personal = CalendarEventFactory(owner_user=buyer, title="Dentist")
    company_meeting = CalendarEventFactory(owner_user=None, owner_company=buyer_company, title="Buyers' weekly")
    secret_meeting = CalendarEventFactory(owner_user=None, owner_company=outsider_company, title="Outsider board")
    derived = {
        f"{kind.replace('_', '-')}-tender-{tender.pk}@cotai"
        for kind in ("clarification_deadline", "submission_deadline", "opening")
    }

    _, buyer_feed = feed_of(client, buyer)
    _, supplier_a_feed = feed_of(client, supplier_a)
    _, supplier_b_feed = feed_of(client, supplier_b)
    _, outsider_feed = feed_of(client, outsider)

    assert set(by_uid(buyer_feed)) == derived | {personal.uid, company_meeting.uid}
    assert set(by_uid(supplier_a_feed)) == derived
    assert set(by_uid(supplier_b_feed)) == set()
    assert set(by_uid(outsider_feed)) == {secret_meeting.uid}
    submission = by_uid(supplier_a_feed)[f"submission-deadline-tender-{tender.pk}@cotai"]
    assert submission.begin.datetime == tender.submission_deadline.replace(microsecond=0)
    assert submission.status == "CONFIRMED"


@pytest.mark.django_db
def test_the_feed_carries_the_owners_time_zone_with_its_definition(client, buyer):
    buyer.time_zone = "America/Sao_Paulo"
    buyer.save()
    start = datetime(2027, 5, 3, 13, 0, tzinfo=UTC)
    event = CalendarEventFactory(owner_user=buyer, start=start, end=start + timedelta(hours=1))

    text, calendar = feed_of(client, buyer)

    assert "BEGIN:VTIMEZONE" in text
    assert "TZID:America/Sao_Paulo" in text
    assert "DTSTART;TZID=America/Sao_Paulo:20270503T100000" in text
    assert "X-WR-TIMEZONE:America/Sao_Paulo" in text
    assert by_uid(calendar)[event.uid].begin.datetime == start


@pytest.mark.django_db
def test_a_repeating_event_keeps_its_rule_and_its_own_zone_in_the_feed(client, buyer):
    event = services.event_create(
        actor=buyer,
        company=None,
        data={
            "title": "Stand-up",
            "kind": EventKind.CUSTOM,
            "start": "2027-03-22T09:00",
            "end": "2027-03-22T09:15",
            "time_zone": "Europe/Berlin",
            "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        },
    )
    text, calendar = feed_of(client, buyer)
    assert "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO" in text or "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4" in text
    assert "DTSTART;TZID=Europe/Berlin:20270322T090000" in text
    assert "TZID:Europe/Berlin" in text
    assert event.uid in by_uid(calendar)


@pytest.mark.django_db
def test_an_all_day_event_is_a_range_of_dates_in_the_feed(client, buyer):
    services.event_create(
        actor=buyer,
        company=None,
        data={
            "title": "Site visit",
            "kind": EventKind.SITE_VISIT,
            "start": "2027-06-10T08:00",
            "end": "2027-06-11T17:00",
            "all_day": True,
            "time_zone": "America/Sao_Paulo",
        },
    )
    text, calendar = feed_of(client, buyer)
    assert "DTSTART;VALUE=DATE:20270610" in text
    assert "DTEND;VALUE=DATE:20270612" in text
    [event] = calendar.events
    assert event.all_day
    assert "DTSTART;TZID" not in text  # dates float: the 10th is the 10th everywhere


@pytest.mark.django_db
def test_publish_amend_cancel_flow_in_the_feed(
    client, market, buyer_company, buyer, supplier_a_company, supplier_a, supplier_b, run_events
):
    """Publish with an invitation -> buyer and invitee only; amend -> moved, SEQUENCE + 1; cancel -> CANCELLED."""
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    uid = f"submission-deadline-tender-{tender.pk}@cotai"
    for user in (buyer, supplier_a):
        assert uid in by_uid(feed_of(client, user)[1])
    assert uid not in by_uid(feed_of(client, supplier_b)[1])

    new_deadline = (tender.submission_deadline + timedelta(days=4)).replace(microsecond=0)
    tender_services.tender_amend(
        tender=tender, actor=buyer, reason="More time.", changes={"submission_deadline": new_deadline}
    )
    run_events()
    moved = by_uid(feed_of(client, supplier_a)[1])[uid]
    assert moved.begin.datetime == new_deadline
    assert sequence(moved) == 1

    tender_services.tender_cancel(tender=tender, actor=buyer, reason="Budget withdrawn.")
    run_events()
    for user in (buyer, supplier_a):
        cancelled = by_uid(feed_of(client, user)[1])[uid]
        assert cancelled.status == "CANCELLED"
        assert sequence(cancelled) == 2
    assert not selectors.event_list_for(actor=supplier_a, company=supplier_a_company).exists()
    assert not selectors.event_list_for(actor=buyer, company=buyer_company).exists()


@pytest.mark.django_db
def test_cancelled_events_leave_the_feed_after_a_while(client, buyer):
    event = CalendarEventFactory(owner_user=buyer)
    services.event_cancel(event=event, actor=buyer)
    assert by_uid(feed_of(client, buyer)[1])[event.uid].status == "CANCELLED"
    CalendarEvent.objects.filter(pk=event.pk).update(cancelled_at=timezone.now() - timedelta(days=61))
    assert event.uid not in by_uid(feed_of(client, buyer)[1])


@pytest.mark.django_db
def test_a_wrong_secret_or_an_old_address_answers_404(client, buyer):
    feed = services.feed_get_or_create(user=buyer)
    old = reverse("calendar_app:feed-ics", kwargs={"key": feed.key, "secret": feed.secret})
    wrong = reverse("calendar_app:feed-ics", kwargs={"key": feed.key, "secret": feed.secret[:-1] + "x"})
    assert client.get(wrong).status_code == 404

    services.feed_regenerate(user=buyer)

    assert client.get(old).status_code == 404
    feed = CalendarFeed.objects.get(user=buyer)
    assert (
        client.get(reverse("calendar_app:feed-ics", kwargs={"key": feed.key, "secret": feed.secret})).status_code == 200
    )


@pytest.mark.django_db
def test_the_feed_of_a_deactivated_person_is_gone(client, buyer):
    feed = services.feed_get_or_create(user=buyer)
    buyer.is_active = False
    buyer.save()
    assert (
        client.get(reverse("calendar_app:feed-ics", kwargs={"key": feed.key, "secret": feed.secret})).status_code == 404
    )


@pytest.mark.django_db
def test_personal_reminders_become_alarms_in_the_feed(client, buyer):
    event = CalendarEventFactory(owner_user=buyer)
    services.reminders_set(event=event, actor=buyer, minutes=[30])
    text, _ = feed_of(client, buyer)
    assert "BEGIN:VALARM" in text
    assert "TRIGGER:-PT30M" in text


@pytest.mark.django_db
def test_a_single_event_downloads_as_an_ics_file(client, buyer):
    event = CalendarEventFactory(owner_user=buyer, title="Kick-off", location="Room 4")
    client.force_login(buyer)
    response = client.get(reverse("calendar_app:event-ics", kwargs={"pk": event.pk}))
    assert response.status_code == 200
    assert f'filename="event-{event.pk}.ics"' in response["Content-Disposition"]
    [parsed] = ics.Calendar(response.content.decode()).events
    assert parsed.uid == event.uid
    assert parsed.name == "Kick-off"
    assert parsed.location == "Room 4"
    assert parsed.begin.datetime == event.start.replace(microsecond=0).astimezone(ZoneInfo("UTC"))
