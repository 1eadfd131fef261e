"""The content of a submitted revision: what the receipt's SHA-256 is computed over.

Layout (every amount a fixed-point string, see quotes.receipts for the canonical form)::

    {
      "form": "cotai.quote-revision.v1",
      "revision": 2,
      "submitted_at": "2026-03-01T14:59:59.123456Z",
      "submitted_by": {"user_id": 7, "api_key": null},
      "tender": {"id": 5, "number": "ACME-2026-0042", "version": 3, "currency": "BRL"},
      "quote": {"id": 12, "supplier": {"id": 3, "legal_name": "...", "tax_id": "...", "country": "BR"}},
      "terms": {"delivery_days": 10, "validity_date": "2026-05-01", "payment_terms": "...", "notes": "..."},
      "lines": [{"item_id": 40, "item_number": 1, "item_description": "...", "unit": "pc",
                 "unit_price": "10.5000", "quantity": "3.0000", "tax_rate": "0.0000", "discount": "0.0000",
                 "lead_time_days": 5, "brand_model": "...", "notes": "",
                 "subtotal": "31.50", "discount_amount": "0.00", "net": "31.50", "tax": "0.00", "total": "31.50"}],
      "totals": {"subtotal": "31.50", "discount": "0.00", "net": "31.50", "tax": "0.00", "total": "31.50"},
      "attachments": [{"id": 2, "filename": "datasheet.pdf", "size": 12345, "sha256": "..."}],
      "questionnaire_answers": {}
    }

Lines are ordered by item number. Prices and quantities keep the 4 decimals they are stored with;
totals have the currency's decimals (quotes.money).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from quotes import money, receipts
from quotes.receipts import CANONICAL_FORM

FOUR_PLACES = Decimal("0.0001")


def _four(value: Decimal) -> str:
    return format(money.to_decimal(value).quantize(FOUR_PLACES), "f")


@dataclass(frozen=True)
class Snapshot:
    content: dict[str, Any]
    sha256: str
    totals: money.Totals


def line_body(line: Any, totals: money.LineTotals, currency: str) -> dict[str, Any]:
    """One line of the content. ``line`` is a QuoteLine (with ``item`` loaded)."""
    item = line.item
    return {
        "item_id": item.pk,
        "item_number": item.number,
        "item_description": item.description,
        "unit": item.unit,
        "unit_price": _four(line.unit_price),
        "quantity": _four(line.quantity),
        "tax_rate": _four(line.tax_rate),
        "discount": _four(line.discount),
        "lead_time_days": line.lead_time_days,
        "brand_model": line.brand_model,
        "notes": line.notes,
        "subtotal": money.format_amount(totals.subtotal, currency),
        "discount_amount": money.format_amount(totals.discount, currency),
        "net": money.format_amount(totals.net, currency),
        "tax": money.format_amount(totals.tax, currency),
        "total": money.format_amount(totals.total, currency),
    }


def totals_body(totals: money.Totals) -> dict[str, str]:
    currency = totals.currency
    return {
        "subtotal": money.format_amount(totals.subtotal, currency),
        "discount": money.format_amount(totals.discount, currency),
        "net": money.format_amount(totals.net, currency),
        "tax": money.format_amount(totals.tax, currency),
        "total": money.format_amount(totals.total, currency),
    }


def compute_totals(lines: Sequence[Any], currency: str) -> money.Totals:
    """Totals of QuoteLine-like objects (``unit_price``, ``quantity``, ``tax_rate``, ``discount``)."""
    return money.sum_totals(
        (
            money.line_totals(
                unit_price=line.unit_price,
                quantity=line.quantity,
                tax_rate=line.tax_rate,
                discount=line.discount,
                currency=currency,
            )
            for line in lines
        ),
        currency,
    )


def build(
    *,
    quote: Any,
    tender: Any,
    lines: Iterable[Any],
    attachments: Iterable[Any],
    number: int,
    submitted_at: datetime,
    submitted_by_user_id: int | None,
    submitted_by_api_key: str | None,
) -> Snapshot:
    """The normalized content of a revision, its SHA-256 and its totals (computed here, on the server)."""
    lines = sorted(lines, key=lambda line: line.item.number)
    currency = tender.currency.upper()
    totals = compute_totals(lines, currency)
    supplier = quote.supplier
    content = {
        "form": CANONICAL_FORM,
        "revision": number,
        "submitted_at": submitted_at,
        "submitted_by": {"user_id": submitted_by_user_id, "api_key": submitted_by_api_key},
        "tender": {"id": tender.pk, "number": tender.number, "version": tender.version, "currency": currency},
        "quote": {
            "id": quote.pk,
            "supplier": {
                "id": supplier.pk,
                "legal_name": supplier.legal_name,
                "tax_id": supplier.tax_id,
                "country": str(supplier.country),
            },
        },
        "terms": {
            "delivery_days": quote.delivery_days,
            "validity_date": quote.validity_date,
            "payment_terms": quote.payment_terms,
            "notes": quote.notes,
        },
        "lines": [
            line_body(line, line_totals, currency) for line, line_totals in zip(lines, totals.lines, strict=True)
        ],
        "totals": totals_body(totals),
        "attachments": [
            {"id": attachment.pk, "filename": attachment.filename, "size": attachment.size, "sha256": attachment.sha256}
            for attachment in sorted(attachments, key=lambda attachment: attachment.pk)
        ],
        "questionnaire_answers": quote.questionnaire_answers or {},
    }
    normalized = receipts.normalize(content)
    return Snapshot(content=normalized, sha256=receipts.sha256_hex(normalized), totals=totals)


# Parts of the content that describe the submission rather than what was offered.
_SUBMISSION_KEYS = ("revision", "submitted_at", "submitted_by", "tender")


def offer_of(content: dict[str, Any]) -> dict[str, Any]:
    """The offer in ``content`` (terms, lines, totals, attachments, answers), without submission facts.

    Two revisions with equal offers offered the same thing; the working copy is compared with the
    current revision this way to tell the supplier it has unsubmitted changes.
    """
    return {key: value for key, value in content.items() if key not in _SUBMISSION_KEYS}


def recompute_totals(content: dict[str, Any]) -> dict[str, Any]:
    """The line and quote totals recomputed from the prices, quantities and rates in ``content``.

    Used by the verification endpoint: a revision whose stored totals differ from these would have
    been computed wrongly (or tampered with); it returns {"lines": [...], "totals": {...}}.
    """
    currency = content["tender"]["currency"]
    line_results = [
        money.line_totals(
            unit_price=line["unit_price"],
            quantity=line["quantity"],
            tax_rate=line["tax_rate"],
            discount=line["discount"],
            currency=currency,
        )
        for line in content["lines"]
    ]
    totals = money.sum_totals(line_results, currency)
    return {
        "lines": [
            {
                "subtotal": money.format_amount(result.subtotal, currency),
                "discount_amount": money.format_amount(result.discount, currency),
                "net": money.format_amount(result.net, currency),
                "tax": money.format_amount(result.tax, currency),
                "total": money.format_amount(result.total, currency),
            }
            for result in line_results
        ],
        "totals": totals_body(totals),
    }


def stored_totals_match(content: dict[str, Any]) -> bool:
    """Whether the totals written in ``content`` are the ones its prices produce."""
    expected = recompute_totals(content)
    if content.get("totals") != expected["totals"]:
        return False
    keys = ("subtotal", "discount_amount", "net", "tax", "total")
    return all(
        {key: line[key] for key in keys} == computed
        for line, computed in zip(content["lines"], expected["lines"], strict=True)
    )
