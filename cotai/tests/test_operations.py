"""Liveness, deep health, metrics, request ids and security headers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db


def test_ping_answers_pong_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200
    assert response.content == b"pong"


@pytest.mark.real_broker
def test_health_reports_every_part_ok_on_a_working_install(client):
    response = client.get("/api/v1/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "event_store"}
    for part in body["checks"].values():
        assert part["status"] == "ok"
        assert part["latency_ms"] >= 0


def test_health_names_the_failing_part_with_503(client, monkeypatch):
    from cotai import health

    def broken_cache():
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)
    response = client.get("/api/v1/health")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"]["status"] == "error"
    assert "connection refused" in body["checks"]["cache"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


def _run_with_env(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "MONGODB_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update({"DJANGO_SETTINGS_MODULE": "cotai.settings", "COTAI_IGNORE_DOTENV": "1", **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unreachable_redis_makes_health_503_while_ping_stays_200(tmp_path):
    """REDIS_URL pointing at a closed port: the cache and the broker are reported down, /ping still answers."""
    code = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from django.core.management import call_command
setup_test_environment()
call_command("migrate", verbosity=0)
client = Client()
ping = client.get("/ping")
health = client.get("/api/v1/health")
print(json.dumps({"ping": ping.status_code, "health": health.status_code, "body": health.json()}))
"""
    result = _run_with_env(
        code,
        REDIS_URL="redis://127.0.0.1:1/0",
        COTAI_VAR_DIR=str(tmp_path),
        HEALTH_CHECK_TIMEOUT="1",
        LOG_LEVEL="CRITICAL",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ping"] == 200
    assert outcome["health"] == 503
    assert "cache" in outcome["body"]["failing"]
    assert "broker" in outcome["body"]["failing"]
    assert outcome["body"]["checks"]["database"]["status"] == "ok"


def test_metrics_is_valid_prometheus_exposition_with_request_counters(client):
    client.get("/ping")
    response = client.get("/metrics")
    assert response.status_code == 200
    families = {family.name: family for family in text_string_to_metric_families(response.content.decode())}
    assert "django_http_requests_latency_seconds_by_view_method" in families
    assert "django_http_responses_total_by_status_view_method" in families
    views = {
        sample.labels.get("view") for sample in families["django_http_responses_total_by_status_view_method"].samples
    }
    assert "ping" in views


def test_request_id_is_taken_from_the_client_or_generated(client):
    given = client.get("/ping", headers={"X-Request-ID": "abc-123"})
    assert given["X-Request-ID"] == "abc-123"
    generated = client.get("/ping")
    assert re.fullmatch(r"[0-9a-f]{32}", generated["X-Request-ID"])
    hostile = client.get("/ping", headers={"X-Request-ID": "bad id\nwith newline"})
    assert hostile["X-Request-ID"] != "bad id\nwith newline"
    assert re.fullmatch(r"[0-9a-f]{32}", hostile["X-Request-ID"])


def test_api_errors_carry_the_request_id(client):
    response = client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "trace-42"})
    assert response.json()["request_id"] == "trace-42"


def test_pages_send_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


class _InlineCode(HTMLParser):
    """Collects inline scripts, style attributes and on* handlers: things the CSP forbids."""

    def __init__(self) -> None:
        super().__init__()
        self.offences: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.offences.append("inline <script>")
        if tag == "style":
            self.offences.append("inline <style>")
        self.offences.extend(f"{tag}[{name}]" for name in names if name.startswith("on") or name == "style")


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/accounts/signup/", "/no-such-page", "/api/v1/redoc", "/tenders/open/"]
)
def test_pages_need_no_inline_code_so_the_csp_holds(client, path):
    response = client.get(path)
    parser = _InlineCode()
    parser.feed(response.content.decode())
    assert parser.offences == []


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/redoc"])
def test_api_docs_load_their_assets_from_this_site_only(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", html), "the docs page must not load anything from a CDN"
    assert "/static/drf_spectacular_sidecar/" in html


def test_swagger_ui_script_is_served_as_a_file(client):
    page = client.get("/api/v1/docs").content.decode()
    script = re.search(r'<script src="([^"]+\?script=)"', page) or re.search(
        r'<script src="(/api/v1/docs\?[^"]+)"', page
    )
    assert script, page
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert b"SwaggerUIBundle" in response.content


def test_html_404_for_pages_json_problem_for_the_api(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert b"Page not found" in page.content
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/problem+json"
