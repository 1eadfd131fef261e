"""The Celery app: tasks are discovered in every installed app, serialized as JSON.

House pattern for tasks (see README, "Domain events and background work"): thin, idempotent, calling services;
``acks_late`` so a task whose worker dies is delivered again; retries with exponential backoff
(``autoretry_for`` + ``retry_backoff``); enqueued from services with ``transaction.on_commit``.
The correlation id of the request that enqueued a task travels in its headers.
"""

from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cotai.settings")

app = Celery("cotai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["cotai.events", "cotai.eventstore"])

# Not "correlation_id": the message protocol already has a property of that name (the task id),
# which the worker would read instead of the header.
CORRELATION_HEADER = "cotai_correlation_id"


@signals.before_task_publish.connect
def _add_correlation_id(headers: dict | None = None, **_: object) -> None:
    from cotai.context import get_correlation_id

    correlation_id = get_correlation_id()
    if headers is not None and correlation_id and not headers.get(CORRELATION_HEADER):
        headers[CORRELATION_HEADER] = correlation_id


@signals.task_prerun.connect
def _bind_correlation_id(task=None, **_: object) -> None:
    from cotai.context import set_correlation_id

    request = getattr(task, "request", None)
    correlation_id = getattr(request, CORRELATION_HEADER, None) if request else None
    if correlation_id is None and request is not None:
        correlation_id = (getattr(request, "headers", None) or {}).get(CORRELATION_HEADER)
    if correlation_id:
        task._cotai_correlation_token = set_correlation_id(correlation_id)


@signals.task_postrun.connect
def _unbind_correlation_id(task=None, **_: object) -> None:
    from cotai.context import reset_correlation_id

    token = getattr(task, "_cotai_correlation_token", None)
    if token is not None:
        reset_correlation_id(token)
        task._cotai_correlation_token = None


@signals.setup_logging.connect
def _use_django_logging(**_: object) -> None:
    """Keep Django's LOGGING (structlog JSON) instead of Celery's own handlers."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
