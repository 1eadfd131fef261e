"""Settings read from the environment: embedded defaults, real services, production refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

STRONG_KEY = "k7#Qp2v!Lm9@xZr4$Tn8^Wc1&Yb6*Hd3(Fg5)Js0-Ae7+Uo2=Ri9_Ne4"


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "MONGODB_URL",
            "CELERY_BROKER_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "ENVIRONMENT",
            # Set for the browser tests' live server (see tests/browser/conftest.py); a deployment never has it.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
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


DUMP = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
    "health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS"),
    "init": settings.DATABASES["default"].get("OPTIONS", {}).get("init_command", ""),
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "results": settings.CELERY_RESULT_BACKEND,
    "event_store": settings.EVENT_STORE_BACKEND,
    "debug": settings.DEBUG,
    "cors": settings.CORS_ALLOWED_ORIGINS,
    "hosts": settings.ALLOWED_HOSTS,
}))
"""


def _settings(**env: str) -> dict:
    result = _python(DUMP, **env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_need_no_services(tmp_path):
    values = _settings(COTAI_VAR_DIR=str(tmp_path))
    assert values["engine"].endswith("sqlite3")
    assert values["name"] == str(tmp_path / "cotai.sqlite3")
    assert "journal_mode=WAL" in values["init"]
    assert values["cache"].endswith("LocMemCache")
    assert values["broker"] == "filesystem://"
    assert values["event_store"] == "db"
    assert values["debug"] is False


def test_service_urls_switch_to_postgres_redis_and_mongodb(tmp_path):
    values = _settings(
        COTAI_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://cotai:pw@db.internal:5432/cotai",
        REDIS_URL="redis://cache.internal:6379/0",
        MONGODB_URL="mongodb://events.internal:27017",
    )
    assert values["engine"].endswith("postgresql")
    assert values["conn_max_age"] == 60
    assert values["health_checks"] is True
    assert values["cache"].endswith("RedisCache")
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["results"] == "redis://cache.internal:6379/0"
    assert values["event_store"] == "mongo"


def test_cors_origins_and_hosts_accept_comma_lists_and_json_arrays(tmp_path):
    values = _settings(
        COTAI_VAR_DIR=str(tmp_path),
        BACKEND_CORS_ORIGINS='["https://app.example.com", "https://erp.example.com"]',
        ALLOWED_HOSTS="cotai.example.com, api.example.com",
    )
    assert values["cors"] == ["https://app.example.com", "https://erp.example.com"]
    assert values["hosts"] == ["cotai.example.com", "api.example.com"]


def test_debug_is_off_unless_asked_for(tmp_path):
    assert _settings(COTAI_VAR_DIR=str(tmp_path))["debug"] is False
    assert _settings(COTAI_VAR_DIR=str(tmp_path), DEBUG="true")["debug"] is True


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _python(DUMP, ENVIRONMENT="production", ALLOWED_HOSTS="cotai.example.com", COTAI_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = _python(DUMP, ENVIRONMENT="production", SECRET_KEY=STRONG_KEY, COTAI_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(STRONG_KEY + "\n")
    result = _python(
        "from django.conf import settings; print(settings.SECRET_KEY)",
        ENVIRONMENT="production",
        SECRET_KEY_FILE=str(key_file),
        ALLOWED_HOSTS="cotai.example.com",
        COTAI_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == STRONG_KEY


def test_production_passes_the_deployment_checklist(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
            },
            "COTAI_IGNORE_DOTENV": "1",
            "ENVIRONMENT": "production",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "cotai.example.com",
            "COTAI_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_empty_variables_fall_back_to_their_defaults(tmp_path):
    result = _python(
        "import json; from django.conf import settings; "
        "print(json.dumps([str(settings.STATIC_ROOT), str(settings.MEDIA_ROOT), settings.EVENT_STORE_BACKEND]))",
        COTAI_VAR_DIR=str(tmp_path),
        STATIC_ROOT="",
        MEDIA_ROOT="",
        EVENT_STORE_BACKEND="",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    static_root, media_root, backend = json.loads(result.stdout.strip().splitlines()[-1])
    assert static_root == str(tmp_path / "staticfiles")
    assert media_root == str(tmp_path / "media")
    assert backend == "db"


def test_every_variable_the_settings_read_is_documented_in_env_example():
    import re

    source = (settings.BASE_DIR / "cotai" / "settings.py").read_text()
    read = set(re.findall(r'(?:env\.\w+|secret|env_list|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', source))
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (settings.BASE_DIR / ".env.example").read_text(), re.M))
    internal = {"COTAI_TESTING", "COTAI_IGNORE_DOTENV", "STATICFILES_STORAGE"}
    assert read - documented - internal == set()
