"""Boards, columns and cards linked to tenders and quotes."""

from django.apps import AppConfig


class KanbanConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kanban"
    verbose_name = "Kanban boards"
