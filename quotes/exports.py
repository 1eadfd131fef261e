"""The comparison as plain data (for the API) and as CSV (for spreadsheets).

Both take a :class:`quotes.selectors.Comparison`, which only quotes.selectors.comparison_for
builds — for the tender's buyer, after the opening — so an export can never carry a sealed price.
Amounts are strings with the currency's decimals (never floats), in the CSV as in the JSON.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from quotes import money
from quotes.selectors import Cell, ComparedQuote, Comparison


def _amount(value: Decimal | None, currency: str) -> str | None:
    return None if value is None else money.format_amount(value, currency)


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _cell(cell: Cell | None, quote_id: int) -> dict[str, Any] | None:
    if cell is None:
        return None
    line = cell.line  # as submitted: prices with 4 decimals, the total with the currency's
    return {
        "quote_id": quote_id,
        "unit_price": line["unit_price"],
        "quantity": line["quantity"],
        "total": line["total"],
        "lead_time_days": line.get("lead_time_days"),
        "brand_model": line.get("brand_model", ""),
        "is_lowest": cell.is_lowest,
        "short_quantity": cell.short_quantity,
    }


def _quote(entry: ComparedQuote, comparison: Comparison) -> dict[str, Any]:
    quote, revision, currency = entry.quote, entry.revision, comparison.currency
    tender = comparison.tender
    return {
        "quote_id": quote.pk,
        "supplier": {"id": quote.supplier_id, "name": quote.supplier.display_name},
        "status": quote.status,
        "revision": revision.number,
        "submitted_at": revision.submitted_at.isoformat(),
        "content_sha256": revision.content_sha256,
        "subtotal": _amount(revision.subtotal, currency),
        "discount": _amount(revision.discount_total, currency),
        "tax": _amount(revision.tax_total, currency),
        "total": _amount(revision.total, currency),
        "delivery_days": quote.delivery_days,
        "validity_date": quote.validity_date.isoformat() if quote.validity_date else None,
        "payment_terms": quote.payment_terms,
        "confirmed_version": quote.confirmed_version,
        "needs_confirmation": quote.confirmed_version < tender.material_version,
        "decision_reason": quote.decision_reason,
        "deviations": [
            {"code": deviation.code, "message": deviation.message, "items": deviation.items}
            for deviation in entry.deviations
        ],
        "score": {
            "price_points": _plain(entry.price_points),
            "criteria": [
                {
                    "criterion_id": criterion.pk,
                    "average_score": _plain(entry.criterion_scores.get(criterion.pk)),
                    "points": _plain(entry.criterion_points.get(criterion.pk)),
                }
                for criterion in comparison.criteria
                if criterion.kind != "price"
            ],
            "weighted_total": _plain(entry.weighted_total),
            "complete": entry.scoring_complete,
            "rank": entry.rank,
        },
    }


def comparison_data(comparison: Comparison) -> dict[str, Any]:
    tender, currency = comparison.tender, comparison.currency
    return {
        "tender": {
            "id": tender.pk,
            "number": tender.number,
            "title": tender.title,
            "status": tender.status,
            "currency": currency,
            "version": tender.version,
            "material_version": tender.material_version,
            "opened_at": tender.opened_at.isoformat() if tender.opened_at else None,
        },
        "criteria": [
            {"id": criterion.pk, "kind": criterion.kind, "name": criterion.name, "weight": _plain(criterion.weight)}
            for criterion in comparison.criteria
        ],
        "lowest_total": _amount(comparison.lowest_total, currency),
        "quotes": [_quote(entry, comparison) for entry in comparison.quotes],
        "items": [
            {
                "item_id": row.item.pk,
                "number": row.item.number,
                "description": row.item.description,
                "quantity": _plain(row.item.quantity),
                "unit": row.item.unit,
                "lowest_unit_price": _plain(row.lowest_unit_price),
                "offers": [
                    _cell(cell, entry.quote.pk) for cell, entry in zip(row.cells, comparison.quotes, strict=True)
                ],
            }
            for row in comparison.rows
        ],
    }


def _safe(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def comparison_csv(comparison: Comparison) -> str:
    """One row per item with each supplier's unit price and line total, then totals and scores."""
    currency = comparison.currency
    quotes = comparison.quotes
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["item", "description", "quantity", "unit", "lowest unit price"]
    for entry in quotes:
        name = entry.quote.supplier.display_name
        header += [f"{name} unit price", f"{name} quantity", f"{name} total ({currency})"]
    writer.writerow([_safe(value) for value in header])
    for row in comparison.rows:
        values: list[Any] = [row.item.number, row.item.description, _plain(row.item.quantity), row.item.unit]
        values.append(_plain(row.lowest_unit_price))
        for cell in row.cells:
            values += (
                ["", "", ""] if cell is None else [cell.line["unit_price"], cell.line["quantity"], cell.line["total"]]
            )
        writer.writerow([_safe(value) for value in values])
    for label, getter in (
        ("total", lambda entry: _amount(entry.revision.total, currency)),
        ("delivery days", lambda entry: entry.quote.delivery_days),
        ("weighted score", lambda entry: _plain(entry.weighted_total)),
        ("rank", lambda entry: entry.rank),
    ):
        values = ["", label, "", "", ""]
        for entry in quotes:
            values += ["", "", getter(entry)]
        writer.writerow([_safe(value) for value in values])
    return buffer.getvalue()
