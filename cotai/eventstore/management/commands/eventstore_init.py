"""``manage.py eventstore_init``: create the event store's indexes and TTL index. Safe to run on every deploy."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cotai.eventstore import get_event_store


class Command(BaseCommand):
    help = "Create the event store's query indexes and its TTL index (idempotent)."

    def handle(self, *args, **options) -> None:
        store = get_event_store()
        try:
            store.ping()
            reports = store.ensure_indexes()
        except Exception as exc:  # any failure to reach the store ends the command, with its reason
            raise CommandError(f"The event store ({store.name}) is not usable: {type(exc).__name__}: {exc}") from exc
        if not reports:
            self.stdout.write(
                f"Event store backend '{store.name}': its indexes are created by migrations "
                "('manage.py migrate'); expiry runs in the hourly task cotai.eventstore.tasks.expire_events."
            )
            return
        for report in reports:
            ttl = f", TTL after expires_at + {report.ttl_seconds}s" if report.ttl_seconds is not None else ""
            state = "created" if report.created else "already present"
            self.stdout.write(f"index {report.name} ({report.keys}{ttl}): {state}")
        created = sum(report.created for report in reports)
        self.stdout.write(
            self.style.SUCCESS(
                f"Event store backend '{store.name}': {created} index(es) created, "
                f"{len(reports) - created} already present."
            )
        )
