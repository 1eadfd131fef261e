"""Own events: validation (RRULE with a clear field error), recurrence in a window, who sees and writes what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendar_app import selectors, services
from calendar_app.choices import EventKind, EventStatus
from calendar_app.models import CalendarEvent
from calendar_app.recurrence import occurrences
from companies.tests.factories import member
from cotai.exceptions import PermissionDenied, ValidationFailed

BERLIN = ZoneInfo("Europe/Berlin")


def create(actor, company=None, owner="user", **data):
    base = {"title": "Planning", "kind": EventKind.CUSTOM, "start": "2027-03-22T09:00", "time_zone": "Europe/Berlin"}
    return services.event_create(actor=actor, company=company, data={**base, **data}, owner=owner)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RFC 5545 recurrence rule"),
        ("BYDAY=MO", "needs FREQ"),
        ("FREQ=MINUTELY", "daily, weekly, monthly or yearly"),
        ("FREQ=WEEKLY;UNTIL=20270501", "UNTIL must be a UTC time ending in Z"),
        ("DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY", "only the RRULE part"),
        ("FREQ=WEEKLY;FOO=1", "not a valid RFC 5545 recurrence rule"),
    ],
)
def test_an_invalid_rrule_is_refused_with_a_clear_field_error_and_nothing_is_stored(buyer, rrule, message):
    with pytest.raises(ValidationFailed) as caught:
        create(buyer, rrule=rrule)
    assert list(caught.value.errors) == ["rrule"]
    assert message in caught.value.errors["rrule"][0]
    assert not CalendarEvent.objects.exists()


@pytest.mark.django_db
def test_only_custom_events_repeat(buyer):
    with pytest.raises(ValidationFailed) as caught:
        create(buyer, kind=EventKind.MEETING, rrule="FREQ=WEEKLY")
    assert caught.value.errors["rrule"] == ["Only custom events can repeat."]


@pytest.mark.django_db
def test_deadlines_cannot_be_made_by_hand_and_times_must_be_in_order(buyer):
    with pytest.raises(ValidationFailed) as caught:
        create(buyer, kind=EventKind.SUBMISSION_DEADLINE, end="2027-03-22T08:00", time_zone="Mars/Olympus")
    assert set(caught.value.errors) == {"kind", "end", "time_zone"}


@pytest.mark.django_db
def test_a_weekly_event_keeps_its_local_time_across_dst_within_the_window(buyer):
    event = create(buyer, rrule="FREQ=WEEKLY;BYDAY=MO", end="2027-03-22T10:00")
    window = occurrences(event, datetime(2027, 3, 20, tzinfo=UTC), datetime(2027, 4, 6, tzinfo=UTC))
    assert [occ.start.astimezone(BERLIN).strftime("%d %H:%M %Z") for occ in window] == [
        "22 09:00 CET",
        "29 09:00 CEST",
        "05 09:00 CEST",
    ]
    assert [occ.end - occ.start for occ in window] == [timedelta(hours=1)] * 3
    # An occurrence already under way at the window's start is included; one after its end is not.
    assert (
        len(occurrences(event, datetime(2027, 3, 22, 8, 30, tzinfo=UTC), datetime(2027, 3, 29, 6, 0, tzinfo=UTC))) == 1
    )


@pytest.mark.django_db
def test_a_counted_series_ends(buyer):
    event = create(buyer, rrule="FREQ=DAILY;COUNT=3")
    assert len(occurrences(event, datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))) == 3


@pytest.mark.django_db
def test_personal_events_are_seen_by_their_owner_only(buyer, buyer_admin, buyer_company):
    event = create(buyer, company=buyer_company)
    assert event.owner_user == buyer
    assert event.owner_company is None
    assert selectors.event_list_for(actor=buyer, company=buyer_company).filter(pk=event.pk).exists()
    assert not selectors.event_list_for(actor=buyer_admin, company=buyer_company).filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_company_events_are_seen_by_the_company_and_written_by_its_working_roles(
    buyer, buyer_company, outsider, outsider_company
):
    viewer = member(buyer_company, "viewer").user
    event = create(buyer, company=buyer_company, owner="company")
    assert selectors.event_list_for(actor=viewer, company=buyer_company).filter(pk=event.pk).exists()
    assert not selectors.event_list_for(actor=outsider, company=outsider_company).filter(pk=event.pk).exists()
    assert not selectors.event_list_for(actor=outsider, company=buyer_company).filter(pk=event.pk).exists()

    with pytest.raises(PermissionDenied):
        services.event_update(event=event, actor=viewer, company=buyer_company, data={"title": "Mine now"})
    with pytest.raises(PermissionDenied):
        create(viewer, company=buyer_company, owner="company")

    updated = services.event_update(event=event, actor=buyer, company=buyer_company, data={"title": "Renamed"})
    assert updated.title == "Renamed"
    assert updated.sequence == 1


@pytest.mark.django_db
def test_an_edit_that_changes_nothing_keeps_the_sequence(buyer, buyer_company):
    event = create(buyer, company=buyer_company)
    same = services.event_update(event=event, actor=buyer, company=buyer_company, data={"title": event.title})
    assert same.sequence == 0


@pytest.mark.django_db
def test_removing_an_event_cancels_it(buyer, buyer_company):
    event = create(buyer, company=buyer_company)
    services.event_cancel(event=event, actor=buyer)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert event.sequence == 1
    assert not selectors.event_list_for(actor=buyer, company=buyer_company).filter(pk=event.pk).exists()
    with pytest.raises(PermissionDenied):
        services.event_update(event=event, actor=buyer, company=buyer_company, data={"title": "Back"})


@pytest.mark.django_db
def test_a_tender_link_must_be_a_tender_the_company_sees(buyer, buyer_company, supplier_a, supplier_a_company):
    from tenders.tests.factories import TenderFactory

    tender = TenderFactory(buyer=buyer_company)
    event = create(buyer, company=buyer_company, tender=tender.pk)
    assert event.tender == tender
    with pytest.raises(ValidationFailed) as caught:
        create(supplier_a, company=supplier_a_company, tender=tender.pk)  # a draft of another company
    assert caught.value.errors == {"tender": ["No such tender among those you can see."]}


@pytest.mark.django_db
def test_an_all_day_event_spans_whole_days_in_its_zone(buyer):
    event = create(
        buyer,
        kind=EventKind.SITE_VISIT,
        all_day=True,
        start="2027-06-10T15:00",
        end="2027-06-11T09:00",
        time_zone="America/Sao_Paulo",
    )
    zone = ZoneInfo("America/Sao_Paulo")
    assert event.start == datetime(2027, 6, 10, tzinfo=zone)
    assert event.end == datetime(2027, 6, 12, tzinfo=zone)
    [occ] = occurrences(event, datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC))
    # Shown on the 10th and 11th wherever the viewer is (Tokyo is already on the next day in UTC terms).
    assert [d.isoformat() for d in occ.days(ZoneInfo("Asia/Tokyo"))] == ["2027-06-10", "2027-06-11"]
