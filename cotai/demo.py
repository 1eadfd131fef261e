"""Demo data, gathered from every domain that has some.

Each app may have a ``demo.py`` with ``load() -> None`` (idempotent: running it twice leaves the
same rows) and ``logins() -> list[tuple[str, str]]`` (email, what the account is for). Apps are
loaded in INSTALLED_APPS order, so a domain's demo can rely on the demo of the domains before it.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps


def demo_modules() -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        if config.name == "cotai":
            continue  # this module itself
        try:
            modules.append(import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    return modules


def load_all() -> list[str]:
    """Load every domain's demo data; returns the names of the domains loaded."""
    loaded = []
    for module in demo_modules():
        module.load()
        loaded.append(module.__name__.rsplit(".", 1)[0])
    return loaded


def all_logins() -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for module in demo_modules():
        if hasattr(module, "logins"):
            result.extend(module.logins())
    return result
