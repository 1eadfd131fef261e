"""The interface every channel backend implements, and the outcome of one attempt."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar


class Result:
    SENT = "sent"  # handed to the provider (SMTP accepted it, the push service queued it)
    DELIVERED = "delivered"  # shown to the person (in-app)
    RETRY = "retry"  # a transient failure: try again later
    FAILED = "failed"  # a permanent failure: retrying cannot help
    SKIPPED = "skipped"  # nothing to send to (no device, no phone number)


@dataclass
class Outcome:
    """What one attempt achieved. ``details``: per-target facts for the delivery log (event store)."""

    result: str
    provider_message_id: str = ""
    error: str = ""
    retry_after: float | None = None
    details: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def sent(cls, provider_message_id: str = "", **kwargs: Any) -> Outcome:
        return cls(Result.SENT, provider_message_id=provider_message_id, **kwargs)

    @classmethod
    def delivered(cls, **kwargs: Any) -> Outcome:
        return cls(Result.DELIVERED, **kwargs)

    @classmethod
    def retry(cls, error: str, **kwargs: Any) -> Outcome:
        return cls(Result.RETRY, error=error, **kwargs)

    @classmethod
    def failed(cls, error: str, **kwargs: Any) -> Outcome:
        return cls(Result.FAILED, error=error, **kwargs)

    @classmethod
    def skipped(cls, error: str, **kwargs: Any) -> Outcome:
        return cls(Result.SKIPPED, error=error, **kwargs)


@dataclass
class Message:
    """A notification rendered for one person on one channel.

    ``subject``: email subject, push title (unused by SMS); ``text``: the body as plain text;
    ``html``: the HTML part of an email; ``url``: the absolute link; ``data``: small JSON facts for
    push payloads (type, ids).
    """

    notification_id: int
    event_type: str
    user_id: int
    email: str
    phone: str
    subject: str
    text: str
    html: str = ""
    url: str = ""
    priority: str = "normal"
    data: dict[str, Any] = field(default_factory=dict)


class ChannelBackend(ABC):
    """A channel: ``send(message)`` makes one attempt. ``open``/``close`` bracket a batch so a
    backend can reuse one connection (an SMTP session) for many messages."""

    channel: ClassVar[str] = ""

    def open(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Called before a batch; the default does nothing."""

    def close(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Called after a batch, also when it failed; the default does nothing."""

    @abstractmethod
    def send(self, message: Message) -> Outcome:
        """Make one attempt to deliver ``message``; never raise for a provider's refusal."""
