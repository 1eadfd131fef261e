"""The beat task closes tenders on time, by the server clock, and running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from tenders.choices import TenderStatus
from tenders.tasks import close_due_tenders
from tenders.tests.factories import TenderFactory

pytestmark = pytest.mark.django_db


def test_the_task_closes_a_tender_at_its_deadline_and_not_before(published, outbox):
    deadline = published.submission_deadline
    with time_machine.travel(deadline - timedelta(seconds=1), tick=False):
        assert close_due_tenders() == 0
    published.refresh_from_db()
    assert published.status == TenderStatus.PUBLISHED

    with time_machine.travel(deadline + timedelta(seconds=30), tick=False):
        assert close_due_tenders() == 1
    published.refresh_from_db()
    assert published.status == TenderStatus.CLOSED
    assert published.closed_at == deadline + timedelta(seconds=30)
    [event] = outbox("tender.closed")
    assert event.payload["tender_id"] == published.pk


def test_running_the_task_twice_changes_nothing(published, outbox, audit_log):
    with time_machine.travel(published.submission_deadline + timedelta(minutes=1), tick=False):
        assert close_due_tenders() == 1
        assert close_due_tenders() == 0
    published.refresh_from_db()
    assert published.status == TenderStatus.CLOSED
    assert len(outbox("tender.closed")) == 1
    assert len(audit_log(type="tender.closed")) == 1


def test_the_task_leaves_drafts_and_cancelled_tenders_alone(buyer, buyer_company, published):
    from tenders import services

    overdue_draft = TenderFactory(buyer=buyer_company)
    cancelled = services.tender_cancel(
        tender=services.tender_publish(
            tender=TenderFactory(buyer=buyer_company, category=published.category), actor=buyer
        ),
        actor=buyer,
        reason="r",
    )
    with time_machine.travel(published.submission_deadline + timedelta(days=30), tick=False):
        assert close_due_tenders() == 1
    overdue_draft.refresh_from_db()
    cancelled.refresh_from_db()
    assert overdue_draft.status == TenderStatus.DRAFT
    assert cancelled.status == TenderStatus.CANCELLED


def test_the_task_is_scheduled_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["tenders-close-due"]
    assert entry == {"task": "tenders.tasks.close_due_tenders", "schedule": 60.0}
    assert close_due_tenders.name == entry["task"]
