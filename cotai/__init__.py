"""CotAi project package: settings, URLs, the Celery app and the platform services."""

from cotai.celery import app as celery_app

__all__ = ("celery_app",)
