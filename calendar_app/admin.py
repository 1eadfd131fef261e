"""Back office of the calendar: read-only evidence for support (who was reminded of what, when).

Nothing here is edited by hand: events follow their tenders and their owners, reminders follow
the schedule. Feed secrets are never shown. A quote's validity is part of its sealed terms, so
validity events of quotes not yet opened are left out (DESIGN rule 2 applies to staff too).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from calendar_app.choices import EventKind
from calendar_app.models import CalendarEvent, CalendarFeed, CompanyReminderSettings, Reminder


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _unsealed(queryset: QuerySet, prefix: str = "") -> QuerySet:
    sealed = Q(**{f"{prefix}kind": EventKind.QUOTE_VALIDITY, f"{prefix}quote__opened_at__isnull": True})
    return queryset.exclude(sealed)


@admin.register(CalendarEvent)
class CalendarEventAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "start", "status", "sequence", "derived", "owner_company", "owner_user")
    list_filter = ("kind", "status", "derived")
    search_fields = ("title", "source_key", "owner_company__legal_name", "owner_user__email")
    raw_id_fields = ("owner_company", "owner_user", "tender", "quote", "created_by")
    date_hierarchy = "start"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return _unsealed(super().get_queryset(request)).select_related("owner_company", "owner_user")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("event", "offset_minutes", "company", "user", "due_at", "sent_at", "skipped_at", "skip_reason")
    list_filter = ("skip_reason",)
    search_fields = ("event__title", "company__legal_name", "user__email")
    raw_id_fields = ("event", "company", "user")
    date_hierarchy = "due_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return _unsealed(super().get_queryset(request), "event__").select_related("event", "company", "user")


@admin.register(CompanyReminderSettings)
class CompanyReminderSettingsAdmin(ReadOnlyAdmin):
    list_display = ("company", "submission_offsets", "clarification_offsets", "updated_by", "updated_at")
    search_fields = ("company__legal_name",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "last_used_at")
    search_fields = ("user__email",)
    fields = ("user", "created_at", "last_used_at")
    readonly_fields = fields
