"""Periodic jobs of the quotes domain: thin, idempotent, calling services."""

from __future__ import annotations

import structlog
from celery import shared_task

from quotes import services

log = structlog.get_logger("quotes.tasks")


@shared_task(name="quotes.tasks.open_due_tenders", ignore_result=True)
def open_due_tenders() -> int:
    """Open the quotes of every tender whose opening time has come; returns how many were opened.

    Runs every minute from beat (settings.CELERY_BEAT_SCHEDULE). Each tender opens in its own
    transaction on its locked row and an opened tender is never opened twice, so a second run or a
    second worker changes nothing. Tenders that need a committee wait for its confirmations.
    """
    opened = services.open_due_tenders()
    if opened:
        log.info("quotes.opened_due", count=opened)
    return opened
