"""Domain events: a transactional outbox and the relay that hands events to subscribers."""

from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cotai.events"
    label = "events"
    verbose_name = "Domain events"
