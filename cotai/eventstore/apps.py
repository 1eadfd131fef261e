"""Event store: the append-only audit trail, delivery logs, API usage and analytics events."""

from django.apps import AppConfig


class EventStoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cotai.eventstore"
    label = "eventstore"
    verbose_name = "Event store"
