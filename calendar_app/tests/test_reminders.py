"""Reminders fire once, at the right instant, across daylight-saving changes, crashes and re-runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine

from calendar_app import reminders, services
from calendar_app.choices import EventKind
from calendar_app.models import CalendarEvent, CompanyReminderSettings, Reminder, UserReminder
from calendar_app.tests.factories import CalendarEventFactory, publish
from companies.tests.factories import member
from quotes.tests.factories import draft_quote, submitted_quote
from tenders import services as tender_services
from tenders.choices import Visibility

BERLIN = ZoneInfo("Europe/Berlin")


def deadline_events(outbox):
    return [row.payload for row in outbox("deadline.approaching")]


def company_rows(company, kind=EventKind.SUBMISSION_DEADLINE):
    return Reminder.objects.filter(company=company, event__kind=kind)


@pytest.mark.django_db
def test_invited_suppliers_get_the_default_reminders_and_the_buyer_none(
    market, buyer_company, buyer, supplier_a_company, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()

    submission = company_rows(supplier_a_company)
    assert sorted(submission.values_list("offset_minutes", flat=True)) == [24 * 60, 3 * 24 * 60]
    assert {row.due_at for row in submission} == {
        tender.submission_deadline - timedelta(days=3),
        tender.submission_deadline - timedelta(hours=24),
    }
    clarification = company_rows(supplier_a_company, EventKind.CLARIFICATION_DEADLINE)
    assert [(r.offset_minutes, r.due_at) for r in clarification] == [
        (24 * 60, tender.clarification_deadline - timedelta(hours=24))
    ]
    assert not Reminder.objects.filter(company=buyer_company).exists()


# The morning after the clocks change in Berlin: spring forward (28 March 2027, 02:00 -> 03:00) and
# fall back (31 October 2027, 03:00 -> 02:00). The reminder must be 24 h / 72 h of real time before.
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("deadline_local", "offset"),
    [
        (datetime(2027, 3, 29, 9, 0, tzinfo=BERLIN), timedelta(hours=24)),
        (datetime(2027, 3, 29, 9, 0, tzinfo=BERLIN), timedelta(days=3)),
        (datetime(2027, 11, 1, 9, 0, tzinfo=BERLIN), timedelta(hours=24)),
        (datetime(2027, 11, 1, 9, 0, tzinfo=BERLIN), timedelta(days=3)),
    ],
    ids=["spring-24h", "spring-3d", "autumn-24h", "autumn-3d"],
)
def test_a_reminder_fires_once_at_exactly_its_instant_across_a_dst_change(
    market, buyer_company, buyer, supplier_a_company, supplier_a, run_events, outbox, deadline_local, offset
):
    deadline = deadline_local.astimezone(UTC)
    due = deadline - offset
    with time_machine.travel(deadline - timedelta(days=10), tick=False):
        tender = publish(
            buyer_company,
            buyer,
            invite=[supplier_a_company],
            clarification_deadline=deadline - timedelta(days=6),
            submission_deadline=deadline,
        )
        run_events()
    row = company_rows(supplier_a_company).get(offset_minutes=int(offset.total_seconds() // 60))
    assert row.due_at == due
    # Local wall-clock arithmetic would be an hour off: the clocks changed in between.
    assert due.astimezone(BERLIN).hour != deadline_local.hour or offset == timedelta(hours=24)

    with time_machine.travel(due - timedelta(microseconds=1), tick=False):
        reminders.send_due()
    assert not [p for p in deadline_events(outbox) if p["reminder_id"] == row.pk]

    with time_machine.travel(due, tick=False):
        reminders.send_due()
        reminders.send_due()  # beat running again, or a second worker
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        reminders.send_due()

    sent = [p for p in deadline_events(outbox) if p["reminder_id"] == row.pk]
    assert len(sent) == 1
    assert sent[0]["tender_id"] == tender.pk
    assert sent[0]["kind"] == "submission"
    assert sent[0]["recipient_ids"] == [supplier_a.pk]
    assert datetime.fromisoformat(sent[0]["at"].replace("Z", "+00:00")) == deadline
    row.refresh_from_db()
    assert row.sent_at == due


@pytest.mark.django_db
def test_a_crash_between_claim_and_emit_leaves_the_reminder_to_the_next_run_which_sends_it_once(
    market, buyer_company, buyer, supplier_a_company, run_events, outbox
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    row = company_rows(supplier_a_company).get(offset_minutes=24 * 60)
    real_emit = reminders.events.emit_on_commit
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        if kwargs.get("reminder_id") == row.pk:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("worker killed")
        return real_emit(*args, **kwargs)

    with time_machine.travel(row.due_at, tick=False), mock.patch.object(reminders.events, "emit_on_commit", crash_once):
        counts = reminders.send_due()
        row.refresh_from_db()
        assert row.sent_at is None  # the claim rolled back with the failed emit
        assert not [p for p in deadline_events(outbox) if p["reminder_id"] == row.pk]
        assert counts["sent"] == 0
        reminders.send_due()
        reminders.send_due()

    sent = [p for p in deadline_events(outbox) if p["reminder_id"] == row.pk]
    assert len(sent) == 1
    assert tender.pk == sent[0]["tender_id"]


@pytest.mark.django_db
def test_a_claimed_reminder_is_not_sent_by_another_worker(
    market, buyer_company, buyer, supplier_a_company, run_events, outbox
):
    publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    row = company_rows(supplier_a_company).get(offset_minutes=24 * 60)
    with time_machine.travel(row.due_at, tick=False):
        assert reminders.send_one(row.pk) == "sent"
        assert reminders.send_one(row.pk) == "taken"
    assert len([p for p in deadline_events(outbox) if p["reminder_id"] == row.pk]) == 1


@pytest.mark.django_db
def test_a_supplier_that_submitted_is_not_reminded_and_only_members_who_can_quote_are(
    market, buyer_company, buyer, supplier_a_company, supplier_a, supplier_b_company, supplier_b, run_events, outbox
):
    viewer = member(supplier_b_company, "viewer").user
    owner = member(supplier_b_company, "owner").user
    tender = publish(buyer_company, buyer, invite=[supplier_a_company, supplier_b_company])
    submitted_quote(tender, supplier_a_company, supplier_a)
    run_events()
    due = tender.submission_deadline - timedelta(hours=24)

    with time_machine.travel(due, tick=False):
        reminders.send_due()

    sent = [p for p in deadline_events(outbox) if p["kind"] == "submission"]
    assert len(sent) == 1
    assert sorted(sent[0]["recipient_ids"]) == sorted([supplier_b.pk, owner.pk])
    assert viewer.pk not in sent[0]["recipient_ids"]
    skipped = company_rows(supplier_a_company).get(offset_minutes=24 * 60)
    assert skipped.sent_at is None
    assert skipped.skip_reason == "the company already submitted its quote"


@pytest.mark.django_db
def test_an_amendment_moves_the_reminders_to_the_new_deadline(
    market, buyer_company, buyer, supplier_a_company, run_events, outbox
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    old_due = tender.submission_deadline - timedelta(hours=24)
    new_deadline = (tender.submission_deadline + timedelta(days=5)).replace(microsecond=0)

    tender_services.tender_amend(
        tender=tender, actor=buyer, reason="More time.", changes={"submission_deadline": new_deadline}
    )
    run_events()

    pending = company_rows(supplier_a_company).filter(sent_at__isnull=True, skipped_at__isnull=True)
    assert sorted(pending.values_list("due_at", flat=True)) == [
        new_deadline - timedelta(days=3),
        new_deadline - timedelta(hours=24),
    ]
    with time_machine.travel(old_due, tick=False):
        reminders.send_due()
    assert not [p for p in deadline_events(outbox) if p["kind"] == "submission"]
    with time_machine.travel(new_deadline - timedelta(hours=24), tick=False):
        reminders.send_due()
    sent = [p for p in deadline_events(outbox) if p["kind"] == "submission"]
    assert len(sent) == 1
    assert datetime.fromisoformat(sent[0]["at"].replace("Z", "+00:00")) == new_deadline


@pytest.mark.django_db
def test_a_cancelled_tender_sends_no_reminder(market, buyer_company, buyer, supplier_a_company, run_events, outbox):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    tender_services.tender_cancel(tender=tender, actor=buyer, reason="Not needed.")
    run_events()
    with time_machine.travel(tender.submission_deadline - timedelta(hours=1), tick=False):
        counts = reminders.send_due()
    assert counts["sent"] == 0
    assert not deadline_events(outbox)


@pytest.mark.django_db
def test_company_settings_replace_the_defaults_and_replan_upcoming_deadlines(
    market, buyer_company, buyer, supplier_a_company, supplier_a, run_events
):
    owner = member(supplier_a_company, "owner").user
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()

    services.reminder_settings_update(
        company=supplier_a_company, actor=owner, submission_offsets="2h", clarification_offsets=""
    )

    assert CompanyReminderSettings.objects.get(company=supplier_a_company).submission_offsets == [120]
    pending = Reminder.objects.pending().filter(company=supplier_a_company)
    assert [(r.event.kind, r.due_at) for r in pending] == [
        (EventKind.SUBMISSION_DEADLINE, tender.submission_deadline - timedelta(hours=2))
    ]
    with pytest.raises(Exception, match="does not allow"):
        services.reminder_settings_update(
            company=supplier_a_company, actor=supplier_a, submission_offsets="1d", clarification_offsets=""
        )


@pytest.mark.django_db
def test_reminder_settings_refuse_nonsense_with_field_errors(supplier_a_company):
    from cotai.exceptions import ValidationFailed

    owner = member(supplier_a_company, "owner").user
    with pytest.raises(ValidationFailed) as caught:
        services.reminder_settings_update(
            company=supplier_a_company, actor=owner, submission_offsets="3 days", clarification_offsets="90d"
        )
    assert set(caught.value.errors) == {"submission_offsets", "clarification_offsets"}
    assert not CompanyReminderSettings.objects.exists()


@pytest.mark.django_db
def test_beat_plans_reminders_for_a_supplier_that_started_a_quote(
    market, buyer_company, buyer, supplier_b_company, supplier_b, run_events, outbox
):
    tender = publish(buyer_company, buyer, visibility=Visibility.PUBLIC, category=market)
    run_events()
    draft_quote(tender, supplier_b_company, supplier_b)  # no domain event for a draft
    assert not company_rows(supplier_b_company).exists()

    counts = reminders.send_due()

    assert counts["replanned"] == 1
    assert company_rows(supplier_b_company).count() == 2
    assert reminders.send_due()["replanned"] == 0
    with time_machine.travel(tender.submission_deadline - timedelta(hours=24), tick=False):
        reminders.send_due()
    assert [p["recipient_ids"] for p in deadline_events(outbox)] == [[supplier_b.pk]]


@pytest.mark.django_db
def test_beat_does_not_keep_replanning_a_company_that_switched_submission_reminders_off(
    market, buyer_company, buyer, supplier_b_company, supplier_b, run_events
):
    CompanyReminderSettings.objects.create(company=supplier_b_company, submission_offsets=[], clarification_offsets=[])
    tender = publish(buyer_company, buyer, visibility=Visibility.PUBLIC, category=market)
    run_events()
    draft_quote(tender, supplier_b_company, supplier_b)
    assert reminders.send_due()["replanned"] == 0
    assert not Reminder.objects.filter(company=supplier_b_company).exists()


@pytest.mark.django_db
def test_a_personal_reminder_on_a_weekly_meeting_follows_its_wall_clock_time_across_dst(outbox):
    # Mondays 09:00 in Berlin from 22 March 2027; the clocks change on Sunday 28 March.
    with time_machine.travel(datetime(2027, 3, 20, 12, tzinfo=UTC), tick=False):
        event = CalendarEventFactory(
            kind=EventKind.CUSTOM,
            start=datetime(2027, 3, 22, 9, tzinfo=BERLIN),
            end=datetime(2027, 3, 22, 9, 30, tzinfo=BERLIN),
            time_zone="Europe/Berlin",
            rrule="FREQ=WEEKLY;BYDAY=MO",
        )
        services.reminders_set(event=event, actor=event.owner_user, minutes=[15])
    first = Reminder.objects.get(event=event)
    assert first.due_at == datetime(2027, 3, 22, 8, 45, tzinfo=BERLIN)

    with time_machine.travel(first.due_at, tick=False):
        reminders.send_due()
    second = Reminder.objects.pending().get(event=event)
    assert second.occurrence_start == datetime(2027, 3, 29, 9, tzinfo=BERLIN)
    assert second.due_at == datetime(2027, 3, 29, 8, 45, tzinfo=BERLIN)  # 06:45 UTC, not 07:45
    with time_machine.travel(second.due_at, tick=False):
        reminders.send_due()

    sent = [row.payload for row in outbox("calendar.reminder")]
    assert [p["recipient_ids"] for p in sent] == [[event.owner_user_id]] * 2
    assert [p["at"] for p in sent] == ["2027-03-22T08:00:00Z", "2027-03-29T07:00:00Z"]


@pytest.mark.django_db
def test_a_personal_reminder_on_a_tender_deadline_is_a_deadline_reminder_for_that_person_only(
    market, buyer_company, buyer, supplier_a_company, run_events, outbox
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    event = CalendarEvent.objects.get(tender=tender, kind=EventKind.SUBMISSION_DEADLINE)
    services.reminders_set(event=event, actor=buyer, minutes="2h")
    assert UserReminder.objects.get(user=buyer).minutes_before == 120

    with time_machine.travel(tender.submission_deadline - timedelta(hours=2), tick=False):
        reminders.send_due()

    personal = [p for p in deadline_events(outbox) if p["recipient_ids"] == [buyer.pk]]
    assert len(personal) == 1
    assert personal[0]["tender_id"] == tender.pk


@pytest.mark.django_db
def test_nobody_sets_a_reminder_on_an_event_they_cannot_see(outsider):
    from cotai.exceptions import NotFound

    event = CalendarEventFactory()
    with pytest.raises(NotFound):
        services.reminders_set(event=event, actor=outsider, minutes=[10])


@pytest.mark.django_db
def test_a_reminder_whose_time_passed_while_beat_was_down_is_sent_late_but_never_after_the_deadline(
    market, buyer_company, buyer, supplier_a_company, run_events, outbox
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    with time_machine.travel(tender.submission_deadline - timedelta(hours=23), tick=False):
        reminders.send_due()  # the 3-day and 24-hour reminders are both late: the latest goes out
    late = [p for p in deadline_events(outbox) if p["kind"] == "submission"]
    assert [p["minutes_before"] for p in late] == [24 * 60]
    assert (
        company_rows(supplier_a_company).get(offset_minutes=3 * 24 * 60).skip_reason == "superseded by a later reminder"
    )

    tender2 = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    with time_machine.travel(tender2.submission_deadline + timedelta(minutes=1), tick=False):
        reminders.send_due()
    assert not [p for p in deadline_events(outbox) if p["tender_id"] == tender2.pk and p["kind"] == "submission"]
    assert set(
        company_rows(supplier_a_company).filter(event__tender=tender2).values_list("skip_reason", flat=True)
    ) == {"the time passed before the reminder could be sent"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_reminder_on_postgres_send_it_once(
    market, buyer_company, buyer, supplier_a_company, run_events, outbox
):
    import threading

    from django.db import connection

    from cotai.testing import need_service, using_postgres

    need_service("PostgreSQL", using_postgres(), "row locks of a real server")
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    row = company_rows(supplier_a_company).get(offset_minutes=24 * 60)
    now = tender.submission_deadline - timedelta(hours=24)
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(reminders.send_one(row.pk, now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["sent", "taken", "taken", "taken"]
    assert len([p for p in deadline_events(outbox) if p["reminder_id"] == row.pk]) == 1


@pytest.mark.django_db
def test_a_sent_reminder_becomes_a_notification_for_exactly_its_recipients(
    market, buyer_company, buyer, supplier_a_company, supplier_a, supplier_b_company, supplier_b, run_events, outbox
):
    from cotai.events import registry
    from notifications.models import Notification

    tender = publish(buyer_company, buyer, invite=[supplier_a_company, supplier_b_company])
    submitted_quote(tender, supplier_b_company, supplier_b)
    run_events()
    with time_machine.travel(tender.submission_deadline - timedelta(hours=24), tick=False):
        reminders.send_due()
        for row in outbox("deadline.approaching"):
            for entry in registry.matching(row.name):
                if entry.name.startswith("notifications."):
                    entry.handler(row.to_domain_event())

    assert Notification.objects.filter(recipient=supplier_a, event_type="deadline.approaching").count() == 1
    assert not Notification.objects.filter(recipient=supplier_b, event_type="deadline.approaching").exists()
    assert not Notification.objects.filter(recipient=buyer, event_type="deadline.approaching").exists()
