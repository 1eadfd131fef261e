"""Pages: the notification centre and bell, preferences, devices, and the company's webhooks.

Thin: selectors read, services write. Every action is a POST form that redirects, so the pages
work without JavaScript; with HTMX the list and the bell answer with their partials.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies import permissions
from cotai.exceptions import InvalidState, PermissionDenied, ValidationFailed
from cotai.pages import add_service_errors, maps_application_errors
from notifications import catalog, selectors, services
from notifications.channels.push import vapid_public_key
from notifications.choices import PERSONAL_CHANNELS, Channel, Platform
from notifications.forms import NotificationSettingsForm, WebhookEndpointForm

PAGE_SIZE = 30


def _local(request: HttpRequest, target: str, fallback: str) -> str:
    """``target`` if it stays on this site, else ``fallback`` (no open redirects)."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return redirect(_local(request, request.POST.get("next") or "", fallback))


# --- the centre and the bell -----------------------------------------------------------------------
def _list_context(request: HttpRequest) -> dict[str, Any]:
    status = request.GET.get("status", "all")
    if status not in selectors.STATUS_FILTERS:
        status = "all"
    event_type = request.GET.get("type", "")
    if event_type not in catalog.TYPES:
        event_type = ""
    queryset = selectors.notification_list_for(user=request.user, status=status, event_type=event_type)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "notifications": page.object_list,
        "status": status,
        "event_type": event_type,
        "types": catalog.choices(),
        "statuses": [("all", "Inbox"), ("unread", "Unread"), ("archived", "Archived")],
        "unread_count": selectors.unread_count(request.user),
    }


@login_required
@require_GET
@maps_application_errors
def notification_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    if getattr(request, "htmx", False) and request.htmx.target == "notification-list":
        return render(request, "notifications/partials/notification_list.html", context)
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell's count (an HTMX partial polled by the page; also a plain link without JS)."""
    return render(
        request,
        "notifications/partials/bell.html",
        {"unread_count": selectors.unread_count(request.user), "poll": True},
    )


def _row_action(service_name: str) -> Callable[..., HttpResponse]:
    """A POST view applying ``services.<service_name>`` to one of the person's notifications,
    answered like every list action (the list partial with HTMX, a redirect without)."""

    @login_required
    @require_POST
    @maps_application_errors
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        getattr(services, service_name)(actor=request.user, notification_id=pk)
        return _after_change(request)

    return view


mark_read = _row_action("notification_mark_read")
mark_unread = _row_action("notification_mark_unread")
archive = _row_action("notification_archive")


@login_required
@require_POST
@maps_application_errors
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and go to the notification's page (only links inside this site are followed)."""
    notification = services.notification_mark_read(actor=request.user, notification_id=pk)
    return redirect(_local(request, notification.link, reverse("notifications:list")))


@login_required
@require_POST
@maps_application_errors
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(actor=request.user)
    if not getattr(request, "htmx", False):
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return _after_change(request)


def _after_change(request: HttpRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        request.GET = request.GET.copy()
        for key in ("status", "type", "page"):
            if request.POST.get(key):
                request.GET[key] = request.POST[key]
        response = render(
            request, "notifications/partials/notification_list.html", {**_list_context(request), "oob_bell": True}
        )
        return response
    return _back(request, reverse("notifications:list"))


# --- preferences -----------------------------------------------------------------------------------
def _preference_rows(user: Any) -> list[dict[str, Any]]:
    matrix = services.preference_matrix(user)
    rows = []
    for name, spec in catalog.TYPES.items():
        rows.append(
            {
                "name": name,
                "spec": spec,
                "cells": [
                    {
                        "channel": channel,
                        "field": f"{name}:{channel}",
                        "on": matrix[name][channel],
                        "locked": spec.mandatory and channel in (Channel.IN_APP, Channel.EMAIL),
                    }
                    for channel in PERSONAL_CHANNELS
                ],
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.settings_for(request.user)
    form = NotificationSettingsForm(
        request.POST or None,
        initial={
            "digest_frequency": current.digest_frequency,
            "digest_hour": current.digest_hour,
            "digest_weekday": current.digest_weekday,
            "quiet_hours_start": current.quiet_hours_start,
            "quiet_hours_end": current.quiet_hours_end,
        },
    )
    if request.method == "POST" and form.is_valid():
        current_matrix = services.preference_matrix(request.user)
        choices = {}
        for name, spec in catalog.TYPES.items():
            for channel in PERSONAL_CHANNELS:
                if spec.mandatory and channel in (Channel.IN_APP, Channel.EMAIL):
                    continue
                wanted = request.POST.get(f"{name}:{channel}") == "on"
                if wanted != current_matrix[name][channel]:  # store only what changes
                    choices[(name, channel)] = wanted
        try:
            services.preferences_update(actor=request.user, choices=choices)
            services.settings_update(actor=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your notification preferences were saved.")
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "rows": _preference_rows(request.user),
            "channels": [Channel(c) for c in PERSONAL_CHANNELS],
            "time_zone": getattr(request.user, "time_zone", "UTC"),
        },
    )


# --- devices ------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def devices(request: HttpRequest) -> HttpResponse:
    """GET: the person's devices. POST (JSON from static/js/notifications-push.js): register this browser."""
    if request.method == "POST":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"detail": "Send JSON."}, status=400)
        try:
            device = services.device_register(
                actor=request.user,
                platform=data.get("platform", Platform.WEB),
                subscription=data.get("subscription"),
                token=data.get("token", ""),
                name=(request.headers.get("User-Agent") or "")[:120],
            )
        except ValidationFailed as exc:
            return JsonResponse({"detail": exc.message, "errors": exc.errors}, status=400)
        return JsonResponse({"id": device.pk}, status=201)
    return render(
        request,
        "notifications/devices.html",
        {"devices": selectors.devices_for(request.user), "vapid_public_key": vapid_public_key()},
    )


@login_required
@require_POST
@maps_application_errors
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    services.device_revoke(actor=request.user, device_id=pk)
    messages.success(request, "The device will no longer receive push notifications.")
    return redirect("notifications:devices")


# --- webhooks (company admins) ----------------------------------------------------------------------------
def _company(request: HttpRequest) -> Any:
    company = getattr(request, "company", None)
    if company is None or not permissions.can(request.user, "webhooks.manage", company):
        raise PermissionDenied("Only the company's owners and admins manage webhooks.")
    return company


@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def webhook_list(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(
                actor=request.user,
                company=company,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Endpoint registered. Copy its signing secret below.")
            return redirect("notifications:webhook-detail", pk=endpoint.pk)
    return render(
        request,
        "notifications/webhook_list.html",
        {"company": company, "endpoints": selectors.endpoints_for(actor=request.user, company=company), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    endpoint = selectors.endpoint_get_for(actor=request.user, company=company, pk=pk)
    form = WebhookEndpointForm(
        request.POST or None,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
            "is_active": endpoint.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(
                actor=request.user,
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                is_active=form.cleaned_data["is_active"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("notifications:webhook-detail", pk=endpoint.pk)
    deliveries = Paginator(
        selectors.deliveries_for(actor=request.user, company=company, endpoint_id=endpoint.pk), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/webhook_detail.html",
        {
            "company": company,
            "endpoint": endpoint,
            "form": form,
            "deliveries": deliveries,
            "secrets": endpoint.signing_secrets(),
        },
    )


@login_required
@require_POST
@maps_application_errors
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    endpoint = selectors.endpoint_get_for(actor=request.user, company=company, pk=pk)
    services.webhook_send_test(actor=request.user, endpoint=endpoint, request=request)
    messages.success(request, "A test event is on its way; its result appears in the deliveries below.")
    return redirect("notifications:webhook-detail", pk=endpoint.pk)


@login_required
@require_POST
@maps_application_errors
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    endpoint = selectors.endpoint_get_for(actor=request.user, company=company, pk=pk)
    services.webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint, request=request)
    messages.success(request, "New secret created; the previous one stays valid for a while, both sign every message.")
    return redirect("notifications:webhook-detail", pk=endpoint.pk)


@login_required
@require_POST
@maps_application_errors
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    endpoint = selectors.endpoint_get_for(actor=request.user, company=company, pk=pk)
    services.webhook_endpoint_delete(actor=request.user, endpoint=endpoint, request=request)
    messages.success(request, "Endpoint deleted.")
    return redirect("notifications:webhooks")


@login_required
@require_GET
@maps_application_errors
def webhook_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    delivery = selectors.delivery_get_for(actor=request.user, company=company, pk=pk)
    return render(
        request,
        "notifications/webhook_delivery.html",
        {
            "company": company,
            "delivery": delivery,
            "payload": json.dumps(delivery.payload, indent=2, ensure_ascii=False),
        },
    )


@login_required
@require_POST
@maps_application_errors
def webhook_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    delivery = selectors.delivery_get_for(actor=request.user, company=company, pk=pk)
    try:
        copy = services.webhook_redeliver(actor=request.user, delivery=delivery, request=request)
    except InvalidState as exc:
        messages.error(request, exc.message)
        return redirect("notifications:webhook-delivery", pk=delivery.pk)
    messages.success(request, "The message is being delivered again.")
    return redirect("notifications:webhook-delivery", pk=copy.pk)
