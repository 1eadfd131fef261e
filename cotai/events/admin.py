"""Back office view of the outbox: read-only, plus sending failed deliveries again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from cotai.events.dispatch import enqueue_deliveries
from cotai.events.models import Delivery, DeliveryStatus, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Events and deliveries are written by the dispatcher only; staff look, and may re-send."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("subscriber", "status", "attempts", "next_attempt_at", "delivered_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("name", "created_at", "relayed_at", "relay_attempts", "company_id", "correlation_id")
    list_filter = ("name", ("relayed_at", admin.EmptyFieldListFilter))
    search_fields = ("=id", "=correlation_id")
    date_hierarchy = "created_at"
    inlines = (DeliveryInline,)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("subscriber", "event", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "subscriber")
    search_fields = ("=event__id",)
    list_select_related = ("event",)
    actions = ("send_again",)

    @admin.action(description="Send the selected failed deliveries again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        failed = list(queryset.filter(status=DeliveryStatus.FAILED).select_related("event"))
        # Back to pending first: a delivery that is not pending is skipped by the task.
        Delivery.objects.filter(pk__in=[d.pk for d in failed], status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
        )
        for delivery in failed:
            enqueue_deliveries(delivery.event_id, [delivery.subscriber], delivery.event.correlation_id)
        self.message_user(request, f"{len(failed)} deliveries sent again.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Actions need change permission; the form itself stays read-only (no editable fields).
        return request.user.has_perm("events.change_delivery")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [field.name for field in self.model._meta.fields]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        # Change permission exists for the action only: the page itself offers nothing to save.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().change_view(request, object_id, form_url, extra_context)
