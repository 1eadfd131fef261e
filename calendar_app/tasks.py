"""Celery tasks of the calendar: thin and idempotent."""

from __future__ import annotations

from calendar_app import reminders
from celery import shared_task


@shared_task(name="calendar_app.tasks.send_due_reminders")
def send_due_reminders() -> dict[str, int]:
    """Beat, every minute: send each reminder whose time has come, exactly once."""
    return reminders.send_due()
