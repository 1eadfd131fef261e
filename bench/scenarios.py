"""The benchmark scenarios: one entry in SCENARIOS per thing worth measuring.

A scenario is one request sent repeatedly. When it needs data (10,000 tenders, a user and a
token), its ``setup`` makes them before the server starts, in a subprocess of ``manage.py``
on the benchmark's own database, through ``ctx.shell(code)`` or ``ctx.manage(command, ...)``.
The setup may answer with headers (an Authorization token) or a path (the id it created).
For instance, a scenario that calls the API as a signed-in user:

    def _signed_in(ctx: BenchContext) -> Prepared:
        token = ctx.shell(
            "from accounts.models import User; from rest_framework_simplejwt.tokens import AccessToken; "
            "user, _ = User.objects.get_or_create(email='bench@cotai.localhost'); "
            "print(AccessToken.for_user(user))"
        ).strip()
        return Prepared(headers={"Authorization": f"Bearer {token}"})

    SCENARIOS.append(Scenario(name="...", path="/api/v1/...", description="...", setup=_signed_in))

Every request goes through the same headers nginx adds in production (X-Forwarded-Proto: https),
so the production settings (HTTPS redirect, secure cookies) behave as they do behind the proxy.

What is not an HTTP request (a fan-out timed inside one process, for instance) is a
``CommandScenario`` in COMMAND_SCENARIOS: a management command run on the same prepared database,
which prints its own figures as JSON.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Prepared:
    """What a setup hands back: headers to add, and the path to use instead of the scenario's own."""

    headers: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None


@dataclass(frozen=True)
class BenchContext:
    """Runs Django management commands against the benchmark's database, in a subprocess."""

    env: Mapping[str, str]
    root: Path = ROOT

    def manage(self, *args: str, timeout: float = 600) -> str:
        """``manage.py <args>``; returns its standard output and raises if it fails."""
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root,
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{completed.stderr[-4000:]}")
        return completed.stdout

    def shell(self, code: str, timeout: float = 600) -> str:
        """Python code run by ``manage.py shell -c`` (Django set up); returns what it printed."""
        # --no-imports: Django 5.2 would otherwise print a line about its automatic imports first.
        return self.manage("shell", "--no-imports", "-c", code, timeout=timeout)


@dataclass(frozen=True)
class Scenario:
    """One request measured under load."""

    name: str
    path: str
    description: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expect_status: tuple[int, ...] = (200,)
    setup: Callable[[BenchContext], Prepared | None] | None = None


SCENARIOS: list[Scenario] = [
    Scenario(
        name="ping",
        path="/ping",
        description="liveness endpoint: the cost of the middleware stack alone",
    ),
    Scenario(
        name="api-health",
        path="/api/v1/health",
        description="deep health check through DRF: database, cache, broker and event store probes",
        headers={"Accept": "application/json"},
    ),
]


def _quotes_comparison(ctx: BenchContext) -> Prepared:
    """A buyer, 50 suppliers, a tender of 100 items with 50 opened quotes (quotes/benchdata.py)."""
    import json

    data = json.loads(
        ctx.shell("import json; from quotes.benchdata import build; print(json.dumps(build()))", timeout=1800)
    )
    return Prepared(
        headers={"Authorization": f"Api-Key {data['api_key']}"},
        path=f"/api/v1/tenders/{data['tender']}/comparison",
    )


SCENARIOS.append(
    Scenario(
        name="quotes-comparison",
        path="/api/v1/tenders/0/comparison",
        description="comparison of a tender with 100 items and 50 opened quotes (prices side by side, scores)",
        headers={"Accept": "application/json"},
        setup=_quotes_comparison,
    )
)


def _tender_list(ctx: BenchContext) -> Prepared:
    """A buyer member signed in (JWT) with 10,000 tenders of their company (tenders/benchdata.py)."""
    import json

    data = json.loads(
        ctx.shell("import json; from tenders.benchdata import build; print(json.dumps(build()))", timeout=1800)
    )
    return Prepared(headers={"Authorization": f"Bearer {data['access']}", "X-Company": str(data["company"])})


SCENARIOS.append(
    Scenario(
        name="tender-list-10k",
        path="/api/v1/tenders",
        description="first page of a buyer's tender list (default page size) with 10,000 tenders of 3 items each",
        headers={"Accept": "application/json"},
        setup=_tender_list,
    )
)


@dataclass(frozen=True)
class CommandScenario:
    """A timed job that is not an HTTP request: ``manage.py <argv>`` on the benchmark's database.

    It runs after the HTTP scenarios, with the server stopped, so nothing else competes for the
    machine. The command measures itself and prints its figures as one JSON object on its last
    line of output; the harness reports that object as it is, with the command's wall time.
    """

    name: str
    argv: tuple[str, ...]
    description: str
    timeout_s: float = 1800


# Timed commands; their names share one namespace with SCENARIOS (BENCH_SCENARIOS selects both).
COMMAND_SCENARIOS: list[CommandScenario] = [
    CommandScenario(
        name="notifications-fanout-5000",
        argv=("notifications_bench_fanout", "--recipients", "5000", "--runs", "3"),
        description="fan-out of one tender publication to 5,000 suppliers: notifications and queued deliveries",
    ),
]


def _wanted(names: str | None) -> list[str]:
    names = names if names is not None else os.environ.get("BENCH_SCENARIOS", "")
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    known = [scenario.name for scenario in SCENARIOS] + [command.name for command in COMMAND_SCENARIOS]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return wanted


def selected(names: str | None = None) -> list[Scenario]:
    """The HTTP scenarios named in ``names`` (comma-separated, e.g. BENCH_SCENARIOS), or all of them.

    A name of a command scenario is accepted and left to ``selected_commands``; an unknown name
    stops the run.
    """
    wanted = _wanted(names)
    if not wanted:
        return list(SCENARIOS)
    known = {scenario.name: scenario for scenario in SCENARIOS}
    return [known[name] for name in wanted if name in known]


def selected_commands(names: str | None = None) -> list[CommandScenario]:
    """The command scenarios named in ``names`` (as for ``selected``), or all of them."""
    wanted = _wanted(names)
    if not wanted:
        return list(COMMAND_SCENARIOS)
    known = {command.name: command for command in COMMAND_SCENARIOS}
    return [known[name] for name in wanted if name in known]
