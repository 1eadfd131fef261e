"""Fan-out: recipients, channels per preference, schedules, quiet hours, digests, query counts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from companies.models import Company, Membership
from companies.tests.factories import CompanyFactory, member
from cotai.exceptions import ValidationFailed
from notifications import delivery, services
from notifications.choices import Channel, DeliveryStatus
from notifications.fanout import SUPPLIER_ROLES, Audience, notify
from notifications.models import Notification, NotificationDelivery, NotificationSettings
from notifications.tests.factories import DeviceTokenFactory

CONTEXT = {"tender": {"id": 1, "number": "ACME-2026-0001", "title": "Rebar", "buyer": "ACME"}}


def _published(companies, **kwargs) -> Audience:
    return Audience(
        type="tender.published",
        context=CONTEXT,
        link="/tenders/1/",
        companies=companies,
        roles=SUPPLIER_ROLES,
        **kwargs,
    )


def _channels(user) -> dict[str, str]:
    return dict(NotificationDelivery.objects.filter(notification__recipient=user).values_list("channel", "status"))


@pytest.mark.django_db
def test_members_with_the_roles_get_one_notification_and_deliveries_on_default_channels():
    company = CompanyFactory()
    rep = member(company, "supplier_rep").user
    viewer = member(company, "viewer").user
    inactive = member(company, "supplier_rep")
    Membership.objects.filter(pk=inactive.pk).update(is_active=False)

    result = notify(audiences=[_published([company.pk])])

    assert result.notifications == 1
    notification = Notification.objects.get()
    assert notification.recipient == rep
    assert notification.title == "New tender ACME-2026-0001: Rebar"
    assert notification.company == company
    assert _channels(rep) == {"in_app": DeliveryStatus.DELIVERED, "email": DeliveryStatus.QUEUED}
    assert not Notification.objects.filter(recipient=viewer).exists()


@pytest.mark.django_db
def test_channels_follow_preferences_and_what_can_reach_the_person():
    company = CompanyFactory()
    person = member(company, "supplier_rep", phone="+5511999990000").user
    DeviceTokenFactory(user=person)
    services.preferences_update(
        actor=person,
        choices={("tender.published", "email"): False, ("tender.published", "sms"): True},
    )
    no_phone = member(company, "supplier_rep").user
    services.preferences_update(actor=no_phone, choices={("tender.published", "sms"): True})

    notify(audiences=[_published([company.pk])])

    assert set(_channels(person)) == {"in_app", "sms", "push"}
    assert set(_channels(no_phone)) == {"in_app", "email"}  # no phone number: no SMS; no device: no push


@pytest.mark.django_db
def test_a_channel_missing_from_the_setting_is_off_for_everyone(settings):
    settings.NOTIFICATION_CHANNELS = {k: v for k, v in settings.NOTIFICATION_CHANNELS.items() if k != "email"}
    company = CompanyFactory()
    person = member(company, "supplier_rep").user
    notify(audiences=[_published([company.pk])])
    assert set(_channels(person)) == {"in_app"}


@pytest.mark.django_db
def test_security_notices_cannot_be_switched_off():
    user = member(CompanyFactory(), "viewer").user
    with pytest.raises(ValidationFailed) as error:
        services.preferences_update(actor=user, choices={("auth.password_changed", "email"): False})
    assert "cannot be switched off" in str(error.value.errors)
    # Even a row stored behind the service's back does not silence them.
    from notifications.models import NotificationPreference

    NotificationPreference.objects.create(user=user, event_type="auth.password_changed", channel="email", enabled=False)
    notify(audiences=[Audience(type="auth.password_changed", context={}, user_ids=[user.pk], webhook=False)])
    assert set(_channels(user)) == {"in_app", "email"}


@pytest.mark.django_db
def test_a_person_in_two_audiences_of_the_same_type_gets_one_notification():
    company = CompanyFactory()
    person = member(company, "supplier_rep").user
    notify(audiences=[_published([company.pk]), _published([company.pk])])
    assert Notification.objects.filter(recipient=person).count() == 1


@pytest.mark.django_db
def test_a_scheduled_notification_is_not_delivered_before_its_time():
    company = CompanyFactory()
    person = member(company, "supplier_rep").user
    later = timezone.now() + timedelta(hours=2)
    notify(audiences=[_published([company.pk], scheduled_for=later)])

    assert _channels(person) == {"in_app": DeliveryStatus.QUEUED, "email": DeliveryStatus.QUEUED}
    assert services.notification_mark_all_read(actor=person) == 0  # not visible in the bell yet
    ids = list(NotificationDelivery.objects.values_list("id", flat=True))
    assert delivery.send_notification_deliveries(ids) == {}  # nothing is due
    assert delivery.deliver_due() == 0

    with time_machine.travel(later + timedelta(seconds=1)):
        assert delivery.deliver_due() == 2
        delivery.send_notification_deliveries(ids)
        assert _channels(person) == {"in_app": DeliveryStatus.DELIVERED, "email": DeliveryStatus.SENT}
        assert services.notification_mark_all_read(actor=person) == 1


@pytest.mark.django_db
def test_quiet_hours_postpone_interrupting_channels_of_non_urgent_notifications():
    company = CompanyFactory()
    person = member(company, "supplier_rep", time_zone="America/Sao_Paulo").user
    NotificationSettings.objects.create(user=person, quiet_hours_start=time(22), quiet_hours_end=time(7))
    # 23:30 in São Paulo (UTC-3) is 02:30 UTC the next day.
    with time_machine.travel(datetime(2026, 5, 5, 2, 30, tzinfo=UTC), tick=False):
        notify(audiences=[_published([company.pk])])
        notify(audiences=[Audience(type="auth.password_changed", context={}, user_ids=[person.pk], webhook=False)])
    email = NotificationDelivery.objects.get(notification__event_type="tender.published", channel=Channel.EMAIL)
    assert email.next_attempt_at == datetime(2026, 5, 5, 10, 0, tzinfo=UTC)  # 07:00 local
    bell = NotificationDelivery.objects.get(notification__event_type="tender.published", channel=Channel.IN_APP)
    assert bell.status == DeliveryStatus.DELIVERED  # the bell is never postponed
    urgent = NotificationDelivery.objects.get(notification__event_type="auth.password_changed", channel=Channel.EMAIL)
    assert urgent.next_attempt_at == datetime(2026, 5, 5, 2, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_quiet_hours_are_checked_again_when_sending():
    company = CompanyFactory()
    person = member(company, "supplier_rep", time_zone="UTC").user
    notify(audiences=[_published([company.pk])])
    NotificationSettings.objects.create(user=person, quiet_hours_start=time(0), quiet_hours_end=time(23, 59))
    email = NotificationDelivery.objects.get(channel=Channel.EMAIL)
    with time_machine.travel(datetime(2026, 5, 5, 12, 0, tzinfo=UTC), tick=False):
        NotificationDelivery.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        assert delivery.send_notification_deliveries([email.pk]) == {"postponed": 1}
    email.refresh_from_db()
    assert email.status == DeliveryStatus.QUEUED
    assert email.attempts == 0
    assert email.next_attempt_at == datetime(2026, 5, 5, 23, 59, tzinfo=UTC)


@pytest.mark.django_db
def test_digest_users_have_their_emails_wait_for_the_digest():
    company = CompanyFactory()
    person = member(company, "supplier_rep").user
    NotificationSettings.objects.create(user=person, digest_frequency="daily")
    notify(audiences=[_published([company.pk])])
    email = NotificationDelivery.objects.get(channel=Channel.EMAIL)
    assert email.digest_pending
    assert email.next_attempt_at is None


def _many_suppliers(count: int) -> Company:
    """``count`` active supplier representatives of one company, inserted in bulk."""
    company = CompanyFactory()
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"supplier{i}@fanout.example", full_name=f"Supplier {i}", password=password) for i in range(count)],
        batch_size=500,
    )
    if users[0].pk is None:
        users = list(User.objects.filter(email__endswith="@fanout.example").order_by("pk"))
    Membership.objects.bulk_create(
        [Membership(user=user, company=company, role="supplier_rep") for user in users], batch_size=500
    )
    return company


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 5000])
def test_fan_out_to_thousands_takes_a_bounded_number_of_queries(count):
    company = _many_suppliers(count)
    with CaptureQueriesContext(connection) as queries:
        result = notify(audiences=[_published([company.pk])])
    assert result.notifications == count
    assert NotificationDelivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.QUEUED).count() == count
    # Recipients, preferences, settings, devices, templates, endpoints: one query each; the rows
    # are written in a few statements whatever their number.
    assert len(queries.captured_queries) <= 20, [q["sql"][:80] for q in queries.captured_queries]
