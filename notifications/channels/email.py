"""Email through Django's email backend (SMTP from ``EMAIL_URL`` in production): text and HTML parts.

Errors are sorted into permanent ones (the server refused the address, any 5xx answer) that are
not retried, and transient ones (4xx answers, lost connections, timeouts) that are.
"""

from __future__ import annotations

import contextlib
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email

from notifications.channels.base import ChannelBackend, Message, Outcome
from notifications.choices import Channel


def _domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] or "cotai.localhost"


def classify_smtp_error(exc: BaseException) -> Outcome:
    """An exception of an SMTP send as an outcome: permanent failures are not retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        error = "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
        if codes and all(400 <= code < 500 for code in codes):
            return Outcome.retry(f"Recipient temporarily refused: {error}")
        return Outcome.failed(f"Recipient refused: {error}")
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        text = f"SMTP {exc.smtp_code}: {message}"
        return Outcome.failed(text) if exc.smtp_code >= 500 else Outcome.retry(text)
    return Outcome.retry(f"{type(exc).__name__}: {exc}")


class EmailChannel(ChannelBackend):
    channel = Channel.EMAIL

    def __init__(self) -> None:
        self.connection = None

    def open(self) -> None:
        # One SMTP session for the whole batch.
        self.connection = get_connection(fail_silently=False)
        try:
            self.connection.open()
        except Exception:  # noqa: BLE001 - sending retries opening and classifies the error per message
            self.connection = get_connection(fail_silently=False)

    def close(self) -> None:
        if self.connection is not None:
            # Closing a broken session must not hide the results of the batch.
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None

    def send(self, message: Message) -> Outcome:
        try:
            validate_email(message.email)
        except ValidationError:
            return Outcome.failed(f"Invalid email address {message.email!r}.")
        message_id = make_msgid(domain=_domain())
        email = EmailMultiAlternatives(
            subject=message.subject.replace("\n", " ").strip()[:250],
            body=message.text,
            to=[message.email],
            connection=self.connection,
            headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome the engine records
            outcome = classify_smtp_error(exc)
            # A broken session is not reused for the rest of the batch.
            self.close()
            self.connection = get_connection(fail_silently=False)
            return outcome
        return Outcome.sent(message_id)
