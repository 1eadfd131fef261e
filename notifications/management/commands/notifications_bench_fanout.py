"""Time the fan-out of one tender publication to N suppliers (see notifications/benchmark.py)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Benchmark: notifications + queued deliveries for one publication to N suppliers (prints JSON)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--recipients", type=int, default=5000)
        parser.add_argument("--runs", type=int, default=5)

    def handle(self, *args: object, recipients: int, runs: int, **options: object) -> None:
        from notifications.benchmark import run

        self.stdout.write(json.dumps(run(recipients=recipients, runs=runs)))
