"""Events, deadlines, reminders and iCalendar feeds."""

from django.apps import AppConfig


class CalendarAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calendar_app"
    verbose_name = "Calendar"
