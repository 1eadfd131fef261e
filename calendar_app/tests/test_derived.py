"""Deadlines of tenders and quotes appear by themselves for the parties concerned, and only for them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from calendar_app import derived, selectors
from calendar_app.choices import EventKind, EventStatus
from calendar_app.models import CalendarEvent, Reminder
from calendar_app.tests.factories import publish
from quotes import services as quote_services
from quotes.tests.factories import draft_quote, open_now, submitted_quote
from tenders import services as tender_services
from tenders.choices import Visibility
from tenders.models import TenderInvitation

TENDER_DEADLINES = {EventKind.CLARIFICATION_DEADLINE, EventKind.SUBMISSION_DEADLINE, EventKind.OPENING}


def kinds_seen(user, company):
    return {event.kind for event in selectors.event_list_for(actor=user, company=company)}


@pytest.mark.django_db
def test_publishing_gives_the_buyer_and_the_invited_supplier_the_deadlines_and_nobody_else(
    market,
    buyer_company,
    buyer,
    buyer_admin,
    supplier_a_company,
    supplier_a,
    supplier_b_company,
    supplier_b,
    outsider,
    outsider_company,
    run_events,
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company], delivery_date=date.today() + timedelta(days=40))
    run_events()

    expected = TENDER_DEADLINES | {EventKind.DELIVERY}
    assert kinds_seen(buyer, buyer_company) == expected
    assert kinds_seen(buyer_admin, buyer_company) == expected
    assert kinds_seen(supplier_a, supplier_a_company) == expected
    assert kinds_seen(supplier_b, supplier_b_company) == set()
    assert kinds_seen(outsider, outsider_company) == set()
    submission = CalendarEvent.objects.get(tender=tender, kind=EventKind.SUBMISSION_DEADLINE)
    assert submission.start == tender.submission_deadline
    assert submission.uid == f"submission-deadline-tender-{tender.pk}@cotai"
    assert tender.number in submission.title


@pytest.mark.django_db
def test_a_draft_tender_has_no_events(market, buyer_company, buyer, supplier_a_company):
    from tenders.tests.factories import TenderFactory

    tender = TenderFactory(buyer=buyer_company, visibility=Visibility.INVITED)
    tender_services.invitation_create(tender=tender, actor=buyer, supplier=supplier_a_company)
    assert derived.sync_tender(tender.pk) == []
    assert not CalendarEvent.objects.exists()


@pytest.mark.django_db
def test_a_public_tender_reaches_a_supplier_of_its_category_only_once_it_starts_a_quote(
    market, buyer_company, buyer, supplier_b_company, supplier_b, run_events
):
    tender = publish(buyer_company, buyer, visibility=Visibility.PUBLIC, category=market)
    run_events()
    assert kinds_seen(supplier_b, supplier_b_company) == set()

    draft_quote(tender, supplier_b_company, supplier_b)

    assert kinds_seen(supplier_b, supplier_b_company) == TENDER_DEADLINES


@pytest.mark.django_db
def test_handling_the_same_events_again_changes_nothing(market, buyer_company, buyer, supplier_a_company, run_events):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    before = list(CalendarEvent.objects.order_by("pk").values("pk", "sequence", "start", "updated_at"))
    reminders_before = Reminder.objects.count()

    derived.sync_tender(tender.pk)
    derived.sync_tender(tender.pk)

    assert list(CalendarEvent.objects.order_by("pk").values("pk", "sequence", "start", "updated_at")) == before
    assert Reminder.objects.count() == reminders_before


@pytest.mark.django_db
def test_an_amendment_moves_the_deadlines_and_raises_their_sequence(
    market, buyer_company, buyer, supplier_a_company, supplier_a, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    submission = CalendarEvent.objects.get(tender=tender, kind=EventKind.SUBMISSION_DEADLINE)
    clarification = CalendarEvent.objects.get(tender=tender, kind=EventKind.CLARIFICATION_DEADLINE)
    new_deadline = (tender.submission_deadline + timedelta(days=3)).replace(microsecond=0)

    tender_services.tender_amend(
        tender=tender, actor=buyer, reason="More time.", changes={"submission_deadline": new_deadline}
    )
    run_events()

    submission.refresh_from_db()
    clarification.refresh_from_db()
    assert submission.start == new_deadline
    assert submission.sequence == 1
    assert CalendarEvent.objects.get(tender=tender, kind=EventKind.OPENING).start == new_deadline
    assert clarification.sequence == 0  # unchanged events keep their sequence
    seen = {e.kind: e.start for e in selectors.event_list_for(actor=supplier_a, company=supplier_a_company)}
    assert seen[EventKind.SUBMISSION_DEADLINE] == new_deadline


@pytest.mark.django_db
def test_a_cancellation_marks_the_events_cancelled_and_removes_them_from_views(
    market, buyer_company, buyer, supplier_a_company, supplier_a, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()

    tender_services.tender_cancel(tender=tender, actor=buyer, reason="Budget withdrawn.")
    run_events()

    events = CalendarEvent.objects.filter(tender=tender)
    assert events.count() == 3
    assert set(events.values_list("status", flat=True)) == {EventStatus.CANCELLED}
    assert all(event.sequence == 1 and event.cancelled_at for event in events)
    assert kinds_seen(buyer, buyer_company) == set()
    assert kinds_seen(supplier_a, supplier_a_company) == set()
    assert not Reminder.objects.pending().exists()


@pytest.mark.django_db
def test_a_declined_invitation_takes_the_deadlines_away_from_the_supplier(
    market, buyer_company, buyer, supplier_a_company, supplier_a, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    run_events()
    invitation = TenderInvitation.objects.get(tender=tender, supplier=supplier_a_company)

    tender_services.invitation_decline(
        invitation=invitation, actor=supplier_a, company=supplier_a_company, reason="No capacity."
    )
    run_events()

    assert kinds_seen(supplier_a, supplier_a_company) == set()
    assert not Reminder.objects.pending().filter(company=supplier_a_company).exists()


@pytest.mark.django_db
def test_an_invitation_by_email_reaches_the_company_of_that_member(
    market, buyer_company, buyer, supplier_b_company, supplier_b, run_events
):
    from tenders.tests.factories import TenderFactory

    tender = TenderFactory(buyer=buyer_company, visibility=Visibility.INVITED)
    tender_services.invitation_create(tender=tender, actor=buyer, email=supplier_b.email)
    tender_services.tender_publish(tender=tender, actor=buyer)
    run_events()

    assert kinds_seen(supplier_b, supplier_b_company) == TENDER_DEADLINES
    assert Reminder.objects.filter(company=supplier_b_company).exists()


@pytest.mark.django_db
def test_quote_validity_is_the_suppliers_and_sealed_from_the_buyer_until_the_opening(
    market, buyer_company, buyer, supplier_a_company, supplier_a, supplier_b_company, supplier_b, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company, supplier_b_company])
    validity = timezone.localdate() + timedelta(days=90)
    submitted_quote(tender, supplier_a_company, supplier_a, validity_date=validity)
    run_events()

    event = CalendarEvent.objects.get(kind=EventKind.QUOTE_VALIDITY)
    assert event.all_day
    assert event.start.date() == validity
    assert EventKind.QUOTE_VALIDITY in kinds_seen(supplier_a, supplier_a_company)
    assert EventKind.QUOTE_VALIDITY not in kinds_seen(supplier_b, supplier_b_company)
    assert EventKind.QUOTE_VALIDITY not in kinds_seen(buyer, buyer_company)

    open_now(tender)

    assert EventKind.QUOTE_VALIDITY in kinds_seen(buyer, buyer_company)
    assert EventKind.QUOTE_VALIDITY not in kinds_seen(supplier_b, supplier_b_company)


@pytest.mark.django_db
def test_a_withdrawn_quote_cancels_its_validity_event(
    market, buyer_company, buyer, supplier_a_company, supplier_a, run_events
):
    tender = publish(buyer_company, buyer, invite=[supplier_a_company])
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    run_events()

    quote_services.quote_withdraw(quote=quote, actor=supplier_a, reason="Prices changed.")
    run_events()

    event = CalendarEvent.objects.get(kind=EventKind.QUOTE_VALIDITY)
    assert event.status == EventStatus.CANCELLED
    assert EventKind.QUOTE_VALIDITY not in kinds_seen(supplier_a, supplier_a_company)


@pytest.mark.django_db
def test_a_removed_delivery_date_cancels_the_delivery_event(market, buyer_company, buyer, run_events):
    tender = publish(buyer_company, buyer, delivery_date=date.today() + timedelta(days=30))
    run_events()

    tender_services.tender_amend(
        tender=tender, actor=buyer, reason="Delivery to be agreed.", changes={"delivery_date": None}
    )
    run_events()

    assert CalendarEvent.objects.get(kind=EventKind.DELIVERY).status == EventStatus.CANCELLED
