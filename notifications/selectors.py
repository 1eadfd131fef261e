"""Reads of the notifications domain, always scoped to who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from companies import permissions
from cotai.exceptions import NotFound, PermissionDenied
from notifications.models import DeviceToken, Notification, WebhookDelivery, WebhookEndpoint

STATUS_FILTERS = ("unread", "all", "archived")


def notification_list_for(*, user: Any, status: str = "all", event_type: str = "") -> QuerySet[Notification]:
    """The person's due notifications, newest first. ``status``: unread | all (not archived) | archived."""
    if getattr(user, "pk", None) is None:
        raise PermissionDenied("Notifications belong to a person; sign in as that person.")
    queryset = Notification.objects.for_user(user).visible(timezone.now())
    if status == "unread":
        queryset = queryset.unread()
    elif status == "archived":
        queryset = queryset.archived()
    else:
        queryset = queryset.active()
    if event_type:
        queryset = queryset.filter(event_type=event_type)
    return queryset.select_related("company").order_by("-created_at", "-id")


def notification_get_for(*, user: Any, pk: Any) -> Notification:
    """One due notification of the person; anyone else's is "not found"."""
    if getattr(user, "pk", None) is None:
        raise PermissionDenied("Notifications belong to a person; sign in as that person.")
    try:
        return Notification.objects.for_user(user).visible().get(pk=int(pk))
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such notification.") from None


def unread_count(user: Any) -> int:
    if getattr(user, "pk", None) is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.for_user(user).visible().unread().count()


def devices_for(user: Any) -> QuerySet[DeviceToken]:
    return DeviceToken.objects.for_user(user).order_by("revoked_at", "-last_seen_at")


def endpoints_for(*, actor: Any, company: Any) -> QuerySet[WebhookEndpoint]:
    """The company's endpoints, for its admins (or an API key with webhooks:manage)."""
    permissions.require(actor, "webhooks.manage", company)
    return WebhookEndpoint.objects.for_company(company).order_by("-created_at", "-id")


def endpoint_get_for(*, actor: Any, company: Any, pk: Any) -> WebhookEndpoint:
    """One endpoint of ``company``; another company's id is "not found"."""
    try:
        return endpoints_for(actor=actor, company=company).select_related("company").get(pk=int(pk))
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such webhook endpoint.") from None


def deliveries_for(*, actor: Any, company: Any, endpoint_id: Any = None) -> QuerySet[WebhookDelivery]:
    permissions.require(actor, "webhooks.manage", company)
    queryset = WebhookDelivery.objects.for_company(company).select_related("endpoint")
    if endpoint_id not in (None, ""):
        queryset = queryset.filter(endpoint_id=endpoint_id)
    return queryset.order_by("-created_at", "-id")


def delivery_get_for(*, actor: Any, company: Any, pk: Any) -> WebhookDelivery:
    try:
        return deliveries_for(actor=actor, company=company).get(pk=int(pk))
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such webhook delivery.") from None
