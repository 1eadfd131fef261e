"""Helpers shared by the quotes services: locking the tender, the deadline rule, actor facts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cotai.exceptions import InvalidState
from tenders.choices import TenderStatus
from tenders.models import Tender


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def user_id_of(actor: Any) -> int | None:
    """The User id behind ``actor`` (None for an API key or nobody), for ``created_by``-style columns."""
    if actor is None or getattr(actor, "api_key", None) is not None:
        return None
    return getattr(actor, "pk", None)


def api_key_prefix_of(actor: Any) -> str | None:
    api_key = getattr(actor, "api_key", None)
    return getattr(api_key, "prefix", None) if api_key is not None else None


def lock_tender(tender_id: int) -> Tender:
    """The tender row, locked until the end of the current transaction (``SELECT ... FOR UPDATE``).

    Every service that stores, changes or opens quotes takes this lock first, so a submission and
    the closing/opening of the same tender are serialized and the deadline check below sees the
    state the write will commit against. (SQLite has no row locks; its IMMEDIATE transactions
    serialize all writers instead.)
    """
    return Tender.objects.select_for_update().get(pk=tender_id)


def require_accepting_quotes(tender: Tender, now: datetime) -> None:
    """Refuse unless ``tender`` accepts quotes at server time ``now``: published and before the deadline.

    A quote is on time while ``now < submission_deadline`` (the same instant at which the tender
    closes). The message says both times, so a late supplier knows exactly why nothing was stored.
    """
    deadline = tender.submission_deadline
    if tender.status == TenderStatus.PUBLISHED and deadline is not None and now < deadline:
        return
    if tender.status == TenderStatus.PUBLISHED and deadline is not None:
        raise InvalidState(
            f"The submission deadline was {_utc(deadline)}; the server time is {_utc(now)}. "
            "Quotes can no longer be submitted or changed; nothing was stored.",
            extra={"submission_deadline": iso(deadline), "server_time": iso(now)},
        )
    label = TenderStatus(tender.status).label.lower()
    raise InvalidState(
        f"This tender is not accepting quotes (it is {label}); nothing was stored.",
        extra={"tender_status": tender.status, "server_time": iso(now)},
    )


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
