"""The difference between two versions of a tender, as JSON (for machines) and as text (for people).

Pure functions over plain snapshots, so the diff of an amendment is computed from exactly the values
that were stored before and after it, and can be tested without a database.

Snapshot shape::

    {"fields": {"title": "...", "submission_deadline": "2026-05-01T12:00:00+00:00", ...},
     "items": [{"id": 7, "number": 1, "description": "...", "quantity": "10.0000", "unit": "pc",
                "specification": "", "lot": ""}, ...],
     "criteria": [{"kind": "price", "name": "Price", "weight": "70.00"}, ...]}

Diff shape (a key is present only when that part changed; an empty dict means no change)::

    {"fields": {"submission_deadline": {"before": "...", "after": "..."}},
     "items": {"added": [item], "removed": [item],
               "changed": [{"id": 7, "number": 1, "description": "...",
                            "changes": {"quantity": {"before": "10.0000", "after": "12.0000"}}}]},
     "criteria": {"before": [criterion, ...], "after": [criterion, ...]}}
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

ITEM_FIELDS = ("number", "description", "quantity", "unit", "specification", "lot")

FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "category": "Category",
    "estimated_budget": "Estimated budget",
    "budget_visible_to_suppliers": "Budget visible to suppliers",
    "delivery_place": "Delivery place",
    "delivery_date": "Delivery date",
    "payment_terms": "Payment terms",
    "quote_validity_days": "Quote validity (days)",
    "clarification_deadline": "Clarification deadline",
    "submission_deadline": "Submission deadline",
    "opening_at": "Opening time",
    "allow_partial_quotes": "Partial quotes allowed",
    "show_quote_count_before_opening": "Quote count shown before opening",
}


def plain(value: Any) -> Any:
    """A JSON-safe, comparable form of a field value."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _item_label(item: dict[str, Any]) -> str:
    return f"item {item['number']} '{item['description']}'"


def compute(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    diff: dict[str, Any] = {}

    fields = {
        name: {"before": before["fields"].get(name), "after": value}
        for name, value in after.get("fields", {}).items()
        if before["fields"].get(name) != value
    }
    if fields:
        diff["fields"] = fields

    if "items" in after:
        old = {item["id"]: item for item in before["items"]}
        new_ids = {item.get("id") for item in after["items"] if item.get("id") is not None}
        added = [item for item in after["items"] if item.get("id") is None]
        removed = [item for item in before["items"] if item["id"] not in new_ids]
        changed = []
        for item in after["items"]:
            previous = old.get(item.get("id"))
            if previous is None:
                continue
            changes = {
                name: {"before": previous[name], "after": item[name]}
                for name in ITEM_FIELDS
                if previous[name] != item[name]
            }
            if changes:
                changed.append(
                    {"id": item["id"], "number": item["number"], "description": item["description"], "changes": changes}
                )
        if added or removed or changed:
            diff["items"] = {"added": added, "removed": removed, "changed": changed}

    if "criteria" in after and _criteria_key(before["criteria"]) != _criteria_key(after["criteria"]):
        diff["criteria"] = {"before": before["criteria"], "after": after["criteria"]}
    return diff


def _criteria_key(criteria: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return sorted((c["kind"], c["name"], str(Decimal(str(c["weight"])).quantize(Decimal("0.01")))) for c in criteria)


def readable(diff: dict[str, Any]) -> str:
    """One line per change, e.g. "Submission deadline: 2026-05-01T12:00:00+00:00 → 2026-05-08T12:00:00+00:00"."""
    lines: list[str] = []
    for name, change in diff.get("fields", {}).items():
        label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        lines.append(f"{label}: {_shown(change['before'])} → {_shown(change['after'])}")
    items = diff.get("items", {})
    for item in items.get("added", []):
        lines.append(f"Added {_item_label(item)}: {item['quantity']} {item['unit']}")
    for item in items.get("removed", []):
        lines.append(f"Removed {_item_label(item)}")
    for item in items.get("changed", []):
        parts = ", ".join(
            f"{name} {_shown(change['before'])} → {_shown(change['after'])}" for name, change in item["changes"].items()
        )
        lines.append(f"Changed item {item['number']} '{item['description']}': {parts}")
    if "criteria" in diff:

        def show(criteria: list[dict[str, Any]]) -> str:
            return ", ".join(f"{c['name']} {c['weight']}%" for c in criteria) or "(none)"

        lines.append(f"Criteria: {show(diff['criteria']['before'])} → {show(diff['criteria']['after'])}")
    documents = diff.get("documents", {})
    for doc in documents.get("added", []):
        lines.append(f"Added document '{doc['title']}' ({doc['filename']})")
    for doc in documents.get("replaced", []):
        lines.append(f"Replaced document '{doc['title']}' with version {doc['version']} ({doc['filename']})")
    return "\n".join(lines)
