"""``make bench``: start CotAi under gunicorn on this machine, load it, print and save the figures.

Steps: a temporary var dir with a fresh SQLite database (or the database of ``DATABASE_URL``),
migrate, collectstatic, each scenario's setup, gunicorn with the production config
(deploy/gunicorn.conf.py) on 127.0.0.1 and a free port, then each scenario for a bounded time.
The server is always stopped at the end, on errors and on Ctrl-C too. Command scenarios (timed
management commands, bench/scenarios.py) run last, on the same database, once the server is stopped.

Knobs (environment): BENCH_SECONDS (10), BENCH_CONCURRENCY (8), BENCH_MAX_REQUESTS (200000 per
scenario), BENCH_WARMUP_SECONDS (2), BENCH_WORKERS (2), BENCH_THREADS (gunicorn threads per
worker, the config's default when unset), BENCH_SCENARIOS (comma-separated names), BENCH_KEEP=1
(keep the temporary directory and the server log).

Figures go to standard output as tables and to artifacts/bench/latest.json ("scenarios" for the
HTTP ones, "commands" for the command scenarios, with the JSON figures each command printed).
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import LoadResult, Request, require_loopback, run_load  # noqa: E402
from bench.scenarios import (  # noqa: E402
    BenchContext,
    CommandScenario,
    Prepared,
    Scenario,
    selected,
    selected_commands,
)

HOST = "127.0.0.1"
ARTIFACT = ROOT / "artifacts" / "bench" / "latest.json"
STARTUP_TIMEOUT_S = 60
STOP_GRACE_S = 15


def env_number(name: str, default: float, cast=int):
    raw = os.environ.get(name, "").strip()
    value = cast(raw) if raw else cast(default)
    if value <= 0 and name != "BENCH_WARMUP_SECONDS":
        raise SystemExit(f"{name} must be positive")
    return value


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_environment(workdir: Path) -> dict[str, str]:
    """The server's environment: production settings, this run's own var dir and secret."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BENCH_")}
    env.update(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "COTAI_VAR_DIR": str(workdir / "var"),
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            # A developer's .env must not point the benchmark at another database by accident.
            "COTAI_IGNORE_DOTENV": "1",
            # The load comes from one address; the default throttles would measure the throttle.
            "API_THROTTLE_ANON": "100000000/min",
            "API_THROTTLE_USER": "100000000/min",
            # Tokens made by setups must outlive the run.
            "JWT_ACCESS_MINUTES": "240",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("SECRET_KEY_FILE", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py makes a private one per run
    return env


def start_server(env: dict[str, str], port: int, workers: int, threads: int | None, log_path: Path):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
    ]
    if threads:
        command += ["--threads", str(threads)]
    log = log_path.open("wb")
    try:
        # A session of its own, so stopping it also stops every worker it forked.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        log.close()


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_GRACE_S)
    except ProcessLookupError:
        pass


def wait_until_up(process: subprocess.Popen, port: int, log_path: Path) -> None:
    import http.client

    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /ping within {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()[-4000:]}")


def request_for(scenario: Scenario, prepared: Prepared | None, port: int) -> Request:
    headers = {
        "Host": f"{HOST}:{port}",
        # What nginx tells the application in production: the client's connection was HTTPS.
        "X-Forwarded-Proto": "https",
        "User-Agent": "cotai-bench",
        **scenario.headers,
        **(prepared.headers if prepared else {}),
    }
    path = prepared.path if prepared and prepared.path else scenario.path
    return Request(method=scenario.method, path=path, headers=headers, body=scenario.body)


def format_table(rows: list[dict[str, object]]) -> str:
    columns = ["scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    keys = ["name", "requests", "errors", "rps", "p50_ms", "p95_ms", "p99_ms"]
    cells = [[("-" if row[key] is None else str(row[key])) for key in keys] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
    lines = [
        "  ".join(column.ljust(widths[0]) if i == 0 else column.rjust(widths[i]) for i, column in enumerate(columns))
    ]
    lines.append("  ".join("-" * width for width in widths))
    for line in cells:
        lines.append(
            "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line))
        )
    return "\n".join(lines)


def run_command(ctx: BenchContext, command: CommandScenario) -> dict[str, object]:
    """Run one command scenario; its figures are the JSON object on the last line it printed.

    A failure (exit status, timeout, output that is not a JSON object) is reported in ``error``
    instead of stopping the run, like an HTTP scenario's errors.
    """
    row: dict[str, object] = {"name": command.name, "argv": list(command.argv), "figures": None, "error": None}
    started = time.perf_counter()
    try:
        output = ctx.manage(*command.argv, timeout=command.timeout_s)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        row["error"] = str(exc)[-2000:]
    else:
        lines = [line for line in output.splitlines() if line.strip()]
        try:
            figures = json.loads(lines[-1]) if lines else None
        except ValueError:
            figures = None
        if isinstance(figures, dict):
            row["figures"] = figures
        else:
            row["error"] = f"no JSON object on the last line of output: {output[-500:]!r}"
    row["wall_s"] = round(time.perf_counter() - started, 2)
    return row


def _flatten(figures: dict[str, object], prefix: str = "") -> list[str]:
    pairs: list[str] = []
    for key, value in figures.items():
        if isinstance(value, dict):
            pairs += _flatten(value, f"{prefix}{key}.")
        else:
            pairs.append(f"{prefix}{key}={value}")
    return pairs


def format_commands_table(rows: list[dict[str, object]]) -> str:
    """One line per command scenario: its wall time and every figure it printed (nested keys dotted)."""
    cells = [
        [
            str(row["name"]),
            str(row["wall_s"]),
            f"error: {str(row['error']).strip().splitlines()[-1]}"
            if row["error"]
            else "  ".join(_flatten(row["figures"])),
        ]
        for row in rows
    ]
    header = ["command scenario", "wall s", "figures"]
    widths = [max(len(header[i]), *(len(line[i]) for line in cells)) for i in range(2)]
    lines = [f"{header[0].ljust(widths[0])}  {header[1].rjust(widths[1])}  {header[2]}"]
    lines.append(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(header[2])}")
    lines += [f"{name.ljust(widths[0])}  {wall.rjust(widths[1])}  {figures}" for name, wall, figures in cells]
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    seconds = env_number("BENCH_SECONDS", 10, float)
    # Each worker loads URLconf, DRF and the rest on its first requests; that is not what is measured.
    warmup = env_number("BENCH_WARMUP_SECONDS", 2, float)
    concurrency = env_number("BENCH_CONCURRENCY", 8)
    max_requests = env_number("BENCH_MAX_REQUESTS", 200_000)
    workers = env_number("BENCH_WORKERS", 2)
    threads = int(os.environ["BENCH_THREADS"]) if os.environ.get("BENCH_THREADS") else None
    scenarios = selected()
    commands = selected_commands()
    require_loopback(HOST)
    # `kill` (SIGTERM) stops the run the same way as Ctrl-C: through the finally below.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)

    load_before = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    workdir = Path(tempfile.mkdtemp(prefix="cotai-bench-"))
    env = bench_environment(workdir)
    ctx = BenchContext(env=env)
    database = "DATABASE_URL" if env.get("DATABASE_URL") else f"SQLite in {workdir / 'var'}"
    print(
        f"CotAi bench: {len(scenarios)} HTTP scenario(s), {seconds:g} s each, concurrency {concurrency}, "
        f"{workers} gunicorn workers; {len(commands)} command scenario(s); database: {database}; "
        f"load average {load_before}",
        flush=True,
    )

    server: subprocess.Popen | None = None
    log_path = workdir / "gunicorn.log"
    rows: list[dict[str, object]] = []
    command_rows: list[dict[str, object]] = []
    try:
        print("  migrate, collectstatic ...", flush=True)
        ctx.manage("migrate", "--noinput")
        ctx.manage("collectstatic", "--noinput")
        prepared: dict[str, Prepared | None] = {}
        for scenario in scenarios:
            if scenario.setup:
                print(f"  setup {scenario.name} ...", flush=True)
                prepared[scenario.name] = scenario.setup(ctx)
        if scenarios:
            port = free_port()
            server = start_server(env, port, workers, threads, log_path)
            wait_until_up(server, port, log_path)
            print(f"  gunicorn up on {HOST}:{port}", flush=True)
        for scenario in scenarios:
            request = request_for(scenario, prepared.get(scenario.name), port)
            if warmup > 0:
                run_load(
                    host=HOST,
                    port=port,
                    request=request,
                    duration_s=warmup,
                    concurrency=concurrency,
                    max_requests=max_requests,
                    expect_status=scenario.expect_status,
                )
            result: LoadResult = run_load(
                host=HOST,
                port=port,
                request=request,
                duration_s=seconds,
                concurrency=concurrency,
                max_requests=max_requests,
                expect_status=scenario.expect_status,
            )
            row = {"name": scenario.name, "method": scenario.method, "path": request.path, **result.summary()}
            rows.append(row)
            kinds = f"  ({', '.join(f'{k}: {v}' for k, v in result.error_kinds.items())})" if result.errors else ""
            print(f"  {scenario.name}: {result.requests} requests, {row['rps']} req/s{kinds}", flush=True)
        if server is not None:
            # An idle server would still hold memory and wake up; commands get the machine to themselves.
            stop_server(server)
        for command in commands:
            print(f"  {command.name}: manage.py {' '.join(command.argv)} ...", flush=True)
            command_row = run_command(ctx, command)
            command_rows.append(command_row)
            outcome = "failed" if command_row["error"] else "done"
            print(f"  {command.name}: {outcome} in {command_row['wall_s']} s", flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the server", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            stop_server(server)
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"kept {workdir} (server log: {log_path})", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    if rows:
        print()
        print(format_table(rows))
    if command_rows:
        print()
        print(format_commands_table(command_rows))
    report = {
        "timestamp": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            # Other work on the machine skews the figures; the load average says how busy it was.
            "load_average_1m_before": load_before,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {
            "seconds": seconds,
            "warmup_seconds": warmup,
            "concurrency": concurrency,
            "max_requests": max_requests,
            "gunicorn_workers": workers,
            "gunicorn_threads": threads,
            "database": "DATABASE_URL" if env.get("DATABASE_URL") else "sqlite",
        },
        "scenarios": rows,
        "commands": command_rows,
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {ARTIFACT.relative_to(ROOT)}")
    failed = any(row["errors"] for row in rows) or any(row["error"] for row in command_rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
