"""The correlation id of the work that enqueued a task is the one the task runs under, in a real worker."""

from __future__ import annotations

import pytest

from cotai.context import get_correlation_id, reset_correlation_id, set_correlation_id
from cotai.events.tests import handlers
from cotai.events.tests.conftest import running_worker, wait_until


@pytest.fixture
def clean_handlers():
    handlers.reset()
    yield
    handlers.reset()


def test_task_runs_in_the_worker_under_the_correlation_id_it_was_enqueued_with(clean_handlers):
    with running_worker():
        token = set_correlation_id("abc")
        try:
            handlers.record_correlation_id.apply_async()
        finally:
            reset_correlation_id(token)
        assert get_correlation_id() is None
        # Enqueued with no id: it must not inherit the previous task's id in the worker.
        handlers.record_correlation_id.apply_async()
        wait_until(lambda: len(handlers.task_correlation_ids) == 2, timeout=20, what="both tasks to run")

    assert handlers.task_correlation_ids == ["abc", None]
