"""Run web (gunicorn), a Celery worker and Celery beat together in the foreground.

Ctrl-C (or SIGTERM) stops all three, and their children, before the command returns. If one of
them dies, the others are stopped too, so nothing is left running half-way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from cotai import demo

STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Start the web server, a Celery worker and Celery beat; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, port: int, host: str, web_workers: int, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        bindir = os.path.dirname(sys.executable)
        commands = {
            "web": [
                os.path.join(bindir, "gunicorn"),
                "cotai.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            "worker": [
                os.path.join(bindir, "celery"),
                "-A",
                "cotai",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
            "beat": [
                os.path.join(bindir, "celery"),
                "-A",
                "cotai",
                "beat",
                "--loglevel",
                "INFO",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "--pidfile=",
            ],
        }
        procs: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for name, cmd in commands.items():
                # Own session per child: Ctrl-C reaches us only, and we stop each whole group in order.
                procs[name] = subprocess.Popen(cmd, start_new_session=True, cwd=settings.BASE_DIR)  # noqa: S603 - fixed argv
            self._banner(host, port)
            while not stopping:
                dead = [name for name, proc in procs.items() if proc.poll() is not None]
                if dead:
                    self.stderr.write(f"{', '.join(dead)} stopped unexpectedly; stopping the rest.")
                    return self._shutdown(procs, exit_code=1)
                time.sleep(0.5)
            self.stdout.write("Stopping web, worker and beat ...")
            self._shutdown(procs, exit_code=0)
        finally:
            self._kill_all(procs)

    def _banner(self, host: str, port: int) -> None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
        lines = [
            "",
            f"CotAi is running at http://{shown}:{port}",
            f"  API docs:  http://{shown}:{port}/api/v1/docs",
            f"  Admin:     http://{shown}:{port}/admin/",
        ]
        logins = demo.all_logins()
        if logins:
            lines.append(f"  Demo logins (password: {settings.DEMO_PASSWORD}):")
            lines.extend(f"    {email:<34} {what}" for email, what in logins)
        lines.append("Press Ctrl-C to stop web, worker and beat.\n")
        self.stdout.write("\n".join(lines))

    def _shutdown(self, procs: dict[str, subprocess.Popen], *, exit_code: int) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        self._kill_all(procs)
        if exit_code:
            sys.exit(exit_code)

    @staticmethod
    def _kill_all(procs: dict[str, subprocess.Popen]) -> None:
        for proc in procs.values():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            proc.wait()
