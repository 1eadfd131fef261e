"""Container health checks that need nothing but the Python in the image (no curl, no wget).

    python deploy/healthcheck.py web    # the web server answers GET /ping with 200 "pong"
    python deploy/healthcheck.py beat   # Celery beat has dispatched its periodic tasks recently

Exit status 0 means healthy, 1 unhealthy; the reason goes to stderr, which Docker keeps in
``docker inspect`` under State.Health.
"""

from __future__ import annotations

import http.client
import os
import sys
from datetime import timedelta

# Beat saves each task's last run time to the database at most every 3 minutes (Celery's
# sync_every); the shortest schedule is 30 s. Ten minutes without a save means beat is stuck.
BEAT_MAX_SILENCE_SECONDS = 600


def probe_host() -> str:
    """A Host header Django accepts: the first ALLOWED_HOSTS entry (".example.com" → "example.com")."""
    for entry in os.environ.get("ALLOWED_HOSTS", "").replace("[", "").replace("]", "").replace('"', "").split(","):
        host = entry.strip()
        if host and host != "*":
            return host.lstrip(".")
    return "localhost"


def check_web() -> str | None:
    port = int(os.environ.get("HEALTHCHECK_PORT", "8000"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT", "4")))
    try:
        # X-Forwarded-Proto: the probe stands for the TLS proxy, so production's HTTPS redirect does not apply.
        conn.request("GET", "/ping", headers={"Host": probe_host(), "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        body = response.read(64)
    except OSError as exc:
        return f"GET /ping failed: {exc}"
    finally:
        conn.close()
    if response.status != 200 or body != b"pong":
        return f"GET /ping answered {response.status} {body[:32]!r}"
    return None


def check_beat() -> str | None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cotai.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.db.models import Max
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    max_silence = int(os.environ.get("BEAT_MAX_SILENCE_SECONDS", BEAT_MAX_SILENCE_SECONDS))
    last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
    if last is None:
        return "beat has not dispatched any periodic task yet"
    silence = timezone.now() - last
    if silence > timedelta(seconds=max_silence):
        return f"beat dispatched nothing for {int(silence.total_seconds())} s (limit {max_silence} s)"
    return None


CHECKS = {"web": check_web, "beat": check_beat}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in CHECKS:
        print(f"usage: {argv[0]} {{{','.join(CHECKS)}}}", file=sys.stderr)
        return 2
    try:
        problem = CHECKS[argv[1]]()
    except Exception as exc:  # noqa: BLE001 - whatever breaks, the answer is "unhealthy", with the reason
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
