"""OpenAPI examples of the tenders API (shown in /api/v1/docs)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

_TENDER_BASE = {
    "id": 42,
    "number": "ACME-2026-0042",
    "title": "Notebooks for the sales team",
    "type": "rfq",
    "status": "published",
    "buyer": {"id": 7, "code": "ACME", "name": "ACME Industrial"},
    "category": {"id": 12, "code": "goods.it.hardware", "name": "Computer hardware"},
    "currency": "BRL",
    "estimated_budget": "180000.00",
    "visibility": "public",
    "clarification_deadline": "2026-05-04T18:00:00-03:00",
    "submission_deadline": "2026-05-11T18:00:00-03:00",
    "opening_at": "2026-05-11T18:00:00-03:00",
    "published_at": "2026-04-20T10:12:31-03:00",
    "closed_at": None,
    "cancelled_at": None,
    "version": 2,
    "material_version": 2,
    "viewer_role": "buyer",
    "created_at": "2026-04-18T09:00:00-03:00",
    "updated_at": "2026-04-22T15:40:00-03:00",
}
ITEM_VALUE = {
    "id": 311,
    "number": 1,
    "description": "Notebook 14'' i7, 16 GB RAM, 512 GB SSD",
    "quantity": "30.0000",
    "unit": "pc",
    "specification": "Keyboard ABNT2; 3-year on-site warranty.",
    "lot": "",
}
DOCUMENT_VALUE = {
    "id": 5,
    "title": "Technical specification",
    "current_version": 2,
    "current": {
        "number": 2,
        "filename": "spec-v2.pdf",
        "content_type": "application/pdf",
        "size": 182044,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "note": "Battery life requirement added",
        "uploaded_at": "2026-04-22T15:40:00-03:00",
        "download_url": "https://cotai.example/api/v1/tenders/42/documents/5/download?version=2",
    },
    "versions": [],
    "created_at": "2026-04-18T09:10:00-03:00",
    "updated_at": "2026-04-22T15:40:00-03:00",
}
AMENDMENT_VALUE = {
    "id": 9,
    "version": 2,
    "reason": "Suppliers asked for more time to source the batteries.",
    "material": True,
    "diff": {
        "fields": {"submission_deadline": {"before": "2026-05-04T21:00:00+00:00", "after": "2026-05-11T21:00:00+00:00"}}
    },
    "diff_text": "Submission deadline: 2026-05-04T21:00:00+00:00 → 2026-05-11T21:00:00+00:00",
    "changed_by": "ana@acme.example",
    "created_at": "2026-04-22T15:40:00-03:00",
}

TENDER_LIST = OpenApiExample("A tender in a list", value=_TENDER_BASE, response_only=True)
TENDER_DETAIL = OpenApiExample(
    "A tender",
    value={
        **_TENDER_BASE,
        "description": "Replacement of the sales team's notebooks.",
        "budget_visible_to_suppliers": False,
        "delivery_place": "Av. Paulista 1000, São Paulo",
        "delivery_date": "2026-06-15",
        "payment_terms": "30 days after delivery",
        "quote_validity_days": 60,
        "allow_partial_quotes": False,
        "show_quote_count_before_opening": True,
        "committee_opening_required": False,
        "committee_quorum": 1,
        "openers": [],
        "opened_at": None,
        "awarded_at": None,
        "unsuccessful_at": None,
        "unsuccessful_reason": "",
        "cancel_reason": "",
        "items": [ITEM_VALUE],
        "criteria": [
            {"kind": "price", "name": "Price", "weight": "70.00"},
            {"kind": "delivery", "name": "Delivery time", "weight": "20.00"},
            {"kind": "warranty", "name": "Warranty", "weight": "10.00"},
        ],
        "documents": [DOCUMENT_VALUE],
    },
    response_only=True,
)
TENDER_CREATE = OpenApiExample(
    "Create a draft",
    value={
        "title": "Notebooks for the sales team",
        "type": "rfq",
        "category": "goods.it.hardware",
        "currency": "BRL",
        "estimated_budget": "180000.00",
        "visibility": "public",
        "delivery_place": "Av. Paulista 1000, São Paulo",
        "delivery_date": "2026-06-15",
        "payment_terms": "30 days after delivery",
        "quote_validity_days": 60,
        "clarification_deadline": "2026-05-04T18:00:00-03:00",
        "submission_deadline": "2026-05-11T18:00:00-03:00",
        "items": [{"description": "Notebook 14'' i7, 16 GB RAM, 512 GB SSD", "quantity": "30", "unit": "pc"}],
        "criteria": [
            {"kind": "price", "weight": "70"},
            {"kind": "delivery", "weight": "20"},
            {"kind": "warranty", "weight": "10"},
        ],
    },
    request_only=True,
)
TENDER_UPDATE = OpenApiExample(
    "Change the deadline of a draft",
    value={"submission_deadline": "2026-05-18T18:00:00-03:00", "show_quote_count_before_opening": True},
    request_only=True,
)
ITEM = OpenApiExample("An item", value=ITEM_VALUE, response_only=True)
ITEM_INPUT = OpenApiExample(
    "Add an item",
    value={"description": "Docking station USB-C", "quantity": "30", "unit": "pc", "specification": "", "lot": ""},
    request_only=True,
)
ITEM_UPDATE = OpenApiExample("Change a quantity", value={"quantity": "35"}, request_only=True)
REORDER = OpenApiExample("New order", value={"order": [313, 311, 312]}, request_only=True)
AMEND_REQUEST = OpenApiExample(
    "Extend the deadline and change a quantity",
    value={
        "reason": "Suppliers asked for more time to source the batteries.",
        "changes": {
            "submission_deadline": "2026-05-18T18:00:00-03:00",
            "items": [{"id": 311, "quantity": "35"}, {"id": 312}],
        },
    },
    request_only=True,
)
AMENDMENT = OpenApiExample("An amendment", value=AMENDMENT_VALUE, response_only=True)
CANCEL_REQUEST = OpenApiExample(
    "Cancel", value={"reason": "The project was postponed to next year."}, request_only=True
)
DOCUMENT = OpenApiExample("A document with two versions", value=DOCUMENT_VALUE, response_only=True)
INVITATION = OpenApiExample(
    "An invitation",
    value={
        "id": 17,
        "supplier": {"id": 9, "code": "TECHSUP", "name": "TechSupply"},
        "email": "",
        "status": "pending",
        "message": "We would value your quote.",
        "decline_reason": "",
        "invited_at": "2026-04-20T10:15:00-03:00",
        "responded_at": None,
    },
    response_only=True,
)
INVITE_SUPPLIER = OpenApiExample("Invite a registered supplier", value={"supplier": 9}, request_only=True)
INVITE_EMAIL = OpenApiExample(
    "Invite by email",
    value={"email": "sales@newsupplier.example", "message": "Join CotAi to quote."},
    request_only=True,
)
DECLINE_REQUEST = OpenApiExample("Decline", value={"reason": "We cannot deliver before June."}, request_only=True)
CLARIFICATION = OpenApiExample(
    "An answered question",
    value={
        "id": 3,
        "question": "Is a 15.6'' screen acceptable?",
        "asked_at": "2026-04-21T11:00:00-03:00",
        "answer": "No, 14'' is required for weight reasons.",
        "answered_at": "2026-04-21T16:30:00-03:00",
        "published": True,
        "asked_by_you": False,
        "asked_by_company": None,
    },
    response_only=True,
)
QUESTION = OpenApiExample("Ask", value={"question": "Is a 15.6'' screen acceptable?"}, request_only=True)
ANSWER = OpenApiExample("Answer", value={"answer": "No, 14'' is required for weight reasons."}, request_only=True)


def _problem(code: str, status: int, title: str, detail: str, errors: dict, instance: str) -> dict:
    return {
        "type": f"https://cotai.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "errors": errors,
        "request_id": "5f2b9c1e0a7d4e7f9a1b2c3d4e5f6a7b",
    }


VALIDATION_PROBLEM = OpenApiExample(
    "Invalid input",
    value=_problem(
        "validation_failed",
        400,
        "The input is not valid",
        "The tender is not valid.",
        {"criteria": ["The weights must sum to 100; they sum to 90."]},
        "/api/v1/tenders",
    ),
    response_only=True,
    status_codes=["400"],
)
PUBLISH_PROBLEM = OpenApiExample(
    "Not ready to publish",
    value=_problem(
        "validation_failed",
        400,
        "The input is not valid",
        "The tender cannot be published yet.",
        {"submission_deadline": ["This time must be in the future."], "items": ["Add at least one item."]},
        "/api/v1/tenders/42/publish",
    ),
    response_only=True,
    status_codes=["400"],
)
STATE_PROBLEM = OpenApiExample(
    "Wrong state",
    value=_problem(
        "invalid_state",
        409,
        "The action is not possible in the current state",
        "Only a draft can be edited this way; change a published tender with an amendment.",
        {},
        "/api/v1/tenders/42",
    ),
    response_only=True,
    status_codes=["409"],
)
FILE_PROBLEM = OpenApiExample(
    "Refused file",
    value=_problem(
        "validation_failed",
        400,
        "The input is not valid",
        "The document is not valid.",
        {"file": ["Files of type '.exe' are not accepted; use one of: pdf, png, jpg, ..."]},
        "/api/v1/tenders/42/documents",
    ),
    response_only=True,
    status_codes=["400"],
)
