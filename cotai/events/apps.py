"""Domain events: a transactional outbox and the relay that hands events to subscribers."""

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cotai.events"
    label = "events"
    verbose_name = "Domain events"

    def ready(self) -> None:
        # Every installed app's subscribers.py registers its handlers, in web, worker and beat alike.
        autodiscover_modules("subscribers")
