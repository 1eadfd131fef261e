"""Periodic housekeeping of sign-in records (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from accounts import services


@shared_task(name="accounts.tasks.prune_expired_tokens")
def prune_expired_tokens() -> dict[str, int]:
    """Idempotent: deletes only what has expired; running it twice deletes nothing more."""
    return services.tokens_prune_expired()
