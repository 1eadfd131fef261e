"""The deployment files (Dockerfile, compose.yaml, nginx, gunicorn, health checks) and the benchmark
harness, checked offline: no Docker engine is needed. Where a real tool exists on the machine
(check-jsonschema always, nginx sometimes) it does the checking; nothing is faked when it is absent.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import logging
import re
import shutil
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from bench.loadgen import LoadResult, Request, require_loopback, run_load
from bench.scenarios import SCENARIOS, selected

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX_DIR = ROOT / "deploy" / "nginx"
BIN = Path(sys.executable).parent

APP_ROLES = ("web", "worker", "beat")
DATA_STORES = ("postgres", "redis", "mongodb")


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- compose.yaml ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _defaults_applied(value: str) -> str:
    """``${NAME:-default}`` → ``default``, as compose resolves it when NAME is unset."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _long_running(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if svc.get("restart") != "no"}


def test_compose_file_is_valid_against_the_compose_specification():
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_uses_the_spec_without_a_version_key(compose):
    assert "version" not in compose
    expected = {*APP_ROLES, *DATA_STORES, "migrate", "flower", "nginx"}
    assert expected <= set(compose["services"])


def test_every_long_running_service_has_a_health_check(compose):
    for name, service in _long_running(compose).items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        assert check.get("test"), f"{name}'s healthcheck has no test"
        assert check["test"] not in (["NONE"], "NONE")


def test_health_checks_probe_what_each_service_does(compose):
    services = compose["services"]

    def text(name: str) -> str:
        return " ".join(map(str, services[name]["healthcheck"]["test"]))

    assert "healthcheck.py web" in text("web")
    assert "inspect ping" in text("worker")
    assert "$$HOSTNAME" in text("worker")
    assert "healthcheck.py beat" in text("beat")
    assert "/flower/healthcheck" in text("flower")
    assert "pg_isready" in text("postgres")
    assert "redis-cli ping" in text("redis")
    assert "mongosh" in text("mongodb")
    assert "ping" in text("mongodb")
    assert "wget" in text("nginx")
    assert "/nginx-health" in text("nginx")


def test_every_image_is_pinned_to_a_version_tag(compose):
    for name, service in compose["services"].items():
        image = service.get("image")
        assert image, f"{name} names no image"
        resolved = _defaults_applied(image)
        repository, _, tag = resolved.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        assert "/" not in tag, f"{name}: {image} has no tag"
        assert "latest" not in tag, f"{name}: {image} floats on latest"
        if name not in ("migrate", *APP_ROLES, "flower"):
            assert re.search(r"\d", tag), f"{name}: {image} tag carries no version"


def test_third_party_images_are_the_expected_majors(compose):
    images = {name: compose["services"][name]["image"] for name in ("postgres", "redis", "mongodb", "nginx")}
    assert images["postgres"].startswith("postgres:16")
    assert images["redis"].startswith("redis:7")
    assert images["mongodb"].startswith("mongo:7")
    assert re.match(r"nginx:1\.\d+.*alpine", images["nginx"])


def test_application_roles_run_in_production_mode(compose):
    for name in (*APP_ROLES, "migrate", "flower"):
        env = _environment(compose["services"][name])
        assert env.get("ENVIRONMENT") == "production", name


def test_application_paths_and_backends_cannot_be_blanked_by_the_env_file(compose):
    # env_file values override the image's ENV; an empty STATIC_ROOT would become the working directory.
    for name in (*APP_ROLES, "migrate", "flower"):
        env = _environment(compose["services"][name])
        assert env["COTAI_VAR_DIR"] == "/app/var", name
        assert env["STATIC_ROOT"] == "/app/staticfiles", name
        assert env["MEDIA_ROOT"] == "/app/var/media", name
        assert env["EVENT_STORE_BACKEND"] == "mongo", name
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"].startswith("redis://"), name
        assert env["MONGODB_URL"].startswith("mongodb://"), name


def test_the_secret_key_comes_from_a_secret_file_never_from_the_environment(compose):
    declared = compose["secrets"]
    for name in (*APP_ROLES, "migrate", "flower"):
        service = compose["services"][name]
        env = _environment(service)
        assert "SECRET_KEY" not in env, name
        target = env["SECRET_KEY_FILE"]
        secret_name = target.removeprefix("/run/secrets/")
        assert secret_name in service["secrets"], f"{name} reads {target} without mounting it"
        assert "file" in declared[secret_name]


def test_web_waits_for_migrations_and_the_data_stores(compose):
    for name in APP_ROLES:
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        for store in DATA_STORES:
            assert depends[store]["condition"] == "service_healthy", f"{name} does not wait for {store}"


def test_migrate_runs_the_schema_and_event_store_setup_once(compose):
    migrate = compose["services"]["migrate"]
    command = " ".join(migrate["command"]) if isinstance(migrate["command"], list) else migrate["command"]
    assert "manage.py migrate --noinput" in command
    assert "manage.py eventstore_init" in command
    assert command.index("migrate --noinput") < command.index("eventstore_init")
    assert migrate["restart"] == "no"


def test_every_management_command_the_stack_runs_exists(compose):
    from django.core.management import get_commands

    commands = set(get_commands())
    for name, service in compose["services"].items():
        command = service.get("command") or []
        text = " ".join(command) if isinstance(command, list) else command
        for wanted in re.findall(r"manage\.py (\w+)", text):
            assert wanted in commands, f"{name} runs manage.py {wanted}, which does not exist"


def test_worker_beat_and_flower_run_the_celery_app(compose):
    services = compose["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "cotai", "worker"]
    beat = services["beat"]["command"]
    assert beat[:4] == ["celery", "-A", "cotai", "beat"]
    assert "--scheduler=django_celery_beat.schedulers:DatabaseScheduler" in beat
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["flower"]["command"][:4] == ["celery", "-A", "cotai", "flower"]


def test_only_nginx_publishes_ports_and_data_stores_stay_internal(compose):
    for name, service in compose["services"].items():
        if name != "nginx":
            assert "ports" not in service, f"{name} publishes ports"
    internal = {name for name, net in compose["networks"].items() if net and net.get("internal")}
    for store in DATA_STORES:
        assert set(compose["services"][store]["networks"]) <= internal, f"{store} is reachable from outside"


def test_flower_requires_basic_auth_from_a_secret(compose):
    flower = compose["services"]["flower"]
    assert "flower_basic_auth" in flower["secrets"]
    assert _environment(flower)["FLOWER_BASIC_AUTH_FILE"] == "/run/secrets/flower_basic_auth"
    assert "--conf=deploy/flowerconfig.py" in flower["command"]


def test_data_static_and_media_live_in_named_volumes(compose):
    volumes = set(compose["volumes"])
    assert {"postgres_data", "redis_data", "mongodb_data", "static", "media"} <= volumes
    services = compose["services"]
    assert "postgres_data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis_data:/data" in services["redis"]["volumes"]
    assert "mongodb_data:/data/db" in services["mongodb"]["volumes"]
    assert "static:/srv/static:ro" in services["nginx"]["volumes"]
    assert "media:/app/var/media" in services["web"]["volumes"]
    assert "--appendonly" in services["redis"]["command"]


def test_nginx_mounts_its_configuration_files(compose):
    mounts = compose["services"]["nginx"]["volumes"]
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in mounts
    assert "./deploy/nginx/security-headers.conf:/etc/nginx/security-headers.conf:ro" in mounts
    for mount in mounts:
        source = mount.split(":", 1)[0]
        if source.startswith("./"):
            assert (ROOT / source).is_file(), source


# --- Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_dockerfile_is_multi_stage_on_a_pinned_slim_python():
    froms = [rest for keyword, rest in dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    for line in froms:
        image = line.split()[0]
        assert image == "python:3.11-slim-bookworm", image
    assert "AS builder" in froms[0]
    assert "AS runtime" in froms[-1]
    runtime = final_stage()
    assert any(keyword == "COPY" and rest.startswith("--from=builder") for keyword, rest in runtime)


def test_dockerfile_runs_as_a_fixed_non_root_user():
    runtime = final_stage()
    args = dict(rest.split("=", 1) for keyword, rest in runtime if keyword == "ARG" and "=" in rest)
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users, "the final stage sets no USER"
    user = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], users[-1]).split(":")[0]
    assert user not in ("root", "0")
    assert int(user) >= 10000


def test_dockerfile_collects_static_files_at_build_without_baking_a_secret():
    runtime = final_stage()
    runs = [rest for keyword, rest in runtime if keyword == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert collect, "collectstatic does not run at build time"
    assert "ENVIRONMENT=build" in collect[0] or "SECRET_KEY=" in collect[0]
    for keyword, rest in dockerfile_instructions():
        if keyword in ("ENV", "ARG"):
            assert not re.search(r"SECRET|PASSWORD|TOKEN|API_KEY", rest, re.IGNORECASE), f"{keyword} {rest}"


def test_dockerfile_sets_the_runtime_contract():
    runtime = final_stage()
    envs = " ".join(rest for keyword, rest in runtime if keyword == "ENV")
    assert "COTAI_VAR_DIR=/app/var" in envs
    assert "STATIC_ROOT=/app/staticfiles" in envs
    assert "ENVIRONMENT=production" in envs
    assert ("EXPOSE", "8000") in runtime
    healthchecks = [rest for keyword, rest in runtime if keyword == "HEALTHCHECK"]
    assert healthchecks
    assert "healthcheck.py" in healthchecks[0]
    assert "web" in healthchecks[0]
    cmd = [rest for keyword, rest in runtime if keyword == "CMD"][-1]
    assert json.loads(cmd) == ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
    # The var dir is made writable for the runtime user.
    assert any("chown" in rest and "/app/var" in rest for keyword, rest in runtime if keyword == "RUN")


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    entries = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in (".venv", "var", ".git", "artifacts", "node_modules", "**/__pycache__", ".env", "secrets"):
        assert needed in entries, needed


# --- nginx ---------------------------------------------------------------------------------------


def _nginx_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
        elif char in "{};":
            tokens.append(char)
            i += 1
        elif char in "\"'":
            end = i + 1
            while text[end] != char:
                end += 2 if text[end] == "\\" else 1
            tokens.append(text[i + 1 : end])
            i = end + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in "{};":
                end += 1
            tokens.append(text[i:end])
            i = end
    return tokens


def parse_nginx(text: str) -> list[tuple[str, list[str], list | None]]:
    """(directive, arguments, block or None) — enough structure to check what goes where."""
    tokens = _nginx_tokens(text)
    position = 0

    def block() -> list:
        nonlocal position
        items: list = []
        while position < len(tokens) and tokens[position] != "}":
            words: list[str] = []
            while tokens[position] not in ("{", ";"):
                words.append(tokens[position])
                position += 1
            if tokens[position] == "{":
                position += 1
                children = block()
                assert tokens[position] == "}"
                position += 1
                items.append((words[0], words[1:], children))
            else:
                position += 1
                items.append((words[0], words[1:], None))
        return items

    parsed = block()
    assert position == len(tokens), "unbalanced braces"
    return parsed


def directives(items, name: str) -> list:
    return [item for item in items if item[0] == name]


@pytest.fixture(scope="module")
def nginx_conf():
    return parse_nginx((NGINX_DIR / "nginx.conf").read_text())


@pytest.fixture(scope="module")
def https_server(nginx_conf):
    http = directives(nginx_conf, "http")[0][2]
    servers = [item[2] for item in directives(http, "server")]
    return next(server for server in servers if any("443" in d[1][0] for d in directives(server, "listen")))


def test_security_headers_are_sent_on_every_response():
    headers = {args[0]: args[1:] for name, args, _ in parse_nginx((NGINX_DIR / "security-headers.conf").read_text())}
    assert int(re.search(r"max-age=(\d+)", headers["Strict-Transport-Security"][0]).group(1)) >= 31536000
    assert headers["X-Content-Type-Options"][0] == "nosniff"
    assert headers["X-Frame-Options"][0] == "DENY"
    assert headers["Referrer-Policy"][0]
    for name, args in headers.items():
        assert args[-1] == "always", f"{name} is not sent on error responses"


def test_every_location_that_adds_headers_repeats_the_security_headers(https_server):
    # nginx drops inherited add_header directives in a block that has its own.
    assert ("include", ["security-headers.conf"], None) in https_server
    for _name, args, body in directives(https_server, "location"):
        if directives(body, "add_header"):
            assert ("include", ["security-headers.conf"], None) in body, f"location {args}"


def test_hashed_static_files_are_cached_for_a_year_as_immutable(https_server):
    static = []
    for _, args, body in directives(https_server, "location"):
        if args[0] == "~" and re.search(args[1], "/static/css/cotai.0123456789ab.css"):
            static.append(body)
            assert not re.search(args[1], "/static/css/cotai.css")
    assert static, "no location matches hashed static file names"
    cache = [args for _, args, _ in directives(static[0], "add_header") if args[0] == "Cache-Control"]
    assert cache
    assert all(part in cache[0][1] for part in ("public", "max-age=31536000", "immutable"))
    assert ("root", ["/srv"], None) in static[0]


def test_metrics_are_not_served_to_the_outside(https_server):
    for path in ("/metrics", "/flower/metrics"):
        location = next(body for _, args, body in directives(https_server, "location") if args == ["=", path])
        assert ("deny", ["all"], None) in location, path
        for _, args, _ in directives(location, "allow"):
            assert ipaddress.ip_network(args[0]).is_loopback, f"{path} allows {args[0]}"


def test_media_files_are_never_served_directly(https_server):
    # Tender documents and quote attachments go through the application's permission checks.
    for _, args, body in directives(https_server, "location"):
        if "/media" in " ".join(args):
            assert not directives(body, "root")
            assert not directives(body, "alias")


def test_proxy_passes_request_id_and_forwarding_headers(nginx_conf):
    http = directives(nginx_conf, "http")[0][2]
    set_headers = {args[0]: args[1] for _, args, _ in directives(http, "proxy_set_header")}
    assert set_headers["X-Request-ID"] == "$cotai_request_id"
    assert set_headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert set_headers["X-Forwarded-Proto"] == "$scheme"
    assert set_headers["Host"] == "$host"
    request_id_map = next(item for item in directives(http, "map") if item[1][1] == "$cotai_request_id")
    assert ("default", ["$request_id"], None) in request_id_map[2]
    assert directives(http, "gzip")[0][1] == ["on"]
    size = directives(http, "client_max_body_size")[0][1][0]
    assert size.endswith("m")
    assert int(size[:-1]) >= 20
    for name in ("proxy_read_timeout", "proxy_connect_timeout", "proxy_send_timeout"):
        assert directives(http, name), name


def test_plain_http_only_redirects_to_https(nginx_conf):
    http = directives(nginx_conf, "http")[0][2]
    plain = next(s[2] for s in directives(http, "server") if directives(s[2], "listen")[0][1][0] == "80")
    root = next(body for _, args, body in directives(plain, "location") if args == ["/"])
    assert root == [("return", ["301", "https://$host$request_uri"], None)]


def _nginx_version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False).stderr
    return tuple(int(part) for part in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out).groups())


@pytest.mark.skipif(shutil.which("nginx") is None, reason="no nginx binary on this machine")
def test_nginx_accepts_the_configuration(tmp_path):
    binary = shutil.which("nginx")
    if _nginx_version(binary) < (1, 27, 3):
        pytest.skip("the configuration needs nginx 1.27.3+ (upstream servers with 'resolve')")
    mime_types = Path("/etc/nginx/mime.types")
    if not mime_types.is_file():
        pytest.skip("this nginx has no /etc/nginx/mime.types")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from django.utils import timezone

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "tls.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    # The container's names and paths, swapped for ones that exist on this machine.
    conf = (NGINX_DIR / "nginx.conf").read_text()
    conf = conf.replace("server web:8000", "server 127.0.0.1:8000").replace(
        "server flower:5555", "server 127.0.0.1:5555"
    )
    conf = conf.replace("/run/secrets/tls_certificate", str(tmp_path / "tls.crt"))
    conf = conf.replace("/run/secrets/tls_private_key", str(tmp_path / "tls.key"))
    conf = conf.replace("pid /run/nginx.pid;", f"pid {tmp_path / 'nginx.pid'};").replace("user nginx;", "")
    (tmp_path / "nginx.conf").write_text(conf)
    shutil.copy(NGINX_DIR / "security-headers.conf", tmp_path)
    shutil.copy(mime_types, tmp_path)
    result = subprocess.run(
        [binary, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- gunicorn --------------------------------------------------------------------------------------


def _gunicorn_settings(monkeypatch, **env: str) -> dict[str, str]:
    for key in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS", "GUNICORN_BIND"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "--print-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(re.match(r"(\w+)\s+= (.*)", line).groups() for line in result.stdout.splitlines() if " = " in line)


def test_gunicorn_config_is_accepted_by_gunicorn(monkeypatch):
    settings = _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")
    assert settings["bind"] == "['0.0.0.0:8000']"
    assert settings["workers"] == "3"
    assert settings["wsgi_app"] == "cotai.wsgi:application"
    assert settings["accesslog"] == "-"
    assert int(settings["graceful_timeout"]) > 0
    assert int(settings["timeout"]) > 0
    assert "172.16.0.0/12" in settings["forwarded_allow_ips"]
    assert "'*'" not in settings["forwarded_allow_ips"]
    assert settings["control_socket_disable"] == "True"
    assert "JsonLogger" in settings["logger_class"]


def test_gunicorn_default_workers_follow_the_cpus_with_a_cap(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = load_module(ROOT / "deploy" / "gunicorn.conf.py", "cotai_gunicorn_conf")
    monkeypatch.setattr(conf, "_available_cpus", lambda: 1)
    assert conf.default_workers() == 3
    monkeypatch.setattr(conf, "_available_cpus", lambda: 64)
    assert conf.default_workers() == conf.MAX_DEFAULT_WORKERS


def test_gunicorn_rejects_a_malformed_proxy_allow_list(monkeypatch):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "not-an-address")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "--print-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0


def test_gunicorn_access_lines_are_json_even_with_hostile_headers():
    from gunicorn.config import Config

    conf = load_module(ROOT / "deploy" / "gunicorn.conf.py", "cotai_gunicorn_conf_log")
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = conf.JsonLogger(cfg)
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Collect()
    logger.access_log.addHandler(handler)
    try:

        class Response:
            status = "201 Created"
            headers = [("X-Request-ID", "req-1"), ("Content-Type", "application/json")]
            sent = 12

        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/tenders",
            "QUERY_STRING": "",
            "REMOTE_ADDR": "10.0.0.5",
            "HTTP_USER_AGENT": 'evil"agent\n{"level":"critical"}',
            "HTTP_X_FORWARDED_FOR": "203.0.113.9",
        }
        logger.access(Response(), None, environ, timedelta(milliseconds=12, microseconds=500))
    finally:
        logger.access_log.removeHandler(handler)
    assert len(lines) == 1
    assert "\n" not in lines[0]
    line = json.loads(lines[0])
    assert line["status"] == 201
    assert line["request_id"] == "req-1"
    assert line["path"] == "/api/v1/tenders"
    assert line["duration_ms"] == 12.5
    assert line["forwarded_for"] == "203.0.113.9"
    assert line["user_agent"] == environ["HTTP_USER_AGENT"]


# --- health checks and flower ----------------------------------------------------------------------


class _StubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    status = 200
    body = b"pong"
    seen_hosts: list[str] = []

    def do_GET(self):
        type(self).seen_hosts.append(self.headers.get("Host", ""))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server():
    """A local HTTP server answering every GET with the handler class's status and body."""
    servers = []

    def start(status: int = 200, body: bytes = b"pong"):
        handler = type("Handler", (_StubHandler,), {"status": status, "body": body, "seen_hosts": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, handler

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def healthcheck():
    return load_module(ROOT / "deploy" / "healthcheck.py", "cotai_deploy_healthcheck")


def test_web_health_check_passes_when_ping_answers_pong(healthcheck, stub_server, monkeypatch):
    server, handler = stub_server()
    monkeypatch.setenv("HEALTHCHECK_PORT", str(server.server_address[1]))
    monkeypatch.setenv("ALLOWED_HOSTS", ".cotai.example, other.example")
    assert healthcheck.check_web() is None
    assert handler.seen_hosts == ["cotai.example"]


def test_web_health_check_fails_on_an_error_or_a_closed_port(healthcheck, stub_server, monkeypatch):
    server, _ = stub_server(status=503, body=b"down")
    monkeypatch.setenv("HEALTHCHECK_PORT", str(server.server_address[1]))
    assert "503" in healthcheck.check_web()
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    monkeypatch.setenv("HEALTHCHECK_PORT", str(port))
    assert "failed" in healthcheck.check_web()
    assert healthcheck.main(["healthcheck.py", "web"]) == 1
    assert healthcheck.main(["healthcheck.py", "nonsense"]) == 2


@pytest.mark.django_db
def test_beat_health_check_follows_the_last_dispatch(healthcheck, monkeypatch):
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=30, period=IntervalSchedule.SECONDS)
    task = PeriodicTask.objects.create(name="probe", task="cotai.events.tasks.relay_pending_events", interval=every)
    assert "not dispatched" in healthcheck.check_beat()
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=timezone.now() - timedelta(seconds=30))
    assert healthcheck.check_beat() is None
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=timezone.now() - timedelta(hours=1))
    assert "dispatched nothing" in healthcheck.check_beat()


def test_flower_refuses_to_start_without_a_strong_password(monkeypatch, tmp_path):
    path = ROOT / "deploy" / "flowerconfig.py"
    monkeypatch.delenv("FLOWER_BASIC_AUTH_FILE", raising=False)
    monkeypatch.delenv("FLOWER_BASIC_AUTH", raising=False)
    with pytest.raises(SystemExit):
        load_module(path, "cotai_flowerconfig_none")
    monkeypatch.setenv("FLOWER_BASIC_AUTH", "admin:short")
    with pytest.raises(SystemExit):
        load_module(path, "cotai_flowerconfig_short")
    secret = tmp_path / "flower_basic_auth"
    secret.write_text("ops:a-long-enough-password\n")
    monkeypatch.setenv("FLOWER_BASIC_AUTH_FILE", str(secret))
    config = load_module(path, "cotai_flowerconfig_ok")
    assert config.basic_auth == ["ops:a-long-enough-password"]
    assert config.url_prefix == "flower"


# --- benchmark harness -------------------------------------------------------------------------------


def test_the_make_target_runs_the_benchmark_entry_point():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^bench:.*\n\t\$\(PY\) bench/run\.py$", makefile, re.MULTILINE)


def test_load_generator_stops_at_the_request_budget(stub_server):
    server, _ = stub_server()
    result = run_load(
        host="127.0.0.1",
        port=server.server_address[1],
        request=Request("GET", "/ping"),
        duration_s=30,
        concurrency=4,
        max_requests=40,
    )
    assert result.requests == 40
    assert result.errors == 0
    assert result.elapsed_s < 30
    assert result.summary()["p50_ms"] is not None


def test_load_generator_stops_at_the_deadline(stub_server):
    server, _ = stub_server()
    result = run_load(
        host="127.0.0.1",
        port=server.server_address[1],
        request=Request("GET", "/ping"),
        duration_s=0.3,
        concurrency=2,
        max_requests=10_000_000,
    )
    assert 0 < result.requests < 10_000_000
    assert result.elapsed_s < 5


def test_load_generator_counts_unexpected_statuses_as_errors(stub_server):
    server, _ = stub_server(status=503, body=b"down")
    result = run_load(
        host="127.0.0.1",
        port=server.server_address[1],
        request=Request("GET", "/api/v1/health"),
        duration_s=5,
        concurrency=2,
        max_requests=10,
    )
    assert result.errors == result.requests == 10
    assert result.error_kinds == {"HTTP 503": 10}


@pytest.mark.parametrize("host", ["10.0.0.1", "192.168.1.10", "203.0.113.7", "example.com"])
def test_load_generator_only_targets_this_machine(host):
    with pytest.raises(ValueError, match="loopback"):
        require_loopback(host)
    with pytest.raises(ValueError, match="loopback"):
        run_load(host=host, port=80, request=Request("GET", "/"), duration_s=1, concurrency=1, max_requests=1)


def test_percentiles_are_nearest_rank():
    result = LoadResult(
        requests=100, errors=0, error_kinds={}, latencies_ms=[float(v) for v in range(100, 0, -1)], elapsed_s=2.0
    )
    assert (result.percentile(50), result.percentile(95), result.percentile(99)) == (50.0, 95.0, 99.0)
    assert result.requests_per_second == 50.0


def test_scenario_registry_has_unique_names_and_selects_by_name():
    names = [scenario.name for scenario in SCENARIOS]
    assert len(names) == len(set(names))
    assert {"ping", "api-health"} <= set(names)
    assert all(scenario.path.startswith("/") for scenario in SCENARIOS)
    assert [scenario.name for scenario in selected("api-health")] == ["api-health"]
    assert selected("") == SCENARIOS
    with pytest.raises(SystemExit):
        selected("no-such-scenario")
