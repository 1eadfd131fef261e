"""A bounded in-memory buffer written out in batches by a background thread.

Producers (request threads) only append to a deque under a lock held for microseconds: they never
wait for the store. A daemon thread hands batches to the sink every ``interval`` seconds, or as soon
as a full batch is waiting. When the sink fails (the store is down), the batch goes back to the
front of the buffer and is retried on the next round; when the buffer is full the oldest entries
are dropped and counted, so memory stays bounded whatever happens to the store.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger("cotai.eventstore.buffer")

Entry = dict[str, Any]


class BatchBuffer:
    """Collects entries and writes them with ``sink(batch)``; see the module docstring for the guarantees."""

    def __init__(
        self,
        sink: Callable[[list[Entry]], object],
        *,
        max_entries: int = 10_000,
        batch_size: int = 200,
        interval: float = 2.0,
        on_drop: Callable[[int], None] | None = None,
        around_background_flush: Callable[[], None] | None = None,
        background: bool = True,
        name: str = "cotai-batch-buffer",
    ):
        if batch_size < 1 or max_entries < batch_size:
            raise ValueError("need 1 <= batch_size <= max_entries")
        self.sink = sink
        self.max_entries = max_entries
        self.batch_size = batch_size
        self.interval = interval
        self.on_drop = on_drop
        # Called before and after each background round (e.g. to drop stale database connections).
        self.around_background_flush = around_background_flush
        self.background = background
        self.name = name
        self.dropped = 0
        self._init_state()

    def _init_state(self) -> None:
        self._entries: deque[Entry] = deque()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_pid: int | None = None
        self._failing = False

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: Entry) -> None:
        """Queue one entry; never blocks on the store and never raises because of it."""
        dropped = 0
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.popleft()
                dropped = 1
            self._entries.append(entry)
            batch_ready = len(self._entries) >= self.batch_size
        if dropped:
            self._count_dropped(dropped)
        if self.background:
            self._ensure_thread()
            if batch_ready:
                self._wake.set()

    def clear(self) -> int:
        """Discard every queued entry (tests); returns how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count

    def flush(self) -> int:
        """Write everything queued, batch by batch, in the calling thread; returns how many were written.

        A failing sink raises after its batch has been put back in front of the queue.
        """
        written = 0
        with self._flush_lock:
            while True:
                with self._lock:
                    batch = [self._entries.popleft() for _ in range(min(self.batch_size, len(self._entries)))]
                if not batch:
                    return written
                try:
                    self.sink(batch)
                except BaseException:
                    self._requeue(batch)
                    raise
                written += len(batch)

    def _requeue(self, batch: list[Entry]) -> None:
        """Put a failed batch back in front; what no longer fits is the oldest, so it is dropped."""
        with self._lock:
            room = self.max_entries - len(self._entries)
            keep = batch[len(batch) - room :] if room > 0 else []
            self._entries.extendleft(reversed(keep))
        if len(keep) < len(batch):
            self._count_dropped(len(batch) - len(keep))

    def _count_dropped(self, count: int) -> None:
        self.dropped += count
        if self.on_drop is not None:
            self.on_drop(count)

    def flush_quietly(self) -> None:
        """One background round: flush, log a failure once per outage instead of raising."""
        if self.around_background_flush is not None:
            self.around_background_flush()
        try:
            written = self.flush()
        except Exception as exc:  # noqa: BLE001 - the store being down must not kill the flusher
            if not self._failing:
                log.warning(
                    "buffer.flush_failed", buffer=self.name, queued=len(self), error=f"{type(exc).__name__}: {exc}"
                )
            self._failing = True
        else:
            if self._failing:
                log.info("buffer.flush_recovered", buffer=self.name, written=written)
            self._failing = False
        finally:
            if self.around_background_flush is not None:
                self.around_background_flush()

    def _ensure_thread(self) -> None:
        pid = os.getpid()
        if self._thread is not None and self._thread_pid == pid:
            return
        with self._lock:
            if self._thread is not None and self._thread_pid == pid:
                return
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread_pid = pid
            self._thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush_quietly()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background thread and write what is left (runs at interpreter exit)."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)
        self.flush_quietly()

    def after_fork_in_child(self) -> None:
        """A forked child starts empty (the parent writes what it queued) and with fresh locks and thread."""
        self._init_state()
