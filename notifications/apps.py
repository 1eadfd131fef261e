"""Notifications on every channel: in-app, email, SMS, push and webhooks."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _write_default_templates(sender: AppConfig, **kwargs: object) -> None:
    """After migrate: the built-in English texts of every type and channel that has none yet."""
    from notifications.services import ensure_default_templates

    ensure_default_templates()


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        post_migrate.connect(_write_default_templates, sender=self, dispatch_uid="notifications_default_templates")
