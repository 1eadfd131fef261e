"""Benchmark: the fan-out of one tender publication to thousands of supplier companies.

``manage.py notifications_bench_fanout --recipients 5000 --runs 5`` builds (once, in the database
it runs on) a buyer, a published public tender and N supplier companies registered in its
category with one representative each, then runs the real ``tender.published`` subscriber N times
and prints, as JSON, the wall time of each run (recipients resolved, notifications and queued
deliveries written, webhook deliveries planned) with the number of SQL queries it took.
Run it on a benchmark database, never on production data.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

BENCH_DOMAIN = "fanout.bench.cotai.localhost"
CATEGORY_CODE = "bench.fanout"


def build(recipients: int) -> int:
    """The tender (its id) and ``recipients`` supplier companies in its category; reused if present."""
    from accounts.models import User
    from companies.models import Category, Company, Membership
    from tenders.models import Tender

    category, _ = Category.objects.get_or_create(
        code=CATEGORY_CODE, defaults={"name": "Benchmark fan-out", "slug": "bench-fanout"}
    )
    buyer, _ = Company.objects.get_or_create(
        slug="bench-fanout-buyer",
        defaults={
            "legal_name": "Fan-out Buyer",
            "code": "BFOBUY",
            "tax_id": "BENCH-BUYER",
            "country": "BR",
            "kind": "buyer",
        },
    )
    existing = Company.objects.filter(slug__startswith="bench-fanout-supplier-").count()
    if existing < recipients:
        # Bulk rows for speed: this is benchmark data, not a business change (no services, no events).
        companies = Company.objects.bulk_create(
            [
                Company(
                    legal_name=f"Fan-out Supplier {i}",
                    slug=f"bench-fanout-supplier-{i}",
                    code=f"BF{i:06d}",
                    tax_id=f"BENCH-{i:08d}",
                    country="BR",
                    kind="supplier",
                )
                for i in range(existing, recipients)
            ],
            batch_size=1000,
        )
        companies = list(Company.objects.filter(slug__startswith="bench-fanout-supplier-").order_by("pk")[existing:])
        Company.categories.through.objects.bulk_create(
            [Company.categories.through(company_id=c.pk, category_id=category.pk) for c in companies], batch_size=1000
        )
        password = make_password(None)
        User.objects.bulk_create(
            [User(email=f"rep{c.pk}@{BENCH_DOMAIN}", full_name=f"Rep {c.pk}", password=password) for c in companies],
            batch_size=1000,
        )
        users = {u.email: u.pk for u in User.objects.filter(email__endswith=BENCH_DOMAIN)}
        Membership.objects.bulk_create(
            [
                Membership(user_id=users[f"rep{c.pk}@{BENCH_DOMAIN}"], company_id=c.pk, role="supplier_rep")
                for c in companies
            ],
            batch_size=1000,
        )
    now = timezone.now()
    tender, _ = Tender.objects.get_or_create(
        buyer=buyer,
        number="BFOBUY-BENCH-0001",
        defaults={
            "title": "Fan-out benchmark",
            "currency": "BRL",
            "category": category,
            "visibility": "public",
            "status": "published",
            "published_at": now,
            "clarification_deadline": now + timedelta(days=5),
            "submission_deadline": now + timedelta(days=10),
            "opening_at": now + timedelta(days=10),
        },
    )
    return tender.pk


def run(*, recipients: int = 5000, runs: int = 5) -> dict[str, Any]:
    """Time ``runs`` fan-outs of one publication to ``recipients`` suppliers; each run is rolled back."""
    from cotai.events import DomainEvent
    from notifications.models import Notification, NotificationDelivery
    from notifications.subscribers import on_tender_published

    tender_id = build(recipients)
    timings: list[float] = []
    queries: list[int] = []
    rows: dict[str, int] = {}

    class Rollback(Exception):
        pass

    for _ in range(runs):
        event = DomainEvent(
            id=uuid.uuid4(),
            name="tender.published",
            payload={"tender_id": tender_id},
            company_id=None,
            actor_id=None,
            correlation_id="",
            occurred_at=timezone.now(),
        )
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                on_tender_published(event)
                timings.append(time.perf_counter() - started)
                queries.append(len(captured.captured_queries))
                rows = {
                    "notifications": Notification.objects.filter(event_id=event.id).count(),
                    "queued_deliveries": NotificationDelivery.objects.filter(
                        notification__event_id=event.id, status="queued"
                    ).count(),
                }
                raise Rollback
        except Rollback:
            pass
    return {
        "scenario": "notifications-fanout",
        "recipients": recipients,
        "runs": runs,
        "seconds": {
            "min": round(min(timings), 4),
            "median": round(statistics.median(timings), 4),
            "max": round(max(timings), 4),
        },
        "queries": max(queries),
        **rows,
    }
