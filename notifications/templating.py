"""The template language of notification texts: ``{{ variable.path }}`` and nothing else.

Staff edit notification texts in the back office, so the language must not reach anything but the
values an event provides. It has one construct, a placeholder ``{{ name }}`` or ``{{ tender.title }}``
(lower-case words joined by dots), resolved by plain dictionary look-ups in a context that the
notification code builds from whitelisted values (strings, numbers, times). There are no tags, no
filters, no attribute access and no method calls, so a template can neither read an object's
internals nor run code. Django's template engine is used only for the fixed email layouts in
``templates/notifications/email/``, which staff cannot edit.

Errors are found when a template is saved (``validate``): a placeholder naming a variable the
event does not provide, or anything that looks like template syntax but is not a valid
placeholder (``{{ tender.title``, ``{% if %}``, ``{{ x|upper }}``), is refused with a message
saying what is wrong and which variables exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.html import escape

NAME = r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*"
PLACEHOLDER = re.compile(r"\{\{\s*(" + NAME + r")\s*\}\}")
# Anything left that looks like template syntax after the valid placeholders are removed.
STRAY_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class TemplateSyntaxError(ValueError):
    """A template that cannot be saved; ``str(error)`` is a message for the person editing it."""


def variables_in(text: str) -> list[str]:
    """The variable names used by ``text``, in order of first use, without repeats."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text or ""):
        seen.setdefault(match.group(1), None)
    return list(seen)


def validate(text: str, allowed: Iterable[str], *, field: str = "template") -> None:
    """Refuse ``text`` unless it is valid syntax using only the ``allowed`` variable names."""
    allowed = set(allowed)
    stray = STRAY_SYNTAX.search(PLACEHOLDER.sub("", text or ""))
    if stray:
        excerpt = (text or "")[max(0, stray.start() - 20) : stray.end() + 20].replace("\n", " ")
        raise TemplateSyntaxError(
            f"The {field} has invalid syntax near “{excerpt}”: only placeholders like "
            "{{ tender.title }} are allowed (no tags, filters or unclosed braces)."
        )
    unknown = [name for name in variables_in(text) if name not in allowed]
    if unknown:
        listed = ", ".join(sorted(allowed)) or "none"
        raise TemplateSyntaxError(
            f"The {field} uses {', '.join('{{ ' + name + ' }}' for name in unknown)}, which this event "
            f"does not provide. Available variables: {listed}."
        )


def flatten(context: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"tender": {"title": "X"}}`` -> ``{"tender.title": "X"}`` (what placeholders name)."""
    out: dict[str, Any] = {}
    for key, value in context.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten(value, name))
        else:
            out[name] = value
    return out


def format_value(value: Any, *, time_zone: str = "UTC") -> str:
    """A context value as text: times in the recipient's zone, ``None`` as an empty string."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(_zone(time_zone or "UTC"))
        return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render(
    text: str,
    context: Mapping[str, Any] | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    time_zone: str = "UTC",
    html: bool = False,
) -> str:
    """Substitute every placeholder of ``text`` with its value from ``context`` (a nested dict), or
    from ``values`` (the same, already flattened: ``{"tender.title": ...}``, for many renders).

    A variable missing from the context renders as an empty string (templates are validated on save,
    so this only happens when an optional fact is absent). With ``html`` the values are escaped.
    """
    if values is None:
        values = flatten(context or {})

    def substitute(match: re.Match[str]) -> str:
        value = format_value(values.get(match.group(1)), time_zone=time_zone)
        return escape(value) if html else value

    return PLACEHOLDER.sub(substitute, text or "")
