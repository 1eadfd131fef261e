"""Gunicorn settings for CotAi's web containers (and for ``make bench``, so it measures the same setup).

Read by ``gunicorn -c deploy/gunicorn.conf.py``; every value can be overridden on the command line.
Environment knobs: ``WEB_CONCURRENCY`` (worker processes), ``GUNICORN_THREADS`` (threads per worker),
``GUNICORN_TIMEOUT``, ``GUNICORN_GRACEFUL_TIMEOUT``, ``GUNICORN_KEEPALIVE``, ``GUNICORN_MAX_REQUESTS``,
``FORWARDED_ALLOW_IPS``, ``GUNICORN_BIND``, ``LOG_LEVEL``.

Logs go to stdout/stderr as one JSON object a line, like the application's own structlog lines,
so one log pipeline reads them all.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from gunicorn import glogging

MAX_DEFAULT_WORKERS = 8


def _available_cpus() -> int:
    """CPUs this container may use: the cgroup quota when one is set, else the CPU affinity mask.

    ``os.cpu_count()`` reports the host's CPUs even when the container is limited to fewer, which
    would start far too many workers on a large host.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cpus = min(cpus, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass  # cgroup v1 or no limit: the affinity mask is the best figure there is
    return max(1, cpus)


def default_workers() -> int:
    """2 x CPUs + 1, capped: each worker holds database connections, so more is not always faster."""
    return min(2 * _available_cpus() + 1, MAX_DEFAULT_WORKERS)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


wsgi_app = "cotai.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
workers = _env_int("WEB_CONCURRENCY", default_workers())
# Threads let one worker keep nginx's keep-alive connections and overlap I/O waits; Django is thread-safe.
worker_class = "gthread"
threads = _env_int("GUNICORN_THREADS", 4)
# A request still running after this long is killed and the worker restarted (nginx waits a bit longer).
timeout = _env_int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (a deploy, a scale-down) requests in flight get this long to finish.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than nginx's upstream keepalive_timeout, so gunicorn never closes a connection nginx is reusing.
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)
# Recycle workers now and then so slow leaks cannot grow without bound; jitter avoids all restarting at once.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10 if max_requests else 0
# Heartbeat files on the in-memory filesystem: a slow container disk cannot make workers look hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - tmpfs, not a shared temp file
# Only the proxy in front may say a request came over HTTPS: the private ranges a container network uses.
forwarded_allow_ips = os.environ.get(
    "FORWARDED_ALLOW_IPS", "127.0.0.1,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
)
# The application is loaded in each worker after the fork, so metrics and connections are per process.
preload_app = False
# The control socket would default to a file under $HOME, which is read-only in the image.
control_socket_disable = True
proc_name = "cotai-web"

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


class JsonFormatter(logging.Formatter):
    """Gunicorn's own lines (start, stop, worker timeouts) as JSON with the keys structlog uses."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class JsonLogger(glogging.Logger):
    """Access lines as real JSON (json.dumps escapes whatever a client puts in its headers)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        response_headers = {name.lower(): value for name, value in resp.headers}
        line = {
            "timestamp": datetime.now(tz=UTC).isoformat(),
            "level": "info",
            "logger": "gunicorn.access",
            "event": "http.request",
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            # The id the application answered with (the proxy's, or one it made), to join with its log lines.
            "request_id": response_headers.get("x-request-id") or environ.get("HTTP_X_REQUEST_ID"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # noqa: BLE001 - a log line must never fail a request
            self.exception("could not write the access log line")


logger_class = JsonLogger

# --- Prometheus metrics across worker processes ---------------------------------------------------
# With several workers, /metrics must add up every worker's figures, not report whichever worker
# answered. prometheus_client does that when PROMETHEUS_MULTIPROC_DIR names a directory that every
# worker writes to; it must be empty at start and a dead worker's files are marked as such.
_METRICS_DIR_CREATED = False


def on_starting(server) -> None:
    global _METRICS_DIR_CREATED
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        path = Path(configured)
        if path.is_dir():
            for leftover in path.glob("*.db"):
                leftover.unlink()
        path.mkdir(parents=True, exist_ok=True)
    else:
        # Set before the workers fork, so each one sees it when it first creates a metric.
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - private mkdtemp below
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cotai-metrics-", dir=base)
        _METRICS_DIR_CREATED = True


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _METRICS_DIR_CREATED:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
