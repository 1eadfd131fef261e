"""Periodic jobs of the tenders domain: thin, idempotent, calling services."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.utils import timezone

from tenders import selectors, services

log = structlog.get_logger("tenders.tasks")


@shared_task(name="tenders.tasks.close_due_tenders", ignore_result=True)
def close_due_tenders() -> int:
    """Close every published tender whose submission deadline has passed; returns how many it closed.

    Runs every minute from beat (settings.CELERY_BEAT_SCHEDULE), so tenders close on time even when
    nobody visits the site. Each tender closes in its own transaction with a conditional UPDATE, so
    a second run, or a second worker running at the same time, changes nothing.
    """
    now = timezone.now()
    closed = 0
    for tender in selectors.tenders_due_for_closing(now):
        if services.tender_close(tender=tender, now=now):
            closed += 1
    if closed:
        log.info("tenders.closed_due", count=closed)
    return closed
