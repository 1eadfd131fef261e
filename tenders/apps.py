"""Tenders, items, documents, invitations, clarifications, amendments and their lifecycle."""

from django.apps import AppConfig


class TendersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tenders"
    verbose_name = "Tenders"
