"""Every route of the project, called as every persona, answers what its app declared.

Each project app lists its routes in ``<app>/tests/routes.py`` (``ROUTES``, and optionally ``PUBLIC``)
— see companies/testing.py. Those modules are found here automatically, so a new app adds its
routes with one line each in its own file. A named route that no app declares, and that is not
listed below as public or excluded, fails ``test_every_route_is_declared``: a new page or endpoint
cannot ship without someone deciding who may call it.
"""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from companies.testing import PERSONAS, RouteCase, build_world

# Project-level routes anyone may call, with the reason.
PUBLIC: dict[str, str] = {
    "home": "the landing page",
    "ping": "liveness probe for the orchestrator; says nothing but 'pong'",
    "prometheus-django-metrics": "Prometheus scrape endpoint: process metrics, no tenant data",
    "api:health": "readiness check of the database, cache, broker and event store; no tenant data",
    "api:schema": "the OpenAPI document of the public API",
    "api:docs": "Swagger UI over the OpenAPI document",
    "api:redoc": "ReDoc over the OpenAPI document",
}

# Routes of third-party apps, excluded with the reason, by URL-name prefix or by view module.
EXCLUDED_PREFIXES: dict[str, str] = {
    "admin:": "Django admin: staff only, by Django's own staff check (staff rules are tested with the admin)",
}
EXCLUDED_MODULES: dict[str, str] = {
    "allauth.": "django-allauth's sign-in, sign-up, password and MFA pages: public by design, covered by allauth",
}


def _project_route_modules() -> list[ModuleType]:
    base = Path(settings.BASE_DIR).resolve()
    modules = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base not in path.parents or ".venv" in path.parts:
            continue  # third-party apps
        try:
            modules.append(import_module(f"{config.name}.tests.routes"))
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.routes"):
                raise
    return modules


ROUTE_MODULES = _project_route_modules()
CASES: list[RouteCase] = [case for module in ROUTE_MODULES for case in module.ROUTES]
APP_PUBLIC: dict[str, str] = {
    name: reason for module in ROUTE_MODULES for name, reason in getattr(module, "PUBLIC", {}).items()
}


def _named_routes(resolver: URLResolver | None = None, namespace: str = "") -> dict[str, str]:
    """Every named route of the project -> the module of its view."""
    resolver = resolver or get_resolver()
    found: dict[str, str] = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            prefix = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            found.update(_named_routes(pattern, prefix))
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            callback = getattr(pattern.callback, "cls", None) or pattern.callback
            found[name] = getattr(callback, "__module__", "")
    return found


def _excluded(name: str, module: str) -> bool:
    return any(name.startswith(prefix) for prefix in EXCLUDED_PREFIXES) or any(
        module.startswith(prefix) for prefix in EXCLUDED_MODULES
    )


def test_every_route_is_declared():
    routes = _named_routes()
    covered = {case.url_name for case in CASES}
    public = set(PUBLIC) | set(APP_PUBLIC)
    undeclared = sorted(
        name for name, module in routes.items() if name not in covered | public and not _excluded(name, module)
    )
    assert not undeclared, f"Routes without a RouteCase or a PUBLIC entry: {undeclared}"
    stale = sorted((covered | public) - set(routes))
    assert not stale, f"Declared routes that do not exist: {stale}"


def test_the_matrix_is_not_empty():
    # If discovery broke, the parametrized test below would silently check nothing.
    assert any(module.__name__ == "companies.tests.routes" for module in ROUTE_MODULES)
    assert len(CASES) >= 30


def _call(client, case: RouteCase, world):
    url = reverse(case.url_name, kwargs=case.kwargs(world) if case.kwargs else None)
    data = case.data(world) if case.data else None
    if world.user is not None:
        client.force_login(world.user)
    if case.is_api:
        headers = {"X-Company": str(world.acting_company.pk)} if world.acting_company is not None else {}
        body = json.dumps(data) if data is not None else ""
        return client.generic(case.method.upper(), url, data=body, content_type="application/json", headers=headers)
    if case.method == "get":
        return client.get(url, data or {})
    return client.post(url, data or {}) if case.method == "post" else client.generic(case.method.upper(), url)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_route_answers_each_persona_as_declared(client, case: RouteCase, persona: str):
    world = build_world(persona)
    response = _call(client, case, world)
    expected = case.expect[persona]
    assert response.status_code == expected, (
        f"{case.id} as {persona}: expected {expected}, got {response.status_code}: "
        f"{response.content[:300].decode(errors='replace')}"
    )
    if persona == "anonymous" and expected == 302 and case.anonymous_to_login:
        assert reverse(settings.LOGIN_URL) in response["Location"]
