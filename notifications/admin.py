"""Back office: staff edit notification texts; everything else is read-only evidence."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from notifications import catalog
from notifications.models import (
    DeviceToken,
    Notification,
    NotificationDelivery,
    NotificationDigest,
    NotificationTemplate,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class NotificationTemplateForm(forms.ModelForm):
    event_type = forms.ChoiceField(choices=catalog.choices())

    class Meta:
        model = NotificationTemplate
        fields = ["event_type", "channel", "language", "subject", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "cols": 90})}


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    """Texts use only {{ variable }} placeholders; unknown variables and any other syntax are refused on save."""

    form = NotificationTemplateForm
    list_display = ("event_type", "channel", "language", "subject", "is_active", "updated_at")
    list_filter = ("channel", "language", "is_active", "event_type")
    search_fields = ("event_type", "subject", "body")
    readonly_fields = ("variables", "updated_at", "updated_by")

    @admin.display(description="Variables this type provides")
    def variables(self, obj: NotificationTemplate) -> str:
        spec = catalog.TYPES.get(obj.event_type)
        return ", ".join("{{ " + name + " }}" for name in sorted(spec.all_variables)) if spec else "—"

    def save_model(self, request: HttpRequest, obj: NotificationTemplate, form, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "recipient", "company", "priority", "created_at", "read_at", "scheduled_for")
    list_filter = ("event_type", "priority")
    search_fields = ("=recipient__email", "title", "=event_id")
    date_hierarchy = "created_at"
    list_select_related = ("recipient", "company")


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("notification_id", "channel", "status", "attempts", "next_attempt_at", "sent_at", "failed_at")
    list_filter = ("channel", "status")
    search_fields = ("=notification__id", "provider_message_id")


@admin.register(NotificationDigest)
class NotificationDigestAdmin(ReadOnlyAdmin):
    list_display = ("user", "period", "frequency", "created_at", "sent_at", "attempts")
    search_fields = ("=user__email", "period")


@admin.register(DeviceToken)
class DeviceTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "platform", "name", "last_seen_at", "revoked_at")
    list_filter = ("platform",)
    search_fields = ("=user__email",)
    exclude = ("subscription",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "company", "is_active", "consecutive_failures", "failing_since", "last_success_at")
    list_filter = ("is_active",)
    search_fields = ("url", "company__legal_name")
    exclude = ("secret", "previous_secret")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("msg_id", "endpoint", "event_type", "status", "attempts", "response_status", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("=msg_id",)
