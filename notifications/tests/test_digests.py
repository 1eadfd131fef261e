"""Digests: one email per person and period, in the person's time zone, never twice, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from companies.tests.factories import CompanyFactory, member
from notifications import digests
from notifications.choices import Channel, DeliveryStatus
from notifications.fanout import SUPPLIER_ROLES, Audience, notify
from notifications.models import NotificationDelivery, NotificationDigest, NotificationSettings


def _notify(company, number: str) -> None:
    notify(
        audiences=[
            Audience(
                type="tender.published",
                link=f"/tenders/{number}/",
                companies=[company.pk],
                roles=SUPPLIER_ROLES,
                context={"tender": {"number": number, "title": f"Tender {number}", "buyer": "ACME"}},
            )
        ]
    )


@pytest.fixture
def daily_person(db):
    company = CompanyFactory()
    person = member(company, "supplier_rep", time_zone="America/Sao_Paulo").user
    NotificationSettings.objects.create(user=person, digest_frequency="daily", digest_hour=8)
    return company, person


@pytest.mark.django_db
def test_one_digest_per_period_even_when_the_job_runs_twice(daily_person):
    company, person = daily_person
    with time_machine.travel(datetime(2026, 5, 4, 20, 0, tzinfo=UTC), tick=False):  # 17:00 in São Paulo
        _notify(company, "A-1")
        _notify(company, "A-2")
        assert digests.send_due_digests() == {"sent": 1, "failed": 0, "released": 0}
        assert digests.send_due_digests() == {"sent": 0, "failed": 0, "released": 0}

    [message] = mail.outbox
    assert message.to == [person.email]
    assert message.subject == "Your daily CotAi summary: 2 notifications"
    assert "Tender A-1" in message.body
    assert "Tender A-2" in message.body
    assert "Tender A-1" in message.alternatives[0][0]
    digest = NotificationDigest.objects.get()
    assert digest.period == "daily:2026-05-04"
    assert digest.sent_at is not None
    assert digest.notifications.count() == 2
    assert set(NotificationDelivery.objects.filter(channel=Channel.EMAIL).values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }


@pytest.mark.django_db
def test_the_digest_waits_for_the_digest_hour_in_the_persons_time_zone(daily_person):
    company, _person = daily_person
    # 10:30 UTC is 07:30 in São Paulo: before the 08:00 digest hour.
    with time_machine.travel(datetime(2026, 5, 5, 10, 30, tzinfo=UTC), tick=False):
        _notify(company, "B-1")
        assert digests.send_due_digests()["sent"] == 0
    with time_machine.travel(datetime(2026, 5, 5, 11, 5, tzinfo=UTC), tick=False):  # 08:05 local
        assert digests.send_due_digests()["sent"] == 1
    assert NotificationDigest.objects.get().period == "daily:2026-05-05"
    # Later the same day, new notifications wait for the next day's digest.
    with time_machine.travel(datetime(2026, 5, 5, 15, 0, tzinfo=UTC), tick=False):
        _notify(company, "B-2")
        assert digests.send_due_digests()["sent"] == 0
    with time_machine.travel(datetime(2026, 5, 6, 11, 5, tzinfo=UTC), tick=False):
        assert digests.send_due_digests()["sent"] == 1
    assert len(mail.outbox) == 2
    assert "B-2" in mail.outbox[1].body
    assert "B-1" not in mail.outbox[1].body


@pytest.mark.django_db
def test_a_digest_claimed_by_a_worker_that_died_is_sent_by_the_next_run(daily_person, settings):
    company, person = daily_person
    with time_machine.travel(datetime(2026, 5, 4, 20, 0, tzinfo=UTC), tick=False):
        _notify(company, "C-1")
        # The worker claimed the period, then died before sending.
        digest = digests.claim_digest(
            user_id=person.pk, period="daily:2026-05-04", frequency="daily", now=datetime(2026, 5, 4, 20, 0, tzinfo=UTC)
        )
        assert digest is not None
        assert not mail.outbox
        assert digests.send_due_digests()["sent"] == 0  # its claim is still live
    with time_machine.travel(
        datetime(2026, 5, 4, 20, 0, tzinfo=UTC) + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS + 1)
    ):
        assert digests.send_due_digests()["sent"] == 1
    assert len(mail.outbox) == 1
    assert "C-1" in mail.outbox[0].body
    assert NotificationDigest.objects.count() == 1


@pytest.mark.django_db
def test_weekly_digests_go_out_on_the_chosen_day(db):
    company = CompanyFactory()
    person = member(company, "supplier_rep", time_zone="Europe/Lisbon").user
    NotificationSettings.objects.create(user=person, digest_frequency="weekly", digest_hour=9, digest_weekday=0)
    with time_machine.travel(datetime(2026, 5, 9, 12, 0, tzinfo=UTC), tick=False):  # a Saturday
        _notify(company, "W-1")
        assert digests.send_due_digests()["sent"] == 1  # this ISO week's Monday 09:00 has passed
    with time_machine.travel(datetime(2026, 5, 10, 12, 0, tzinfo=UTC), tick=False):  # Sunday, same ISO week
        _notify(company, "W-2")
        assert digests.send_due_digests()["sent"] == 0
    with time_machine.travel(datetime(2026, 5, 11, 7, 0, tzinfo=UTC), tick=False):  # Monday 08:00 in Lisbon
        assert digests.send_due_digests()["sent"] == 0
    with time_machine.travel(datetime(2026, 5, 11, 8, 30, tzinfo=UTC), tick=False):  # Monday 09:30 in Lisbon
        assert digests.send_due_digests()["sent"] == 1
    assert [d.period for d in NotificationDigest.objects.order_by("created_at")] == [
        "weekly:2026-W19",
        "weekly:2026-W20",
    ]


@pytest.mark.django_db
def test_going_back_to_immediate_emails_releases_the_waiting_ones(daily_person):
    company, person = daily_person
    _notify(company, "D-1")
    NotificationSettings.objects.filter(user=person).update(digest_frequency="immediate")
    assert digests.send_due_digests()["released"] == 1
    email = NotificationDelivery.objects.get(channel=Channel.EMAIL)
    assert not email.digest_pending
    assert email.status == DeliveryStatus.QUEUED
    assert email.next_attempt_at is not None
