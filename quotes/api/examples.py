"""OpenAPI examples of the quotes API (shown in /api/v1/docs)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

SHA = "3f1d2c0a9b7e4f6d8c2b1a0e9f8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
RECEIPT = {
    "revision": 2,
    "submitted_at": "2026-05-11T17:59:41.512301-03:00",
    "content_sha256": SHA,
    "tender_version": 2,
    "total": "161460.00",
    "currency": "BRL",
}
TENDER_REF = {
    "id": 42,
    "number": "ACME-2026-0042",
    "title": "Notebooks for the sales team",
    "status": "published",
    "currency": "BRL",
    "version": 2,
    "material_version": 2,
    "submission_deadline": "2026-05-11T18:00:00-03:00",
    "opening_at": "2026-05-11T18:00:00-03:00",
}
QUOTE = {
    "id": 77,
    "tender": TENDER_REF,
    "supplier": {"id": 9, "name": "Distribuidora Norte"},
    "status": "submitted",
    "is_owner": True,
    "total": "161460.00",
    "currency": "BRL",
    "receipt": RECEIPT,
    "delivery_days": 15,
    "validity_date": "2026-06-10",
    "confirmed_version": 2,
    "needs_confirmation": False,
    "withdrawn_at": None,
    "opened_at": None,
    "decision_reason": "",
    "created_at": "2026-05-02T10:00:00-03:00",
    "updated_at": "2026-05-11T17:59:41-03:00",
}
LINE = {
    "item": 311,
    "item_number": 1,
    "item_description": "Notebook 14'' i7, 16 GB RAM, 512 GB SSD",
    "unit": "pc",
    "unit_price": "5382.0000",
    "quantity": "30.0000",
    "tax_rate": "0.0000",
    "discount": "0.0000",
    "lead_time_days": 10,
    "brand_model": "Lenovo ThinkPad T14 Gen 5",
    "notes": "",
    "subtotal": "161460.00",
    "discount_amount": "0.00",
    "net": "161460.00",
    "tax": "0.00",
    "total": "161460.00",
}
TOTALS = {"subtotal": "161460.00", "discount": "0.00", "net": "161460.00", "tax": "0.00", "total": "161460.00"}

QUOTE_LIST = OpenApiExample("A page of quotes", value=[QUOTE], response_only=True)
QUOTE_DETAIL = OpenApiExample(
    "A quote (owner's view)",
    value={
        **QUOTE,
        "payment_terms": "30 days after delivery",
        "notes": "",
        "questionnaire_answers": {},
        "lines": [LINE],
        "totals": TOTALS,
        "attachments": [],
        "has_unsubmitted_changes": False,
    },
    response_only=True,
)
QUOTE_CREATE = OpenApiExample(
    "Start a quote with its lines",
    value={
        "tender": 42,
        "delivery_days": 15,
        "validity_date": "2026-06-10",
        "payment_terms": "30 days after delivery",
        "lines": [
            {
                "item": 311,
                "unit_price": "5382.00",
                "quantity": "30",
                "lead_time_days": 10,
                "brand_model": "ThinkPad T14",
            }
        ],
    },
    request_only=True,
)
LINES = OpenApiExample(
    "Replace every line",
    value={"lines": [{"item": 311, "unit_price": "5382.00", "quantity": "30", "tax_rate": "0", "discount": "2.5"}]},
    request_only=True,
)
SUBMIT = OpenApiExample("Submit the working copy as it is", value={}, request_only=True)
REVISION = OpenApiExample(
    "A revision with its content",
    value={
        "number": 2,
        "submitted_at": "2026-05-11T17:59:41.512301-03:00",
        "content_sha256": SHA,
        "tender_version": 2,
        "currency": "BRL",
        "total": "161460.00",
        "line_count": 1,
        "content": {
            "form": "cotai.quote-revision.v1",
            "revision": 2,
            "submitted_at": "2026-05-11T20:59:41.512301Z",
            "lines": [LINE],
            "totals": TOTALS,
            "...": "...",
        },
        "canonical_form": "SHA-256 of the UTF-8 JSON of content, keys sorted, no whitespace ...",
    },
    response_only=True,
)
VERIFICATION = OpenApiExample(
    "The receipt checks out",
    value={
        "quote": 77,
        "revision": 2,
        "submitted_at": "2026-05-11T17:59:41.512301-03:00",
        "stored_sha256": SHA,
        "recomputed_sha256": SHA,
        "matches": True,
        "totals_consistent": True,
        "provided_sha256": SHA,
        "provided_matches": True,
    },
    response_only=True,
)
LATE = OpenApiExample(
    "One second late",
    value={
        "type": "https://cotai.dev/problems/invalid_state",
        "title": "The action is not possible in the current state",
        "status": 409,
        "detail": "The submission deadline was 2026-05-11 21:00:00 UTC; the server time is 2026-05-11 21:00:01 UTC. "
        "Quotes can no longer be submitted or changed; nothing was stored.",
        "instance": "/api/v1/quotes/77/submit",
        "code": "invalid_state",
        "errors": {},
        "request_id": "6f1c...",
        "submission_deadline": "2026-05-11T21:00:00+00:00",
        "server_time": "2026-05-11T21:00:01.000214+00:00",
    },
    response_only=True,
    status_codes=["409"],
)
COUNT = OpenApiExample("Sealed, count allowed", value={"tender_id": 42, "sealed": True, "count": 3}, response_only=True)
ACKS = OpenApiExample(
    "After the opening",
    value={
        "tender_id": 42,
        "version": 3,
        "material_version": 3,
        "sealed": False,
        "summary": None,
        "suppliers": [
            {
                "quote_id": 77,
                "supplier_id": 9,
                "supplier_name": "Distribuidora Norte",
                "status": "opened",
                "confirmed_version": 3,
                "needs_confirmation": False,
            }
        ],
    },
    response_only=True,
)
COMPARISON = OpenApiExample(
    "Two quotes, one item",
    value={
        "tender": {
            "id": 42,
            "number": "ACME-2026-0042",
            "title": "Notebooks",
            "status": "opened",
            "currency": "BRL",
            "version": 2,
            "material_version": 2,
            "opened_at": "2026-05-11T18:00:03-03:00",
        },
        "criteria": [
            {"id": 1, "kind": "price", "name": "Price", "weight": "70.00"},
            {"id": 2, "kind": "quality", "name": "Quality", "weight": "30.00"},
        ],
        "lowest_total": "150000.00",
        "quotes": [
            {
                "quote_id": 77,
                "supplier": {"id": 9, "name": "Distribuidora Norte"},
                "status": "opened",
                "revision": 2,
                "submitted_at": "2026-05-11T17:59:41-03:00",
                "content_sha256": SHA,
                "subtotal": "161460.00",
                "discount": "0.00",
                "tax": "0.00",
                "total": "161460.00",
                "delivery_days": 15,
                "validity_date": "2026-06-10",
                "payment_terms": "30 days",
                "confirmed_version": 2,
                "needs_confirmation": False,
                "decision_reason": "",
                "deviations": [],
                "score": {
                    "price_points": "65.03",
                    "criteria": [{"criterion_id": 2, "average_score": "8.00", "points": "24.00"}],
                    "weighted_total": "89.03",
                    "complete": True,
                    "rank": 1,
                },
            }
        ],
        "items": [
            {
                "item_id": 311,
                "number": 1,
                "description": "Notebook",
                "quantity": "30.0000",
                "unit": "pc",
                "lowest_unit_price": "5000.0000",
                "offers": [
                    {
                        "quote_id": 77,
                        "unit_price": "5382.0000",
                        "quantity": "30.0000",
                        "total": "161460.00",
                        "lead_time_days": 10,
                        "brand_model": "ThinkPad T14",
                        "is_lowest": False,
                        "short_quantity": False,
                    }
                ],
            }
        ],
    },
    response_only=True,
)
SCORE = OpenApiExample(
    "Score quality",
    value={"quote": 77, "criterion": 2, "score": "8.5", "comment": "Good references."},
    request_only=True,
)
AWARD_WHOLE = OpenApiExample("Whole tender to one quote", value={"awards": [{"quote": 77}]}, request_only=True)
AWARD_SPLIT = OpenApiExample(
    "Split award",
    value={"awards": [{"quote": 77, "items": [311]}, {"quote": 78, "items": [312, 313]}], "note": "Best per item."},
    request_only=True,
)
OPENING = OpenApiExample(
    "Opened",
    value={
        "tender": 42,
        "status": "opened",
        "opening_at": "2026-05-11T18:00:00-03:00",
        "committee_required": False,
        "committee_quorum": 1,
        "confirmations": [],
        "opened": True,
        "opened_at": "2026-05-11T18:00:03-03:00",
        "method": "scheduled",
        "quote_count": 2,
        "entries": [
            {
                "quote": 77,
                "supplier": {"id": 9, "name": "Distribuidora Norte"},
                "revision": 2,
                "submitted_at": "2026-05-11T17:59:41-03:00",
                "content_sha256": SHA,
                "own": True,
            },
            {
                "quote": None,
                "supplier": None,
                "revision": 1,
                "submitted_at": "2026-05-10T09:12:00-03:00",
                "content_sha256": "9a0b...",
                "own": False,
            },
        ],
    },
    response_only=True,
)
