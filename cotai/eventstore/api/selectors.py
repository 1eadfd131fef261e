"""Reads of the audit trail, scoped to who is asking. The page and the API both call these.

- :func:`audit_events_for`: the audit events of one company, for a person allowed
  ``company.view_audit`` in it or an API key of that company carrying :data:`AUDIT_SCOPE`.
  The company condition is always set from ``company``: no filter can reach another company's events.
- :func:`audit_events_for_staff`: every company's audit events (or one company's), for staff people.

Each returns one page with the actors of its events resolved in one query (and, on request, the
companies in one more), so the number of queries does not grow with the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from companies import permissions
from companies.models import Company
from cotai.eventstore import get_event_store
from cotai.eventstore.api.filters import AuditFilters
from cotai.eventstore.base import Event, EventKind, EventPage
from cotai.exceptions import PermissionDenied

# The scope an API key needs to read its company's trail ("audit:read").
AUDIT_SCOPE: str = permissions.ACTION_SCOPES[permissions.COMPANY_VIEW_AUDIT]


@dataclass(frozen=True)
class Change:
    """One field of an audited change, as text: ``before`` and ``after`` are None when absent."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class AuditEntry:
    """One audit event with its actor (None for the system, or a person no longer on record) and,
    for staff pages, its company."""

    event: Event
    actor: Any = None
    company: Company | None = None

    @property
    def actor_info(self) -> dict[str, Any] | None:
        """``{id, email, full_name}``; email and name are None when the person is no longer on record."""
        if self.event.actor_id is None:
            return None
        return {
            "id": self.event.actor_id,
            "email": getattr(self.actor, "email", None),
            "full_name": getattr(self.actor, "full_name", None),
        }

    @property
    def before(self) -> Any:
        return self.event.data.get("before")

    @property
    def after(self) -> Any:
        return self.event.data.get("after")

    @property
    def changes(self) -> list[Change]:
        """The fields in ``before``/``after``, in the order they were recorded."""
        before = self.before if isinstance(self.before, dict) else {}
        after = self.after if isinstance(self.after, dict) else {}
        names = list(dict.fromkeys([*before, *after]))
        return [
            Change(name, _text(before[name]) if name in before else None, _text(after[name]) if name in after else None)
            for name in names
        ]

    @property
    def details(self) -> list[tuple[str, str]]:
        """What the event's data holds besides before/after (a reason, a count ...), as text."""
        return [(key, _text(value)) for key, value in self.event.data.items() if key not in ("before", "after")]


@dataclass(frozen=True)
class AuditTrailPage:
    """One page of audit entries, newest first, and the event store page it came from."""

    entries: list[AuditEntry]
    page: EventPage


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def can_view_audit(actor: Any, company: Company | None) -> bool:
    """May ``actor`` read ``company``'s audit trail? (see the module docstring for API keys)."""
    if company is None:
        return False
    if permissions.is_api_key(actor):
        return actor.company_id == company.pk and AUDIT_SCOPE in actor.scopes
    return permissions.can(actor, permissions.COMPANY_VIEW_AUDIT, company)


def audit_events_for(*, actor: Any, company: Company | None, filters: AuditFilters) -> AuditTrailPage:
    """One page of ``company``'s audit events matching ``filters``; ``filters.company_id`` is ignored.

    Raises PermissionDenied unless ``can_view_audit(actor, company)``.
    """
    if not can_view_audit(actor, company):
        raise PermissionDenied("Only the company's owners and administrators can read its audit trail.")
    return _page(company_id=company.pk, filters=filters, with_companies=False)


def audit_events_for_staff(*, actor: Any, filters: AuditFilters, with_companies: bool = False) -> AuditTrailPage:
    """One page of every company's audit events (one company's with ``filters.company_id``); staff only.

    ``with_companies`` also loads the companies of the page (one query), for showing their names.
    Raises PermissionDenied for anyone who is not a staff person (API keys never are).
    """
    if permissions.is_api_key(actor) or not (getattr(actor, "is_authenticated", False) and actor.is_staff):
        raise PermissionDenied("Only platform staff can read every company's audit trail.")
    return _page(company_id=filters.company_id, filters=filters, with_companies=with_companies)


def _page(*, company_id: int | None, filters: AuditFilters, with_companies: bool) -> AuditTrailPage:
    store = get_event_store()
    conditions: dict[str, Any] = {
        "kind": EventKind.AUDIT.value,
        "company_id": company_id,
        "actor_id": filters.actor_id,
        "object_type": filters.object_type,
        "object_id": filters.object_id,
        "type": filters.type,
        "since": filters.since,
        "until": filters.until,
    }
    types = None
    if filters.type_prefix:
        # The store matches exact types only; the types present under the other filters are few
        # (one per kind of action), so a prefix becomes the list of those types that start with it.
        present = store.count_by_type(**conditions)
        types = sorted(name for name in present if name.startswith(filters.type_prefix))
    page = store.query(**conditions, types=types, page=filters.page, page_size=filters.page_size)
    actors = _actors(page.items)
    companies = _companies(page.items) if with_companies else {}
    entries = [
        AuditEntry(event=event, actor=actors.get(event.actor_id), company=companies.get(event.company_id))
        for event in page.items
    ]
    return AuditTrailPage(entries=entries, page=page)


def _actors(events: list[Event]) -> dict[int, Any]:
    ids = {event.actor_id for event in events if event.actor_id is not None}
    if not ids:
        return {}
    return {user.pk: user for user in get_user_model().objects.filter(pk__in=ids).only("id", "email", "full_name")}


def _companies(events: list[Event]) -> dict[int, Company]:
    ids = {event.company_id for event in events if event.company_id is not None}
    if not ids:
        return {}
    return {
        company.pk: company
        for company in Company.objects.filter(pk__in=ids).only("id", "slug", "legal_name", "trade_name")
    }
