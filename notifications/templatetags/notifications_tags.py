"""``{% notification_bell %}``: the bell in the site header, with the unread count (one query)."""

from __future__ import annotations

from typing import Any

from django import template

from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/partials/bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread_count": selectors.unread_count(user) if user is not None else 0, "poll": True}
