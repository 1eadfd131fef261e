"""The project package as an app, for its management commands (demo data, running the stack)."""

from django.apps import AppConfig


class CotaiConfig(AppConfig):
    name = "cotai"
    verbose_name = "CotAi platform"
