"""Accessible form fields: the input names its help text and its errors (aria-describedby) and
says when it is invalid (aria-invalid), so a screen reader reads the error with the field."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def describedby_ids(field: BoundField) -> list[str]:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    return ids


@register.filter
def accessible(field: BoundField) -> SafeString:
    """Render the field's widget with aria-describedby / aria-invalid set from its help and errors."""
    attrs: dict[str, str] = {}
    ids = describedby_ids(field)
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return field.widget_type == "checkbox"


@register.filter
def is_multiple_choice(field: BoundField) -> bool:
    return field.widget_type in ("checkboxselectmultiple", "radioselect")
