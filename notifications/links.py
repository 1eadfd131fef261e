"""Links of notifications: the page a person opens from the bell, the email or the push message.

Other apps' URL names are looked up by name when they exist; otherwise the stable path the site
serves is used, so a notification never fails because a page moved.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


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


def clarifications(tender_id: int) -> str:
    return _first(
        [("tenders:clarifications", {"pk": tender_id}), ("tenders:clarification-list", {"pk": tender_id})],
        tender(tender_id),
    )


def quote(quote_id: int, tender_id: int) -> str:
    return _first([("quotes:detail", {"pk": quote_id}), ("quotes:quote-detail", {"pk": quote_id})], tender(tender_id))


def calendar() -> str:
    return _first([("calendar_app:agenda", {})], "/calendar/agenda/")


def security() -> str:
    return _first([("accounts:security", {})], "/me/security/")


def companies() -> str:
    return _first([("companies:list", {}), ("companies:company-list", {})], "/companies/")


def webhook_endpoint(endpoint_id: int) -> str:
    return _first([("notifications:webhook-detail", {"pk": endpoint_id})], f"/notifications/webhooks/{endpoint_id}/")
