"""Receipts of submitted quote revisions: canonical JSON and its SHA-256.

A revision's ``content`` is a JSON object (a snapshot of what the supplier submitted: terms, lines,
totals, attachment digests, server time of submission). Its receipt is the SHA-256 of the
**canonical form** of that object, defined here once, so that anyone can recompute it:

1. Values are plain JSON: objects, arrays, strings, integers, ``true``/``false``/``null``. CotAi
   never puts a floating-point number in a revision: every decimal amount is a **string** in
   fixed-point notation (``"1234.50"``, never ``"1.2345E+3"``), dates are ``"YYYY-MM-DD"`` and the
   time of submission is UTC with microseconds and a ``Z`` (``"2026-03-01T14:59:59.123456Z"``).
2. Serialised as UTF-8 JSON with object keys sorted (by code point; all keys are ASCII), no
   insignificant whitespace (separators ``,`` and ``:``), and non-ASCII characters written as
   themselves, not as ``\\u`` escapes.
3. The receipt hash is the lower-case hexadecimal SHA-256 of those bytes.

In Python this is exactly::

    json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

so a supplier can check a receipt with ``hashlib.sha256(that).hexdigest()`` on the ``content``
returned by the receipt endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

CANONICAL_FORM = "cotai.quote-revision.v1"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def format_datetime(value: datetime) -> str:
    """UTC, microseconds always present, ``Z`` suffix: one spelling for one instant."""
    if value.tzinfo is None:
        raise ValueError("Naive datetimes cannot go into a receipt: the instant would be ambiguous.")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot go into a receipt.")
    return format(value, "f")


def normalize(value: Any) -> Any:
    """``value`` as plain JSON types following the rules above (idempotent on plain JSON).

    Raises ``TypeError`` for floats and unknown types and ``ValueError`` for strings that cannot be
    encoded in UTF-8 (lone surrogates), so that nothing ambiguous is ever hashed.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise TypeError("Floats are not allowed in canonical content; use Decimal (written as a string).")
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("Text contains characters that are not valid Unicode.") from exc
        return value
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"Object keys must be strings, not {type(key).__name__}.")
            result[key] = normalize(item)
        return result
    if isinstance(value, (list, tuple)):
        return [normalize(item) for item in value]
    raise TypeError(f"{type(value).__name__} cannot go into canonical content.")


def canonical_json(content: Any) -> bytes:
    """The canonical bytes of ``content`` (see the module docstring)."""
    return json.dumps(
        normalize(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(content: Any) -> str:
    """Lower-case hex SHA-256 of the canonical form of ``content``: the receipt hash."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def matches(content: Any, expected_sha256: str) -> bool:
    """Whether ``content`` hashes to ``expected_sha256`` (constant-time comparison, case-insensitive)."""
    expected = (expected_sha256 or "").strip().lower()
    if not _HEX64.fullmatch(expected):
        return False
    return hmac.compare_digest(sha256_hex(content), expected)
