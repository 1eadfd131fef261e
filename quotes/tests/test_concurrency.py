"""Concurrent submissions on PostgreSQL: the tender row lock serializes them, so revisions stay
consistent (numbers 1..n, the current one the last), and a submission that gets the lock after the
deadline is refused and stored nowhere, even though it was sent before."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cotai.exceptions import InvalidState
from cotai.testing import need_service, using_postgres
from quotes import services
from quotes.models import Quote, QuoteRevision
from quotes.services._common import lock_tender
from quotes.tests.factories import published_tender, submitted_quote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()


def _submitter(quote: Quote, actor, start_at: float, results: list, barrier: threading.Barrier | None = None):
    def run() -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=30)
            time.sleep(max(0.0, start_at - time.monotonic()))
            revision = services.quote_submit(quote=quote, actor=actor)
            results.append(("ok", revision.number, revision.submitted_at))
        except InvalidState as exc:
            results.append(("refused", exc.message, None))
        except Exception as exc:  # noqa: BLE001 - any other outcome is what the test must report
            results.append(("error", repr(exc), None))
        finally:
            connection.close()

    return threading.Thread(target=run)


def test_concurrent_submissions_at_the_deadline_leave_consistent_revisions(
    market, buyer_company, supplier_a, supplier_a_company, supplier_b, supplier_b_company
):
    need_service("PostgreSQL", using_postgres(), "row locks are what this test is about")
    tender = published_tender(buyer_company, market, submission_deadline=timezone.now() + timedelta(seconds=6))
    quotes = [
        submitted_quote(tender, supplier_a_company, supplier_a),
        submitted_quote(tender, supplier_b_company, supplier_b),
    ]
    actors = [supplier_a, supplier_b]

    # 1. Eight submissions at once, well before the deadline: all stored, numbered without gaps.
    results: list = []
    barrier = threading.Barrier(8)
    _run([_submitter(quotes[index % 2], actors[index % 2], time.monotonic(), results, barrier) for index in range(8)])
    assert [outcome for outcome, *_ in results] == ["ok"] * 8, results
    for quote in quotes:
        quote.refresh_from_db()
        numbers = list(QuoteRevision.objects.filter(quote=quote).order_by("number").values_list("number", flat=True))
        assert numbers == [1, 2, 3, 4, 5]
        assert quote.current_revision.number == 5

    # 2. Submissions sent before the deadline while another transaction holds the tender row across
    #    it: they get the lock after the deadline, so the server clock refuses them all.
    deadline = tender.submission_deadline
    seconds_left = (deadline - timezone.now()).total_seconds()
    assert seconds_left > 1.5, "the first phase took too long for this machine"
    holder_started = threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                lock_tender(tender.pk)
                holder_started.set()
                time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.3)
        finally:
            connection.close()

    time.sleep(max(0.0, seconds_left - 1.0))
    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert holder_started.wait(timeout=10)
    late: list = []
    sent_at = timezone.now()
    assert sent_at < deadline
    _run([_submitter(quotes[index % 2], actors[index % 2], time.monotonic(), late) for index in range(4)])
    holder.join(timeout=30)
    assert [outcome for outcome, *_ in late] == ["refused"] * 4, late
    assert all("deadline" in message for _, message, _ in late)
    assert QuoteRevision.objects.count() == 10
    assert not QuoteRevision.objects.filter(submitted_at__gte=deadline).exists()
    for quote in quotes:
        quote.refresh_from_db()
        assert quote.current_revision.number == 5
