"""Business metrics: the one way a domain adds a Prometheus counter.

Declare the counter once, at module level, next to the code that counts::

    from cotai import metrics

    TENDERS_PUBLISHED = metrics.counter(
        "cotai_tenders_published_total", "Tenders published", ["company_kind"]
    )

and count after the fact is committed, usually in a domain-event subscriber (so a rolled-back
transaction counts nothing)::

    TENDERS_PUBLISHED.labels(company_kind="buyer").inc()

It is exported at ``GET /metrics`` with Django's own metrics. Rules: names start with
``cotai_`` and end with ``_total``; labels take a handful of values (a kind, a status, an event
name), never ids or e-mail addresses, since every label value is a new time series.
Declaring the same counter twice (a module imported again by the autoreloader or a test) returns
the first one instead of failing on Prometheus' duplicate registration; declaring the same name
with other labels is an error.

Counts made in Celery workers live in the worker processes: they reach ``/metrics`` only when
the processes share ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from prometheus_client import REGISTRY, Counter

_NAME = re.compile(r"^cotai_[a-z0-9_]+_total$")
_lock = threading.Lock()
_counters: dict[str, Counter] = {}


def counter(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Counter:
    """The process-wide counter called ``name``, registered in the default Prometheus registry once."""
    if not _NAME.match(name):
        raise ValueError(f"Counter name {name!r} must look like 'cotai_<what>_total'.")
    labels = tuple(labelnames)
    with _lock:
        existing = _counters.get(name) or _registered(name)
        if existing is None:
            existing = Counter(name, documentation, labels)
        if tuple(existing._labelnames) != labels:
            raise ValueError(f"Counter {name} already exists with labels {existing._labelnames}, not {labels}.")
        _counters[name] = existing
        return existing


def _registered(name: str) -> Counter | None:
    """A counter registered earlier by a previous import of this module (its cache was lost)."""
    # prometheus_client offers no public lookup by name; this mapping is how its registry
    # detects duplicates, and reading it is the only way to hand back the existing counter.
    collector = getattr(REGISTRY, "_names_to_collectors", {}).get(name)
    if collector is None:
        return None
    if not isinstance(collector, Counter):
        raise ValueError(f"Metric {name} is already registered as a {type(collector).__name__}.")
    return collector
