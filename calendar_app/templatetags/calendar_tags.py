"""Template tags of the calendar: ``{% next_deadlines %}`` for the dashboards, and small helpers."""

from __future__ import annotations

from typing import Any

from django import template

from calendar_app.choices import DEADLINE_KINDS

register = template.Library()


@register.inclusion_tag("calendar_app/partials/next_deadlines.html", takes_context=True)
def next_deadlines(context: dict[str, Any], limit: int = 5) -> dict[str, Any]:
    """The next deadlines the signed-in person sees in their active company (needs ``request``)."""
    from calendar_app.views import next_deadlines_context

    request = context.get("request")
    if request is None:
        return {"deadlines": [], "calendar_available": False}
    return next_deadlines_context(request, limit=limit)


@register.filter
def kind_class(kind: str) -> str:
    """``submission_deadline`` -> ``cal-kind-submission-deadline`` (the colour of that kind)."""
    return f"cal-kind-{str(kind).replace('_', '-')}"


@register.filter
def event_classes(event: Any) -> str:
    """CSS classes colouring an event by kind: ``cal-event cal-kind-<kind>`` (+ ``cal-deadline``)."""
    classes = ["cal-event", kind_class(event.kind)]
    if event.kind in DEADLINE_KINDS:
        classes.append("cal-deadline")
    return " ".join(classes)
