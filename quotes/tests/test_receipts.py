"""Receipts: the canonical JSON form and its SHA-256, recomputable by anyone."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from quotes import receipts


def test_canonical_form_sorts_keys_and_has_no_whitespace():
    assert receipts.canonical_json({"b": 1, "a": [1, 2], "c": {"z": None, "y": True}}) == (
        b'{"a":[1,2],"b":1,"c":{"y":true,"z":null}}'
    )


def test_decimals_are_fixed_point_strings():
    assert receipts.canonical_json({"p": Decimal("1.2345E+3"), "q": Decimal("0.10")}) == b'{"p":"1234.5","q":"0.10"}'


def test_datetimes_are_utc_with_microseconds_and_z():
    moment = datetime(2026, 3, 1, 11, 59, 59, tzinfo=timezone(timedelta(hours=-3)))
    assert receipts.normalize(moment) == "2026-03-01T14:59:59.000000Z"
    assert receipts.normalize(date(2026, 3, 1)) == "2026-03-01"


def test_naive_datetimes_and_floats_are_refused():
    with pytest.raises(ValueError, match="Naive"):
        receipts.normalize(datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="Floats"):
        receipts.canonical_json({"price": 0.1})


def test_non_ascii_text_is_written_as_utf8_not_escaped():
    assert receipts.canonical_json({"brand": "Café ñ"}) == '{"brand":"Café ñ"}'.encode()


def test_lone_surrogates_are_refused():
    with pytest.raises(ValueError, match="Unicode"):
        receipts.canonical_json({"notes": "\ud800"})


def test_hash_matches_the_documented_python_recipe():
    content = {"lines": [{"unit_price": "33.3333", "quantity": "3"}], "total": "100.00", "note": "ação"}
    recipe = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert receipts.sha256_hex(content) == hashlib.sha256(recipe).hexdigest()


def test_normalize_is_idempotent_so_stored_content_hashes_like_the_original():
    built = {"at": datetime(2026, 1, 1, tzinfo=UTC), "amount": Decimal("10.00"), "day": date(2026, 1, 2)}
    stored = json.loads(json.dumps(receipts.normalize(built)))
    assert receipts.sha256_hex(stored) == receipts.sha256_hex(built)


def test_any_change_changes_the_hash():
    content = {"unit_price": "10.00", "quantity": "1"}
    assert receipts.sha256_hex(content) != receipts.sha256_hex({**content, "unit_price": "10.01"})
    assert receipts.sha256_hex(content) != receipts.sha256_hex({**content, "unit_price": "10.0"})


def test_matches_accepts_upper_case_and_refuses_garbage():
    content = {"a": "1"}
    digest = receipts.sha256_hex(content)
    assert receipts.matches(content, digest.upper())
    assert not receipts.matches(content, "0" * 64)
    assert not receipts.matches(content, "not-a-hash-é")
    assert not receipts.matches(content, "")
