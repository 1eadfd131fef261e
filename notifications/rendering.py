"""Turning a notification into the text of one channel, in the recipient's language and time zone.

Texts come from ``NotificationTemplate`` rows (staff-edited; language, then its base language, then
English) or, without a row, from the built-in defaults of :mod:`notifications.catalog`. Variables
come from the notification's stored context plus the recipient, the site and the link: nothing
else is reachable from a template. Email HTML is the escaped text inside a fixed layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe

from notifications import catalog, templating
from notifications.channels.base import Message
from notifications.choices import Channel

SITE_NAME = "CotAi"
_DATETIME_KEY = "$datetime"


def encode_context(value: Any) -> Any:
    """JSON-safe copy of a context: datetimes become ``{"$datetime": iso}`` so they come back typed."""
    if isinstance(value, Mapping):
        return {str(key): encode_context(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_context(item) for item in value]
    if isinstance(value, datetime):
        return {_DATETIME_KEY: value.isoformat()}
    return value


def decode_context(value: Any) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {_DATETIME_KEY}:
            return datetime.fromisoformat(value[_DATETIME_KEY])
        return {key: decode_context(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode_context(item) for item in value]
    return value


def plain_context(value: Any) -> Any:
    """A context as plain JSON for webhook payloads: datetimes as ISO 8601 strings."""
    if isinstance(value, Mapping):
        if set(value) == {_DATETIME_KEY}:
            return value[_DATETIME_KEY]
        return {key: plain_context(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain_context(item) for item in value]
    return value


def absolute_url(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.SITE_URL.rstrip("/") + "/" + link.lstrip("/")


def _languages(language: str) -> list[str]:
    chain = [language or "en"]
    base = chain[0].split("-")[0]
    if base not in chain:
        chain.append(base)
    if "en" not in chain:
        chain.append("en")
    return chain


class Renderer:
    """Renders many notifications with one template query per (types, channels) it meets."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._loaded: set[tuple[str, str]] = set()

    def preload(self, event_types: Iterable[str], channels: Iterable[str]) -> None:
        from notifications.models import NotificationTemplate

        wanted = {(t, c) for t in event_types for c in channels} - self._loaded
        if not wanted:
            return
        rows = NotificationTemplate.objects.filter(
            is_active=True,
            event_type__in={t for t, _ in wanted},
            channel__in={c for _, c in wanted},
        ).values_list("event_type", "channel", "language", "subject", "body")
        for event_type, channel, language, subject, body in rows:
            self._rows[(event_type, channel, language)] = (subject, body)
        self._loaded |= wanted

    def texts(self, event_type: str, channel: str, language: str) -> tuple[str, str]:
        """(subject, body) templates for a type on a channel in a language, with fallbacks."""
        self.preload([event_type], [channel])
        for candidate in _languages(language):
            row = self._rows.get((event_type, channel, candidate))
            if row is not None:
                return row
        return catalog.get(event_type).default_text(channel)

    def render_texts(
        self,
        event_type: str,
        channel: str,
        *,
        language: str,
        time_zone: str,
        context: Mapping[str, Any] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> tuple[str, str]:
        """(subject, body) rendered from ``context`` (nested) or ``values`` (flattened)."""
        if values is None:
            values = templating.flatten(context or {})
        subject, body = self.texts(event_type, channel, language)
        return (
            templating.render(subject, values=values, time_zone=time_zone).replace("\n", " ").strip(),
            templating.render(body, values=values, time_zone=time_zone).strip(),
        )

    def message(self, notification: Any, channel: str, user: Any) -> Message:
        """The rendered message of ``notification`` on ``channel`` for its recipient ``user``."""
        context = full_context(
            decode_context(notification.context),
            user=user,
            company_name=(notification.context or {}).get("company", {}).get("name", ""),
            link=notification.link,
            occurred_at=notification.created_at,
        )
        if channel == Channel.IN_APP:
            subject, text = notification.title, notification.body
        else:
            subject, text = self.render_texts(
                notification.event_type,
                channel,
                language=getattr(user, "language", "en"),
                time_zone=getattr(user, "time_zone", "UTC"),
                context=context,
            )
        url = absolute_url(notification.link)
        html = ""
        if channel == Channel.EMAIL:
            html = render_email_html(subject=subject, text=text, url=url)
        return Message(
            notification_id=notification.pk,
            event_type=notification.event_type,
            user_id=user.pk,
            email=user.email,
            phone=getattr(user, "phone", "") or "",
            subject=subject,
            text=text,
            html=html,
            url=url,
            priority=notification.priority,
            data={"type": notification.event_type, "id": notification.pk},
        )


def full_context(
    context: Mapping[str, Any], *, user: Any, company_name: str, link: str, occurred_at: datetime | None
) -> dict[str, Any]:
    """The stored context plus the common variables (recipient, company, site, link, event time)."""
    return {
        **context,
        "recipient": {"name": user.get_short_name() if hasattr(user, "get_short_name") else "", "email": user.email},
        "company": {"name": company_name},
        "site": {"name": SITE_NAME, "url": settings.SITE_URL},
        "link": absolute_url(link),
        "event": {"occurred_at": occurred_at},
    }


def text_to_html(text: str) -> str:
    """Plain text as safe HTML paragraphs (everything escaped, links made clickable)."""
    return linebreaks(urlize(text, nofollow=True, autoescape=True), autoescape=False)


def render_email_html(*, subject: str, text: str, url: str) -> str:
    return render_to_string(
        "notifications/email/notification.html",
        {
            "subject": subject,
            "body_html": mark_safe(text_to_html(text)),  # noqa: S308 - text_to_html escapes everything
            "url": url,
            "site_name": SITE_NAME,
            "preferences_url": absolute_url("/notifications/preferences/"),
        },
    )
