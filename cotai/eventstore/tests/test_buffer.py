"""The batch buffer behind API usage: bounded, never blocking, written by a background thread."""

from __future__ import annotations

import threading
import time

import pytest

from cotai.eventstore.buffer import BatchBuffer


class Sink:
    def __init__(self, fail: bool = False):
        self.batches: list[list[dict]] = []
        self.fail = fail

    def __call__(self, batch):
        if self.fail:
            raise ConnectionError("store down")
        self.batches.append(list(batch))

    @property
    def entries(self) -> list[int]:
        return [entry["n"] for batch in self.batches for entry in batch]


def wait_until(condition, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_flush_writes_in_batches_in_arrival_order():
    sink = Sink()
    buffer = BatchBuffer(sink, max_entries=10, batch_size=2, background=False)
    for n in range(5):
        buffer.add({"n": n})
    assert buffer.flush() == 5
    assert [len(batch) for batch in sink.batches] == [2, 2, 1]
    assert sink.entries == [0, 1, 2, 3, 4]
    assert len(buffer) == 0


def test_a_full_buffer_drops_the_oldest_and_counts():
    drops: list[int] = []
    sink = Sink()
    buffer = BatchBuffer(sink, max_entries=3, batch_size=1, background=False, on_drop=drops.append)
    for n in range(5):
        buffer.add({"n": n})
    buffer.flush()
    assert sink.entries == [2, 3, 4]
    assert buffer.dropped == 2
    assert drops == [1, 1]


def test_a_failed_flush_keeps_the_entries_for_the_next_round():
    sink = Sink(fail=True)
    buffer = BatchBuffer(sink, max_entries=10, batch_size=2, background=False)
    for n in range(3):
        buffer.add({"n": n})
    with pytest.raises(ConnectionError):
        buffer.flush()
    assert len(buffer) == 3
    assert buffer.dropped == 0

    sink.fail = False
    buffer.flush()
    assert sink.entries == [0, 1, 2]


def test_a_failed_batch_that_no_longer_fits_loses_its_oldest_entries():
    buffer = BatchBuffer(lambda batch: None, max_entries=4, batch_size=2, background=False)
    written: list[int] = []

    def sink(batch):
        # Requests keep arriving while the store hangs, then the write fails.
        buffer.add({"n": 4})
        buffer.add({"n": 5})
        raise ConnectionError("store down")

    buffer.sink = sink
    for n in range(4):
        buffer.add({"n": n})
    with pytest.raises(ConnectionError):
        buffer.flush()
    assert buffer.dropped == 2

    buffer.sink = lambda batch: written.extend(entry["n"] for entry in batch)
    buffer.flush()
    assert written == [2, 3, 4, 5]


def test_the_background_thread_writes_without_being_asked():
    sink = Sink()
    buffer = BatchBuffer(sink, max_entries=100, batch_size=50, interval=0.05)
    try:
        for n in range(3):
            buffer.add({"n": n})
        assert wait_until(lambda: sink.entries == [0, 1, 2])
    finally:
        buffer.stop()


def test_a_full_batch_wakes_the_thread_before_the_interval():
    sink = Sink()
    buffer = BatchBuffer(sink, max_entries=100, batch_size=2, interval=60)
    try:
        buffer.add({"n": 0})
        buffer.add({"n": 1})
        assert wait_until(lambda: sink.entries == [0, 1], timeout=2)
    finally:
        buffer.stop()


def test_adding_never_waits_for_a_hanging_store():
    release = threading.Event()
    entered = threading.Event()

    def hanging_sink(batch):
        entered.set()
        release.wait(5)

    buffer = BatchBuffer(hanging_sink, max_entries=1000, batch_size=1, interval=0.01)
    try:
        buffer.add({"n": 0})
        assert entered.wait(2)  # the thread is now stuck inside the store
        started = time.perf_counter()
        for n in range(500):
            buffer.add({"n": n})
        assert time.perf_counter() - started < 0.5
    finally:
        release.set()
        buffer.stop()


def test_the_background_thread_survives_an_outage_and_catches_up():
    sink = Sink(fail=True)
    buffer = BatchBuffer(sink, max_entries=100, batch_size=10, interval=0.02)
    try:
        buffer.add({"n": 0})
        time.sleep(0.1)  # a few failed rounds
        assert sink.entries == []
        sink.fail = False
        buffer.add({"n": 1})
        assert wait_until(lambda: sink.entries == [0, 1])
    finally:
        buffer.stop()


def test_stop_writes_what_is_left():
    sink = Sink()
    buffer = BatchBuffer(sink, max_entries=100, batch_size=50, interval=60)
    buffer.add({"n": 0})
    buffer.stop()
    assert sink.entries == [0]


def test_a_forked_child_starts_with_an_empty_buffer():
    buffer = BatchBuffer(Sink(), max_entries=10, batch_size=5, background=False)
    buffer.add({"n": 0})
    buffer.after_fork_in_child()
    assert len(buffer) == 0
