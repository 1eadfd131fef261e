"""Back office view of the relational event store: read-only, filterable by kind, type, company, actor, time.

Filters that would need ``SELECT DISTINCT`` over the whole table (type, company, actor) are text
inputs instead of lists of values: the table holds every audit, delivery and API usage event.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from cotai.eventstore.models import StoredEvent


class InputFilter(admin.SimpleListFilter):
    """A list filter typed into a text box; other active filters are kept as hidden fields."""

    template = "admin/eventstore/input_filter.html"
    placeholder = ""

    def lookups(self, request, model_admin):
        # One placeholder choice so that the admin shows the filter at all.
        return [("", self.title)]

    def choices(self, changelist):
        hidden = [
            (name, value)
            for name, values in changelist.params.items()
            if name not in (self.parameter_name, "p")
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value(),
            "placeholder": self.placeholder,
            "hidden": hidden,
            "clear_query_string": changelist.get_query_string(remove=[self.parameter_name]),
        }


class IdFilter(InputFilter):
    field_name = ""
    placeholder = "id"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = (self.value() or "").strip()
        if not value:
            return None
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{self.field_name: int(value)})


class CompanyFilter(IdFilter):
    title = "company id"
    parameter_name = "company"
    field_name = "company_id"


class ActorFilter(IdFilter):
    title = "actor id"
    parameter_name = "actor"
    field_name = "actor_id"


class TypeFilter(InputFilter):
    title = "type"
    parameter_name = "type"
    placeholder = "tender.published, or tender. for all"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = (self.value() or "").strip()
        if not value:
            return None
        # "tender." lists every tender.* event; anything else is an exact type.
        return queryset.filter(type__startswith=value) if value.endswith(".") else queryset.filter(type=value)


@admin.register(StoredEvent)
class StoredEventAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes events here, not even superusers: the trail is append-only."""

    list_display = ("occurred_at", "kind", "type", "company_id", "actor_id", "object_type", "object_id", "ip")
    list_filter = ("kind", TypeFilter, CompanyFilter, ActorFilter, ("occurred_at", admin.DateFieldListFilter))
    # Exact matches only: they use the indexes, where a "contains" search would read the whole table.
    search_fields = ("=correlation_id", "=object_id")
    ordering = ("-occurred_at", "-id")
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = [field.name for field in StoredEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StoredEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StoredEvent | None = None) -> bool:
        return False
