"""The correlation id of the work in progress (a request, or a task a request started).

It lives in a context variable so that logs, Celery task headers and event-store records all
carry the same id without passing it around by hand.
"""

from __future__ import annotations

import contextvars
import uuid

import structlog

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def get_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> contextvars.Token:
    """Set the id for the current context and bind it into every structlog line."""
    if value:
        structlog.contextvars.bind_contextvars(correlation_id=value)
    else:
        structlog.contextvars.unbind_contextvars("correlation_id")
    return _correlation_id.set(value)


def reset_correlation_id(token: contextvars.Token) -> None:
    _correlation_id.reset(token)
    value = _correlation_id.get()
    if value:
        structlog.contextvars.bind_contextvars(correlation_id=value)
    else:
        structlog.contextvars.unbind_contextvars("correlation_id")
