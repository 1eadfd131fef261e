"""The audit trail: who did what, when, from where, with the state before and after.

Services call :func:`record` inside their ``transaction.atomic()`` block, right after the change::

    audit.record(action="tender.published", actor=actor, company=tender.buyer, obj=tender,
                 before={"status": "draft"}, after={"status": "published"}, request=request)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from cotai.context import get_correlation_id
from cotai.eventstore import get_event_store
from cotai.eventstore.base import EventKind, prepare_event
from cotai.eventstore.metrics import APPEND_FAILURES
from cotai.eventstore.request_info import client_ip, user_agent

log = structlog.get_logger("cotai.audit")


def _id_of(value: Any) -> int | None:
    """The id of a model instance (or an id given as such); anonymous users have none."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if getattr(value, "is_authenticated", True) is False:
        return None
    return getattr(value, "pk", None)


def record(
    *,
    action: str,
    actor: Any = None,
    company: Any = None,
    obj: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Append one ``kind="audit"`` event for ``action`` (e.g. ``"tender.published"``).

    - ``actor`` and ``company`` are model instances or ids; when left out they are taken from
      ``request.user`` and ``request.company``. ``obj`` gives ``object_type`` (``app_label.model``)
      and ``object_id``. ``before``/``after`` and ``data`` go into the event's ``data``.
    - From ``request``: the client IP (REMOTE_ADDR, or X-Forwarded-For as far as
      ``TRUSTED_PROXY_COUNT`` proxies vouch for it) and the user agent. The correlation id and the
      time are taken now, from the current context and the server clock.

    Transactions: the audit event shares the fate of the caller's transaction on every backend.
    With the relational backend it is written at once through the same connection, so it commits or
    rolls back with the service's changes. With MongoDB it is written by ``transaction.on_commit``
    (immediately when no transaction is open): a rolled-back service leaves no audit event. Should
    MongoDB be unreachable at that point, the change has already committed, so the failure is not
    raised into the caller: the full event is logged (``audit.append_failed``) and counted in
    ``cotai_eventstore_append_failures_total``.

    Invalid input (unknown fields, a malformed action name, data that is not JSON) raises
    ValueError at once, inside the caller's transaction, on every backend.
    """
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if company is None and request is not None:
        company = getattr(request, "company", None)
    payload: dict[str, Any] = dict(data or {})
    if before is not None:
        payload["before"] = dict(before)
    if after is not None:
        payload["after"] = dict(after)
    fields: dict[str, Any] = {
        "kind": EventKind.AUDIT.value,
        "type": action,
        "occurred_at": timezone.now(),
        "company_id": _id_of(company),
        "actor_id": _id_of(actor),
        "object_type": obj._meta.label_lower if obj is not None else None,
        "object_id": str(obj.pk) if obj is not None and obj.pk is not None else None,
        "data": payload,
        "ip": client_ip(request) if request is not None else None,
        "user_agent": user_agent(request) if request is not None else None,
        "correlation_id": get_correlation_id(),
    }
    store = get_event_store()
    if store.transactional:
        store.append(**fields)
        return
    prepare_event(**fields)  # refuse bad input now, in the caller, not after commit
    transaction.on_commit(lambda: _append_after_commit(fields))


def _append_after_commit(fields: dict[str, Any]) -> None:
    try:
        get_event_store().append(**fields)
    except Exception as exc:  # noqa: BLE001 - the change is committed; losing the store must not fail it
        APPEND_FAILURES.labels(kind=fields["kind"]).inc()
        log.error(
            "audit.append_failed",
            error=f"{type(exc).__name__}: {exc}",
            event={**fields, "occurred_at": fields["occurred_at"].isoformat()},
        )
