"""Every page and API route of notifications, with the status each persona must get.

Personal routes (the centre, preferences, devices) answer every signed-in person about their own
rows; another person's notification or device answers 404. Webhook routes need webhooks.manage
(owners and admins) in the acting company; the outsider meets another company's ids: 404.
"""

from __future__ import annotations

from typing import Any

from companies.testing import PERSONAS, ROLE_PERSONAS, RouteCase, RouteWorld, for_roles
from notifications.choices import WebhookDeliveryStatus

MANAGERS = ("owner", "admin")


def _personal(ok: int, *, api: bool = False) -> dict[str, int]:
    expect = dict.fromkeys(PERSONAS, ok)
    expect["anonymous"] = 401 if api else 302
    return expect


def _own_or_others(ok: int, *, api: bool = False) -> dict[str, int]:
    """The persona's own row: ``ok``; the outsider is given someone else's: 404."""
    expect = _personal(ok, api=api)
    expect["outsider"] = 404
    return expect


def _webhooks(ok: int, *, api: bool = False, outsider: int = 404) -> dict[str, int]:
    return for_roles(ok, MANAGERS, anonymous=401 if api else None, outsider=outsider)


def _owner_of_row(world: RouteWorld) -> Any:
    """Whose row the route is called on: the persona's own, or (for the outsider) someone else's."""
    if world.user is None or world.persona == "outsider":
        return world.member("viewer").user
    return world.user


def _notification(world: RouteWorld) -> dict[str, Any]:
    from notifications.tests.factories import NotificationFactory

    return {"pk": NotificationFactory(recipient=_owner_of_row(world), link="/notifications/").pk}


def _device(world: RouteWorld) -> dict[str, Any]:
    from notifications.tests.factories import DeviceTokenFactory

    return {"pk": DeviceTokenFactory(user=_owner_of_row(world)).pk}


def _endpoint(world: RouteWorld) -> dict[str, Any]:
    from notifications.tests.factories import WebhookEndpointFactory

    return {"pk": WebhookEndpointFactory(company=world.company).pk}


def _delivery(world: RouteWorld) -> dict[str, Any]:
    from notifications.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

    endpoint = WebhookEndpointFactory(company=world.company)
    return {"pk": WebhookDeliveryFactory(endpoint=endpoint, status=WebhookDeliveryStatus.SUCCEEDED).pk}


def _endpoint_form(world: RouteWorld) -> dict[str, Any]:
    return {"url": "https://93.184.215.14/hook", "event_types": ["tender.published"], "is_active": "on"}


ROUTES = [
    # pages
    RouteCase("notifications:list", _personal(200)),
    RouteCase("notifications:bell", _personal(200)),
    RouteCase("notifications:read-all", _personal(302), method="post"),
    RouteCase("notifications:read", _own_or_others(302), method="post", kwargs=_notification),
    RouteCase("notifications:unread", _own_or_others(302), method="post", kwargs=_notification),
    RouteCase("notifications:archive", _own_or_others(302), method="post", kwargs=_notification),
    RouteCase("notifications:open", _own_or_others(302), method="post", kwargs=_notification),
    RouteCase("notifications:preferences", _personal(200)),
    RouteCase("notifications:devices", _personal(200)),
    RouteCase("notifications:device-revoke", _own_or_others(302), method="post", kwargs=_device),
    # The outsider manages the webhooks of their own company: the list is theirs (200).
    RouteCase("notifications:webhooks", _webhooks(200, outsider=200)),
    RouteCase(
        "notifications:webhooks", _webhooks(302, outsider=302), method="post", data=_endpoint_form, note="register"
    ),
    RouteCase("notifications:webhook-detail", _webhooks(200), kwargs=_endpoint),
    RouteCase("notifications:webhook-test", _webhooks(302), method="post", kwargs=_endpoint),
    RouteCase("notifications:webhook-rotate", _webhooks(302), method="post", kwargs=_endpoint),
    RouteCase("notifications:webhook-delete", _webhooks(302), method="post", kwargs=_endpoint),
    RouteCase("notifications:webhook-delivery", _webhooks(200), kwargs=_delivery),
    RouteCase("notifications:webhook-redeliver", _webhooks(302), method="post", kwargs=_delivery),
    # API: personal
    RouteCase("api:notification-list", _personal(200, api=True)),
    RouteCase("api:notification-detail", _own_or_others(200, api=True), kwargs=_notification),
    RouteCase("api:notification-read", _own_or_others(200, api=True), method="post", kwargs=_notification),
    RouteCase("api:notification-unread", _own_or_others(200, api=True), method="post", kwargs=_notification),
    RouteCase("api:notification-archive", _own_or_others(200, api=True), method="post", kwargs=_notification),
    RouteCase("api:notification-read-all", _personal(200, api=True), method="post"),
    RouteCase("api:notification-unread-count", _personal(200, api=True)),
    RouteCase("api:notification-preferences", _personal(200, api=True)),
    RouteCase(
        "api:notification-preferences",
        _personal(200, api=True),
        method="patch",
        data=lambda world: {"choices": [{"type": "tender.published", "channel": "sms", "enabled": True}]},
        note="change",
    ),
    RouteCase("api:notification-device-list", _personal(200, api=True)),
    RouteCase(
        "api:notification-device-list",
        _personal(201, api=True),
        method="post",
        data=lambda world: {"platform": "android", "token": f"route-token-{world.persona}"},
        note="register",
    ),
    RouteCase("api:notification-device-detail", _own_or_others(204, api=True), method="delete", kwargs=_device),
    # API: webhooks of the acting company (the outsider acts for their own company)
    RouteCase("api:webhook-endpoint-list", _webhooks(200, api=True, outsider=200)),
    RouteCase(
        "api:webhook-endpoint-list",
        _webhooks(201, api=True, outsider=201),
        method="post",
        data=lambda world: {"url": "https://93.184.215.14/hook", "event_types": ["award.won"]},
        note="register",
    ),
    RouteCase("api:webhook-endpoint-detail", _webhooks(200, api=True), kwargs=_endpoint),
    RouteCase(
        "api:webhook-endpoint-detail",
        _webhooks(200, api=True),
        method="patch",
        kwargs=_endpoint,
        data=lambda world: {"description": "ERP"},
        note="change",
    ),
    RouteCase(
        "api:webhook-endpoint-detail", _webhooks(204, api=True), method="delete", kwargs=_endpoint, note="delete"
    ),
    RouteCase("api:webhook-endpoint-test", _webhooks(202, api=True), method="post", kwargs=_endpoint),
    RouteCase("api:webhook-endpoint-rotate-secret", _webhooks(200, api=True), method="post", kwargs=_endpoint),
    RouteCase("api:webhook-endpoint-secret", _webhooks(200, api=True), kwargs=_endpoint),
    RouteCase("api:webhook-delivery-list", _webhooks(200, api=True, outsider=200)),
    RouteCase("api:webhook-delivery-detail", _webhooks(200, api=True), kwargs=_delivery),
    RouteCase("api:webhook-delivery-redeliver", _webhooks(202, api=True), method="post", kwargs=_delivery),
]

assert all(set(case.expect) == set(PERSONAS) for case in ROUTES)
assert ROLE_PERSONAS
