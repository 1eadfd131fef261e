"""A small HTTP load generator: stdlib threads, one keep-alive connection per thread.

It runs in its own process, apart from the server it measures, and only ever talks to a loopback
address. Every run is bounded twice: by time and by request count, whichever comes first, and it
stops early when asked to (Ctrl-C).
"""

from __future__ import annotations

import http.client
import ipaddress
import math
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    """One request, sent again and again by every thread."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class LoadResult:
    """What a run measured. Latencies are those of every completed request, errors included."""

    requests: int
    errors: int
    error_kinds: Counter[str]
    latencies_ms: list[float]
    elapsed_s: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile(self, pct: float) -> float | None:
        """Nearest-rank percentile of the latencies, in milliseconds (None when nothing completed)."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        rank = max(1, math.ceil(pct / 100 * len(ordered)))
        return ordered[rank - 1]

    def summary(self) -> dict[str, object]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return {
            "requests": self.requests,
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds.most_common(10)),
            "elapsed_s": round(self.elapsed_s, 3),
            "rps": round(self.requests_per_second, 1),
            "p50_ms": rounded(self.percentile(50)),
            "p95_ms": rounded(self.percentile(95)),
            "p99_ms": rounded(self.percentile(99)),
            "max_ms": rounded(max(self.latencies_ms) if self.latencies_ms else None),
            "mean_ms": rounded(sum(self.latencies_ms) / len(self.latencies_ms) if self.latencies_ms else None),
        }


def require_loopback(host: str) -> None:
    """Refuse any target but this machine: load is never sent anywhere else."""
    name = "127.0.0.1" if host == "localhost" else host
    try:
        loopback = ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"load is only sent to a loopback address, not to {host!r}")


class _Budget:
    """Hands out permission for at most ``limit`` requests, until ``deadline`` or a stop."""

    def __init__(self, limit: int, deadline: float, stop: threading.Event):
        self._left = limit
        self._deadline = deadline
        self._stop = stop
        self._lock = threading.Lock()

    def take(self) -> bool:
        if self._stop.is_set() or time.perf_counter() >= self._deadline:
            return False
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def _worker(
    host: str,
    port: int,
    request: Request,
    expect_status: Sequence[int],
    budget: _Budget,
    timeout: float,
    latencies: list[float],
    errors: Counter[str],
) -> None:
    conn: http.client.HTTPConnection | None = None
    try:
        while budget.take():
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            started = time.perf_counter()
            try:
                conn.request(request.method, request.path, body=request.body, headers=dict(request.headers))
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                latencies.append((time.perf_counter() - started) * 1000)
                errors[type(exc).__name__] += 1
                conn.close()
                conn = None
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status not in expect_status:
                errors[f"HTTP {response.status}"] += 1
            if response.will_close:
                conn.close()
                conn = None
    finally:
        if conn is not None:
            conn.close()


def run_load(
    *,
    host: str,
    port: int,
    request: Request,
    duration_s: float,
    concurrency: int,
    max_requests: int,
    expect_status: Sequence[int] = (200,),
    timeout_s: float = 30.0,
    stop: threading.Event | None = None,
) -> LoadResult:
    """Send ``request`` from ``concurrency`` threads for ``duration_s`` or ``max_requests``, whichever ends first.

    A response whose status is not in ``expect_status``, a timeout and a broken connection all
    count as errors (by kind in ``error_kinds``).
    """
    require_loopback(host)
    if duration_s <= 0 or concurrency < 1 or max_requests < 1:
        raise ValueError("duration, concurrency and max_requests must be positive")
    stop = stop or threading.Event()
    started = time.perf_counter()
    budget = _Budget(max_requests, started + duration_s, stop)
    per_thread: list[tuple[list[float], Counter[str]]] = [([], Counter()) for _ in range(concurrency)]
    threads = [
        threading.Thread(
            target=_worker,
            args=(host, port, request, tuple(expect_status), budget, timeout_s, latencies, errors),
            name=f"load-{index}",
            daemon=True,
        )
        for index, (latencies, errors) in enumerate(per_thread)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            # A request in flight finishes (or times out) before its thread sees the deadline.
            while thread.is_alive():
                thread.join(timeout=0.2)
    except KeyboardInterrupt:
        stop.set()
        raise
    elapsed = time.perf_counter() - started
    latencies_ms = [value for latencies, _ in per_thread for value in latencies]
    error_kinds: Counter[str] = Counter()
    for _, errors in per_thread:
        error_kinds.update(errors)
    return LoadResult(
        requests=len(latencies_ms),
        errors=sum(error_kinds.values()),
        error_kinds=error_kinds,
        latencies_ms=latencies_ms,
        elapsed_s=elapsed,
    )
