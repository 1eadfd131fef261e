"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

Every webhook request carries three headers::

    webhook-id: msg_2b1f...            (the message id, the same on every retry)
    webhook-timestamp: 1767225600      (Unix seconds of this attempt)
    webhook-signature: v1,<base64>     (space-separated list; two entries while a secret rotates)

where ``<base64>`` is ``base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))`` and ``key`` is the
base64-decoded part of the endpoint secret after its ``whsec_`` prefix. Receivers recompute it
with any secret they hold, compare in constant time, and reject timestamps too far from now.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32


def generate_secret() -> str:
    """A new endpoint secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``body`` for ``msg_id`` at ``timestamp``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in ``secrets_``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_),
    }
