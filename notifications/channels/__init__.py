"""Channel backends, chosen in ``settings.NOTIFICATION_CHANNELS`` ({channel: dotted class path}).

A backend turns one rendered message into one attempt and answers with an :class:`Outcome`; it
never touches delivery rows (the engine in :mod:`notifications.delivery` records, retries and
counts). Swap a backend by pointing the setting at another class with the same interface.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.channels.base import ChannelBackend, Message, Outcome, Result

__all__ = ["ChannelBackend", "Message", "Outcome", "Result", "enabled_channels", "get_backend"]


def enabled_channels() -> tuple[str, ...]:
    """The channels configured in this deployment (a channel missing from the setting is off)."""
    return tuple(settings.NOTIFICATION_CHANNELS)


def get_backend(channel: str) -> ChannelBackend:
    """A new backend instance for ``channel`` (one per batch: backends may hold a connection).

    Raises KeyError if the channel is not configured.
    """
    return import_string(settings.NOTIFICATION_CHANNELS[channel])()
