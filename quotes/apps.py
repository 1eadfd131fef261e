"""Sealed quotes, revisions and receipts, opening, evaluation, scoring and awards."""

from django.apps import AppConfig


class QuotesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quotes"
    verbose_name = "Quotes"
