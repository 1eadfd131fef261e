"""Digest emails: one email per person and period with the notifications that waited for it.

Run hourly by beat (``send_due_digests``). For every person with emails waiting for a digest, the
period whose time has come in the person's own time zone is computed (``schedule.digest_period``);
then the digest row of (person, period) is *claimed* — inserted, with the waiting deliveries
attached to it, in one transaction — before anything is sent. Consequences:

- nothing is sent twice: a second run (or a second worker) meets the unique (user, period) row;
- nothing is lost: a run that dies after the claim leaves an unsent row whose lease expires, and
  the next run sends that same digest; a failed send is retried at the next run, up to
  ``NOTIFICATIONS_MAX_ATTEMPTS`` times, after which its deliveries are failed with the error kept;
- notifications arriving after the claim wait for the next period.
A person who went back to immediate emails gets the waiting ones sent one by one instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.channels.email import _domain, classify_smtp_error
from notifications.choices import Channel, DeliveryStatus, DigestFrequency
from notifications.delivery import _log_attempt, enqueue_notification_deliveries
from notifications.metrics import DELIVERIES, DIGESTS_SENT
from notifications.models import Notification, NotificationDelivery, NotificationDigest, NotificationSettings
from notifications.rendering import SITE_NAME, Renderer, absolute_url
from notifications.schedule import digest_period

log = structlog.get_logger("cotai.notifications.digests")


def send_due_digests(*, now: datetime | None = None) -> dict[str, int]:
    """Claim and send every digest that is due now; resume unsent ones whose claim expired."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0, "released": 0}
    user_ids = set(
        NotificationDelivery.objects.pending_digest().values_list("notification__recipient_id", flat=True).distinct()
    )
    # Resume digests a dead worker left behind (their deliveries are attached, not pending).
    stale = list(
        NotificationDigest.objects.unsent().filter(
            claimed_until__lt=now, attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS
        )
    )
    User = get_user_model()
    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids | {d.user_id for d in stale})}
    person_settings = {row.user_id: row for row in NotificationSettings.objects.filter(user_id__in=users)}
    for digest in stale:
        user = users.get(digest.user_id)
        if user is not None and _take_over(digest, now):
            counts["sent" if _send(digest, user) else "failed"] += 1
    for user_id in sorted(user_ids):
        user = users.get(user_id)
        row = person_settings.get(user_id)
        if user is None:
            continue
        if row is None or row.digest_frequency == DigestFrequency.IMMEDIATE:
            counts["released"] += _release(user_id, now)
            continue
        period = digest_period(row.digest_frequency, now, user.time_zone, row.digest_hour, row.digest_weekday)
        if period is None:
            continue
        digest = claim_digest(user_id=user_id, period=period, frequency=row.digest_frequency, now=now)
        if digest is not None:
            counts["sent" if _send(digest, user) else "failed"] += 1
    return counts


def _release(user_id: int, now: datetime) -> int:
    """Send waiting emails of someone who no longer wants a digest one by one."""
    ids = list(
        NotificationDelivery.objects.pending_digest()
        .filter(notification__recipient_id=user_id)
        .values_list("id", flat=True)
    )
    NotificationDelivery.objects.filter(pk__in=ids, digest_pending=True).update(
        digest_pending=False, next_attempt_at=now
    )
    transaction.on_commit(lambda: enqueue_notification_deliveries(ids))
    return len(ids)


def claim_digest(*, user_id: int, period: str, frequency: str, now: datetime) -> NotificationDigest | None:
    """Insert the (user, period) digest with the waiting deliveries attached, or None if it exists
    already or nothing is waiting. The claim commits before any email is sent."""
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)
    try:
        with transaction.atomic():
            waiting = list(
                NotificationDelivery.objects.pending_digest()
                .filter(notification__recipient_id=user_id, notification__created_at__lte=now)
                .select_for_update()
                .values_list("id", "notification_id")
            )
            if not waiting:
                return None
            digest = NotificationDigest.objects.create(
                user_id=user_id, period=period, frequency=frequency, claimed_until=lease, created_at=now
            )
            NotificationDelivery.objects.filter(pk__in=[pk for pk, _ in waiting], digest__isnull=True).update(
                digest=digest
            )
            digest.notifications.add(*[notification_id for _, notification_id in waiting])
    except IntegrityError:
        return None  # this period's digest exists: sent, or being sent by another run
    return digest


def _take_over(digest: NotificationDigest, now: datetime) -> bool:
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)
    return bool(
        NotificationDigest.objects.filter(pk=digest.pk, sent_at__isnull=True, claimed_until__lt=now).update(
            claimed_until=lease
        )
    )


def render_digest(digest: NotificationDigest, user: Any, notifications: Sequence[Notification]) -> tuple[str, str, str]:
    """(subject, text, html) of a digest; each notification is rendered as its email would be."""
    renderer = Renderer()
    renderer.preload({n.event_type for n in notifications}, [Channel.EMAIL])
    items = []
    for notification in notifications:
        message = renderer.message(notification, Channel.EMAIL, user)
        items.append(
            {
                "subject": message.subject,
                "text": message.text,
                "url": message.url,
                "created_at": notification.created_at,
            }
        )
    label = "daily" if digest.frequency == DigestFrequency.DAILY else "weekly"
    subject = f"Your {label} CotAi summary: {len(items)} notification{'s' if len(items) != 1 else ''}"
    context = {
        "subject": subject,
        "items": items,
        "user": user,
        "site_name": SITE_NAME,
        "centre_url": absolute_url("/notifications/"),
        "preferences_url": absolute_url("/notifications/preferences/"),
    }
    text = render_to_string("notifications/email/digest.txt", context)
    html = render_to_string("notifications/email/digest.html", context)
    return subject, text, html


def _send(digest: NotificationDigest, user: Any) -> bool:
    from email.utils import make_msgid

    notifications = list(digest.notifications.order_by("created_at", "id"))
    subject, text, html = render_digest(digest, user, notifications)
    message_id = make_msgid(domain=_domain())
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[user.email],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(html, "text/html")
    now = timezone.now()
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - recorded; retried at the next run
        outcome = classify_smtp_error(exc)
        attempts = digest.attempts + 1
        final = outcome.result == "failed" or attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
        with transaction.atomic():
            NotificationDigest.objects.filter(pk=digest.pk).update(
                attempts=attempts, last_error=outcome.error[:2000], claimed_until=now if not final else None
            )
            if final:
                NotificationDelivery.objects.filter(digest=digest, status=DeliveryStatus.QUEUED).update(
                    status=DeliveryStatus.FAILED,
                    failed_at=now,
                    last_error=outcome.error[:2000],
                    attempts=attempts,
                    digest_pending=False,
                )
            _log_digest(digest, user, attempts, outcome.result, outcome.error, "")
        DELIVERIES.labels(channel="digest", status="failed" if final else "retry").inc()
        return False
    with transaction.atomic():
        NotificationDigest.objects.filter(pk=digest.pk).update(
            sent_at=now, message_id=message_id, attempts=digest.attempts + 1, claimed_until=None, last_error=""
        )
        NotificationDelivery.objects.filter(digest=digest, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENT,
            sent_at=now,
            provider_message_id=message_id,
            digest_pending=False,
            attempts=digest.attempts + 1,
        )
        _log_digest(digest, user, digest.attempts + 1, "sent", "", message_id)
    DIGESTS_SENT.labels(frequency=digest.frequency).inc()
    DELIVERIES.labels(channel="digest", status="sent").inc()
    return True


def _log_digest(digest: NotificationDigest, user: Any, attempt: int, result: str, error: str, message_id: str) -> None:
    _log_attempt(
        type="notification.digest",
        object_type="notification_digest",
        object_id=digest.pk,
        actor_id=user.pk,
        data={
            "period": digest.period,
            "attempt": attempt,
            "result": result,
            "error": error[:500],
            "provider_message_id": message_id,
        },
    )
