"""Where a calendar event points to: the page of its tender or quote.

Other apps' URL names are looked up when they exist; otherwise the stable path the site serves is
used, so an event (or a feed) never fails because a page moved.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from calendar_app.models import CalendarEvent


def _first(candidates: list[tuple[str, dict]], fallback: str) -> str:
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return fallback


def tender(tender_id: int) -> str:
    return _first(
        [("tenders:detail", {"pk": tender_id}), ("tenders:tender-detail", {"pk": tender_id})], f"/tenders/{tender_id}/"
    )


def quote(quote_id: int, tender_id: int) -> str:
    return _first([("quotes:detail", {"pk": quote_id}), ("quotes:quote-detail", {"pk": quote_id})], tender(tender_id))


def source_of(event: CalendarEvent) -> str:
    """The page of what the event is about ("" for an event linked to nothing)."""
    if event.quote_id:
        return quote(event.quote_id, event.tender_id or event.quote.tender_id)
    if event.tender_id:
        return tender(event.tender_id)
    return ""


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if path else ""
