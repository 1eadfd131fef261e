"""Every change of a tender: drafts, items, publishing, amendments, cancelling, closing, Q&A, invitations.

Each service is keyword-only, runs in ``transaction.atomic()``, checks the actor's role through
companies.permissions and the state of the tender (on a locked row or with a conditional UPDATE,
so two clicks or two workers cannot both win), writes an audit event with the state before and
after, and emits its domain event after commit. A refused call leaves nothing written.

Actors are people (accounts.User) or API keys (accounts.principals.ApiKeyPrincipal); rows that
point at a user (created_by, changed_by ...) stay empty for API keys, and the audit trail records
the key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, ProtectedError, RestrictedError
from django.utils import timezone

from companies import permissions
from companies.models import Category, Company, Membership
from cotai import audit, events
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from tenders import diff as tender_diff
from tenders import documents as tender_documents
from tenders.choices import (
    CANCELLABLE_STATUSES,
    CriterionKind,
    InvitationStatus,
    TenderStatus,
    TenderType,
    Visibility,
)
from tenders.currencies import is_currency
from tenders.models import (
    Amendment,
    Clarification,
    Tender,
    TenderCriterion,
    TenderDocument,
    TenderDocumentVersion,
    TenderInvitation,
    TenderItem,
    TenderOpener,
    TenderSequence,
)
from tenders.selectors import invitations_of, supplier_can_see

# Fields a draft may set (create / update_draft).
DRAFT_FIELDS = frozenset(
    {
        "title",
        "description",
        "type",
        "category",
        "currency",
        "estimated_budget",
        "budget_visible_to_suppliers",
        "visibility",
        "delivery_place",
        "delivery_date",
        "payment_terms",
        "quote_validity_days",
        "clarification_deadline",
        "submission_deadline",
        "opening_at",
        "allow_partial_quotes",
        "show_quote_count_before_opening",
        "committee_opening_required",
        "committee_quorum",
    }
)
# Fields an amendment may change. Type, currency, visibility and the opening committee are fixed at
# publishing: quotes already prepared are priced in that currency and addressed to that audience.
AMENDABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "estimated_budget",
        "budget_visible_to_suppliers",
        "delivery_place",
        "delivery_date",
        "payment_terms",
        "quote_validity_days",
        "clarification_deadline",
        "submission_deadline",
        "opening_at",
        "allow_partial_quotes",
        "show_quote_count_before_opening",
    }
)
DEADLINE_FIELDS = ("clarification_deadline", "submission_deadline", "opening_at")
# A change of any of these (or of items or criteria) is material: what a quote offers, or when it
# may be sent, depends on it, so quotes already submitted need the supplier's confirmation.
MATERIAL_FIELDS = frozenset(
    {
        *DEADLINE_FIELDS,
        "delivery_date",
        "delivery_place",
        "payment_terms",
        "quote_validity_days",
        "allow_partial_quotes",
    }
)
ITEM_INPUT_FIELDS = ("description", "quantity", "unit", "specification", "lot")
MAX_QUESTION_LENGTH = 4000
# Items renumbered in two steps (first out of the way, then into place), so the unique
# (tender, number) constraint never sees two rows with the same number.
_RENUMBER_OFFSET = 1_000_000
# Declining or accepting an invitation is the supplier taking part in the tender's conversation,
# the same authority as asking a question (the supply-side action with the tenders:write scope).
INVITATION_RESPOND_ACTION = "clarification.ask"


# --- helpers -------------------------------------------------------------------------------------------
def _user(actor: Any) -> Any:
    """The User behind ``actor`` for foreign keys; None for API keys and anonymous actors."""
    if actor is None or permissions.is_api_key(actor) or getattr(actor, "pk", None) is None:
        return None
    return actor


def _actor_id(actor: Any) -> int | None:
    user = _user(actor)
    return user.pk if user is not None else None


def _actor_label(actor: Any) -> str:
    return str(actor) if actor is not None else "system"


def _require(actor: Any, action: str, company: Company, *, as_staff: bool = False) -> None:
    """Role check through companies.permissions; ``as_staff`` is the back office's own rule (active staff)."""
    if as_staff:
        if not (getattr(actor, "is_staff", False) and getattr(actor, "is_active", False)):
            raise PermissionDenied("Only platform staff may do this from the back office.")
        return
    permissions.require(actor, action, company)


def _state(tender: Tender) -> dict[str, Any]:
    return {
        "status": tender.status,
        "version": tender.version,
        "material_version": tender.material_version,
        "submission_deadline": tender_diff.plain(tender.submission_deadline),
    }


def _raise_if(errors: dict[str, list[str]], message: str = "") -> None:
    if errors:
        raise ValidationFailed(message or "The tender is not valid.", errors=errors)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _required_text(value: str | None, *, field: str, missing: str, required: str, limit: int | None = None) -> str:
    """``value`` stripped; ValidationFailed (by ``field``) when it is empty or longer than ``limit``."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(missing, errors={field: [required]})
    if limit is not None and len(value) > limit:
        raise ValidationFailed(f"The {field} is too long.", errors={field: [f"At most {limit} characters."]})
    return value


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        # Never trust a float's binary value for money or quantities; its shortest repr is what was meant.
        value = repr(value)
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _clean_fields(data: Mapping[str, Any], allowed: frozenset[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check the tender fields in ``data`` one by one; returns the cleaned values and the errors."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in data:
        if name not in allowed:
            _add(errors, name, "This field cannot be set here.")
    for name, value in data.items():
        if name not in allowed:
            continue
        if name == "title":
            value = (value or "").strip()
            if not value:
                _add(errors, name, "A title is required.")
            elif len(value) > 200:
                _add(errors, name, "At most 200 characters.")
        elif name in ("description", "delivery_place", "payment_terms"):
            value = (value or "").strip()
            limit = {"delivery_place": 300, "payment_terms": 300}.get(name)
            if limit and len(value) > limit:
                _add(errors, name, f"At most {limit} characters.")
        elif name == "type":
            if value not in TenderType.values:
                _add(errors, name, f"Choose one of: {', '.join(TenderType.values)}.")
        elif name == "visibility":
            if value not in Visibility.values:
                _add(errors, name, f"Choose one of: {', '.join(Visibility.values)}.")
        elif name == "currency":
            value = (value or "").strip().upper()
            if not is_currency(value):
                _add(errors, name, "Use an ISO 4217 currency code, e.g. BRL, EUR or USD.")
        elif name == "category":
            if value is not None and not isinstance(value, Category):
                value = Category.objects.filter(pk=value).first() if str(value).isdigit() else None
                if value is None:
                    _add(errors, name, "No such category.")
                    continue
            if value is not None and not value.is_active:
                _add(errors, name, "This category is no longer offered.")
        elif name == "estimated_budget":
            if value is not None and value != "":
                value = _to_decimal(value)
                if value is None or value < 0:
                    _add(errors, name, "Enter an amount of zero or more.")
                elif value.as_tuple().exponent < -2 or abs(value) >= Decimal("1e16"):
                    _add(errors, name, "At most 16 digits before and 2 after the decimal point.")
            else:
                value = None
        elif name == "quote_validity_days":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
                _add(errors, name, "Enter a number of days between 1 and 3650.")
        elif name == "committee_quorum":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 50:
                _add(errors, name, "Enter a number between 1 and 50.")
        elif name in DEADLINE_FIELDS:
            if value is not None and (not isinstance(value, dt.datetime) or timezone.is_naive(value)):
                _add(errors, name, "Enter a date and time with its time-zone offset.")
        elif name == "delivery_date":
            if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
                _add(errors, name, "Enter a date.")
        elif name in (
            "budget_visible_to_suppliers",
            "allow_partial_quotes",
            "show_quote_count_before_opening",
            "committee_opening_required",
        ) and not isinstance(value, bool):
            _add(errors, name, "Enter true or false.")
        values[name] = value
    return values, errors


def _order_errors(tender: Tender) -> dict[str, list[str]]:
    """The three times must be in order whenever they are set (drafts included)."""
    errors: dict[str, list[str]] = {}
    clar, sub, opening = tender.clarification_deadline, tender.submission_deadline, tender.opening_at
    if clar and sub and clar > sub:
        _add(errors, "clarification_deadline", "The clarification deadline must not be after the submission deadline.")
    if opening and sub and opening < sub:
        _add(errors, "opening_at", "The opening time must not be before the submission deadline.")
    return errors


def _clean_item(data: Mapping[str, Any], *, partial: bool = False, prefix: str = "") -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in data:
        if name not in ITEM_INPUT_FIELDS and name != "id":
            _add(errors, f"{prefix}{name}", "Unknown item field.")
    if not partial or "description" in data:
        description = (data.get("description") or "").strip()
        if not description:
            _add(errors, f"{prefix}description", "A description is required.")
        elif len(description) > 500:
            _add(errors, f"{prefix}description", "At most 500 characters.")
        values["description"] = description
    if not partial or "quantity" in data:
        quantity = _to_decimal(data.get("quantity"))
        if quantity is None or quantity <= 0:
            _add(errors, f"{prefix}quantity", "Enter a quantity greater than zero.")
        elif quantity.as_tuple().exponent < -4 or quantity >= Decimal("1e14"):
            _add(errors, f"{prefix}quantity", "At most 14 digits before and 4 after the decimal point.")
        else:
            values["quantity"] = quantity.quantize(Decimal("0.0001"))
    if not partial or "unit" in data:
        unit = (data.get("unit") or "").strip()
        if not unit:
            _add(errors, f"{prefix}unit", "A unit is required (e.g. pc, kg, h).")
        elif len(unit) > 20:
            _add(errors, f"{prefix}unit", "At most 20 characters.")
        values["unit"] = unit
    for name, limit in (("specification", None), ("lot", 50)):
        if not partial or name in data:
            value = (data.get(name) or "").strip()
            if limit and len(value) > limit:
                _add(errors, f"{prefix}{name}", f"At most {limit} characters.")
            values[name] = value
    return values, errors


def _clean_criteria(criteria: Sequence[Mapping[str, Any]]) -> tuple[list[dict], dict[str, list[str]]]:
    """Weights are positive, sum to exactly 100, and price is exactly one of the criteria."""
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    names: set[str] = set()
    for index, criterion in enumerate(criteria):
        prefix = f"criteria.{index}."
        kind = criterion.get("kind")
        if kind not in CriterionKind.values:
            _add(errors, prefix + "kind", f"Choose one of: {', '.join(CriterionKind.values)}.")
            continue
        name = (criterion.get("name") or "").strip() or CriterionKind(kind).label
        if len(name) > 100:
            _add(errors, prefix + "name", "At most 100 characters.")
        if name.lower() in names:
            _add(errors, prefix + "name", "Two criteria cannot have the same name.")
        names.add(name.lower())
        weight = _to_decimal(criterion.get("weight"))
        if weight is None or weight <= 0 or weight > 100 or weight.as_tuple().exponent < -2:
            _add(errors, prefix + "weight", "Enter a weight above 0 and at most 100, with at most 2 decimals.")
            continue
        cleaned.append({"kind": kind, "name": name, "weight": weight.quantize(Decimal("0.01"))})
    if not errors:
        prices = sum(1 for c in cleaned if c["kind"] == CriterionKind.PRICE)
        if prices != 1:
            _add(errors, "criteria", "Price must be exactly one of the criteria.")
        total = sum((c["weight"] for c in cleaned), Decimal("0"))
        if total != Decimal("100"):
            _add(errors, "criteria", f"The weights must sum to 100; they sum to {total.normalize():f}.")
    return cleaned, errors


def default_criteria() -> list[dict[str, Any]]:
    return [{"kind": CriterionKind.PRICE, "name": CriterionKind.PRICE.label, "weight": Decimal("100.00")}]


def _write_criteria(tender: Tender, criteria: list[dict[str, Any]]) -> None:
    try:
        TenderCriterion.objects.filter(tender=tender).delete()
    except (ProtectedError, RestrictedError) as exc:
        raise InvalidState("The criteria are already in use by an evaluation and cannot change.") from exc
    TenderCriterion.objects.bulk_create(TenderCriterion(tender=tender, **criterion) for criterion in criteria)


def _criteria_snapshot(criteria: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for criterion in criteria:
        get = criterion.get if isinstance(criterion, dict) else lambda name, c=criterion: getattr(c, name)
        out.append({"kind": str(get("kind")), "name": get("name"), "weight": str(get("weight"))})
    return out


def _item_snapshot(item: TenderItem | Mapping[str, Any]) -> dict[str, Any]:
    get = item.get if isinstance(item, Mapping) else lambda name: getattr(item, name)
    return {
        "id": get("id"),
        "number": get("number"),
        "description": get("description"),
        "quantity": str(get("quantity")),
        "unit": get("unit"),
        "specification": get("specification"),
        "lot": get("lot"),
    }


def _field_snapshot(tender: Tender, names: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in sorted(names):
        if name == "category":
            category = tender.category
            out[name] = f"{category.name} ({category.code})" if category is not None else None
        else:
            out[name] = tender_diff.plain(getattr(tender, name))
    return out


def _validate_openers(buyer: Company, openers: Sequence[Any]) -> tuple[list[Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    ids = [getattr(user, "pk", user) for user in openers]
    members = {
        membership.user_id: membership.user
        for membership in Membership.objects.active().select_related("user").filter(company=buyer, user_id__in=ids)
    }
    if len(set(ids)) != len(ids):
        _add(errors, "openers", "A person can be named only once.")
    missing = [str(pk) for pk in ids if pk not in members]
    if missing:
        _add(errors, "openers", f"Not active members of the buying company: {', '.join(missing)}.")
    return [members[pk] for pk in ids if pk in members], errors


def _allocate_number(buyer: Company, now: dt.datetime) -> str:
    """The next readable number of ``buyer`` for the year, e.g. ACME-2026-0042. Call inside atomic().

    The sequence row is locked (SELECT ... FOR UPDATE, and an UPDATE ... SET last = last + 1), so
    concurrent creations wait for each other instead of taking the same number; the unique
    constraint on (buyer, number) is the last line of defence.
    """
    year = timezone.localtime(now).year
    sequence, _ = TenderSequence.objects.select_for_update().get_or_create(buyer=buyer, year=year)
    TenderSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    last = TenderSequence.objects.values_list("last", flat=True).get(pk=sequence.pk)
    return f"{buyer.code}-{year}-{last:04d}"


def _lock(tender: Tender) -> Tender:
    # of=("self",): PostgreSQL cannot lock the nullable side of the category join, nor need we.
    return Tender.objects.select_for_update(of=("self",)).select_related("buyer", "category").get(pk=tender.pk)


def _require_draft(tender: Tender) -> None:
    if tender.status != TenderStatus.DRAFT:
        raise InvalidState("Only a draft can be edited this way; change a published tender with an amendment.")


# --- drafts --------------------------------------------------------------------------------------------
def tender_create(
    *,
    actor: Any,
    buyer: Company,
    data: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]] = (),
    criteria: Sequence[Mapping[str, Any]] | None = None,
    openers: Sequence[Any] = (),
    request: Any = None,
) -> Tender:
    """Create a draft tender of ``buyer`` with its items and criteria (price 100% when none are given).

    ``data`` holds the tender fields (DRAFT_FIELDS; title and currency required). Allocates the
    readable number. Audited as tender.created; emits no event (a draft is the buyer's alone).
    """
    _require(actor, "tender.create", buyer)
    data = dict(data)
    errors: dict[str, list[str]] = {}
    for required in ("title", "currency"):
        if required not in data:
            _add(errors, required, "This field is required.")
    values, field_errors = _clean_fields(data, DRAFT_FIELDS)
    errors.update(field_errors)
    values.setdefault("category", None)
    cleaned_items = []
    for index, item in enumerate(items):
        item_values, item_errors = _clean_item(item, prefix=f"items.{index}.")
        errors.update(item_errors)
        cleaned_items.append(item_values)
    cleaned_criteria, criteria_errors = _clean_criteria(criteria if criteria is not None else default_criteria())
    errors.update(criteria_errors)
    opener_users, opener_errors = _validate_openers(buyer, openers)
    errors.update(opener_errors)
    tender = Tender(buyer=buyer, created_by=_user(actor), **values)
    errors.update(_order_errors(tender))
    _raise_if(errors)

    now = timezone.now()
    with transaction.atomic():
        tender.number = _allocate_number(buyer, now)
        tender.save()
        TenderItem.objects.bulk_create(
            TenderItem(tender=tender, number=index, **item) for index, item in enumerate(cleaned_items, start=1)
        )
        _write_criteria(tender, cleaned_criteria)
        TenderOpener.objects.bulk_create(TenderOpener(tender=tender, user=user) for user in opener_users)
        audit.record(
            action="tender.created",
            actor=actor,
            company=buyer,
            obj=tender,
            before=None,
            after={**_state(tender), "number": tender.number},
            request=request,
        )
    return tender


def tender_update_draft(
    *,
    tender: Tender,
    actor: Any,
    data: Mapping[str, Any],
    criteria: Sequence[Mapping[str, Any]] | None = None,
    openers: Sequence[Any] | None = None,
    request: Any = None,
) -> Tender:
    """Change fields (and optionally the criteria or the openers) of a draft. Audited as tender.draft_updated."""
    _require(actor, "tender.edit", tender.buyer)
    values, errors = _clean_fields(data, DRAFT_FIELDS)
    cleaned_criteria: list[dict] | None = None
    if criteria is not None:
        cleaned_criteria, criteria_errors = _clean_criteria(criteria)
        errors.update(criteria_errors)
    opener_users = None
    if openers is not None:
        opener_users, opener_errors = _validate_openers(tender.buyer, openers)
        errors.update(opener_errors)
    _raise_if(errors)
    with transaction.atomic():
        locked = _lock(tender)
        _require_draft(locked)
        before = _field_snapshot(locked, values)
        for name, value in values.items():
            setattr(locked, name, value)
        _raise_if(_order_errors(locked))
        locked.save()
        if cleaned_criteria is not None:
            _write_criteria(locked, cleaned_criteria)
        if opener_users is not None:
            TenderOpener.objects.filter(tender=locked).delete()
            TenderOpener.objects.bulk_create(TenderOpener(tender=locked, user=user) for user in opener_users)
        after = _field_snapshot(locked, values)
        if cleaned_criteria is not None:
            after["criteria"] = _criteria_snapshot(cleaned_criteria)
        audit.record(
            action="tender.draft_updated",
            actor=actor,
            company=locked.buyer,
            obj=locked,
            before=before,
            after=after,
            request=request,
        )
    return locked


def tender_item_add(*, tender: Tender, actor: Any, data: Mapping[str, Any], request: Any = None) -> TenderItem:
    """Append an item to a draft (number = last + 1). Audited as tender.item_added."""
    _require(actor, "tender.edit", tender.buyer)
    values, errors = _clean_item(data)
    _raise_if(errors, "The item is not valid.")
    with transaction.atomic():
        locked = _lock(tender)
        _require_draft(locked)
        last = TenderItem.objects.filter(tender=locked).aggregate(last=Max("number"))["last"] or 0
        item = TenderItem.objects.create(tender=locked, number=last + 1, **values)
        audit.record(
            action="tender.item_added",
            actor=actor,
            company=locked.buyer,
            obj=locked,
            after=_item_snapshot(item),
            request=request,
        )
    return item


def tender_item_update(*, item: TenderItem, actor: Any, data: Mapping[str, Any], request: Any = None) -> TenderItem:
    """Change an item of a draft. Audited as tender.item_updated."""
    tender = item.tender
    _require(actor, "tender.edit", tender.buyer)
    values, errors = _clean_item(data, partial=True)
    _raise_if(errors, "The item is not valid.")
    with transaction.atomic():
        locked = _lock(tender)
        _require_draft(locked)
        item = TenderItem.objects.get(pk=item.pk, tender=locked)
        before = _item_snapshot(item)
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
        audit.record(
            action="tender.item_updated",
            actor=actor,
            company=locked.buyer,
            obj=locked,
            before=before,
            after=_item_snapshot(item),
            request=request,
        )
    return item


def _renumber(tender: Tender, ordered_ids: Sequence[int]) -> None:
    TenderItem.objects.filter(tender=tender).update(number=F("number") + _RENUMBER_OFFSET)
    for number, pk in enumerate(ordered_ids, start=1):
        TenderItem.objects.filter(pk=pk, tender=tender).update(number=number)


def tender_item_remove(*, item: TenderItem, actor: Any, request: Any = None) -> None:
    """Remove an item from a draft; the items after it move up one number. Audited as tender.item_removed."""
    tender = item.tender
    _require(actor, "tender.edit", tender.buyer)
    with transaction.atomic():
        locked = _lock(tender)
        _require_draft(locked)
        item = TenderItem.objects.get(pk=item.pk, tender=locked)
        before = _item_snapshot(item)
        item.delete()
        _renumber(
            locked, list(TenderItem.objects.filter(tender=locked).order_by("number").values_list("pk", flat=True))
        )
        audit.record(
            action="tender.item_removed", actor=actor, company=locked.buyer, obj=locked, before=before, request=request
        )


def tender_item_reorder(*, tender: Tender, actor: Any, order: Sequence[int], request: Any = None) -> list[TenderItem]:
    """Renumber a draft's items in the given order of item ids (every item exactly once)."""
    _require(actor, "tender.edit", tender.buyer)
    with transaction.atomic():
        locked = _lock(tender)
        _require_draft(locked)
        current = list(TenderItem.objects.filter(tender=locked).order_by("number").values_list("pk", flat=True))
        if sorted(order) != sorted(current) or len(set(order)) != len(order):
            raise ValidationFailed(
                "The order must list every item of the tender exactly once.",
                errors={"order": ["List every item id of the tender exactly once."]},
            )
        _renumber(locked, order)
        audit.record(
            action="tender.items_reordered",
            actor=actor,
            company=locked.buyer,
            obj=locked,
            before={"order": current},
            after={"order": list(order)},
            request=request,
        )
    return list(TenderItem.objects.filter(tender=locked).order_by("number"))


# --- publishing ----------------------------------------------------------------------------------------
def publication_errors(
    tender: Tender,
    *,
    item_count: int,
    criteria: Sequence[Mapping[str, Any]],
    opener_count: int,
    now: dt.datetime,
    future_fields: Iterable[str] = DEADLINE_FIELDS,
) -> dict[str, list[str]]:
    """Everything that keeps ``tender`` (as it would be) from being published, by field."""
    errors: dict[str, list[str]] = {}
    if not (tender.title or "").strip():
        _add(errors, "title", "A title is required.")
    if not is_currency(tender.currency):
        _add(errors, "currency", "Use an ISO 4217 currency code.")
    if tender.visibility == Visibility.PUBLIC and tender.category_id is None:
        _add(errors, "category", "A public tender needs a category: it decides which suppliers see it.")
    for name in ("clarification_deadline", "submission_deadline"):
        if getattr(tender, name) is None:
            _add(errors, name, "This date is required to publish.")
    future_fields = set(future_fields)
    for name in DEADLINE_FIELDS:
        value = getattr(tender, name)
        if name in future_fields and value is not None and value <= now:
            _add(errors, name, "This time must be in the future.")
    for name, messages in _order_errors(tender).items():
        for message in messages:
            _add(errors, name, message)
    deadline = tender.submission_deadline
    if tender.delivery_date and deadline and tender.delivery_date < timezone.localtime(deadline).date():
        _add(errors, "delivery_date", "The delivery date must not be before the submission deadline.")
    if item_count < 1:
        _add(errors, "items", "Add at least one item.")
    _, criteria_errors = _clean_criteria(criteria)
    for name, messages in criteria_errors.items():
        errors.setdefault(name, []).extend(messages)
    if tender.committee_opening_required and opener_count < tender.committee_quorum:
        _add(
            errors,
            "openers",
            f"Name at least {tender.committee_quorum} opener(s) for the committee opening; {opener_count} named.",
        )
    return errors


def tender_publish(*, tender: Tender, actor: Any, now: dt.datetime | None = None, request: Any = None) -> Tender:
    """Publish a draft: times in the future and in order, at least one item, valid criteria.

    The opening time defaults to the submission deadline. Errors come back all at once, by field,
    and nothing is written. Emits tender.published, then tender.invitation_created for every
    invitation recorded while the tender was a draft.
    """
    _require(actor, "tender.publish", tender.buyer)
    with transaction.atomic():
        locked = _lock(tender)
        now = now or timezone.now()  # read once the row is locked: the server's time decides
        if locked.status != TenderStatus.DRAFT:
            raise InvalidState("Only a draft can be published.")
        if locked.opening_at is None:
            locked.opening_at = locked.submission_deadline
        criteria = _criteria_snapshot(TenderCriterion.objects.filter(tender=locked))
        errors = publication_errors(
            locked,
            item_count=TenderItem.objects.filter(tender=locked).count(),
            criteria=criteria,
            opener_count=TenderOpener.objects.filter(tender=locked).count(),
            now=now,
        )
        _raise_if(errors, "The tender cannot be published yet.")
        before = _state(locked)
        changed = Tender.objects.filter(pk=locked.pk, status=TenderStatus.DRAFT).update(
            status=TenderStatus.PUBLISHED,
            published_at=now,
            opening_at=locked.opening_at,
            version=1,
            material_version=1,
            updated_at=now,
        )
        if not changed:  # pragma: no cover - the row is locked; kept for backends without row locks
            raise InvalidState("Only a draft can be published.")
        locked.refresh_from_db()
        audit.record(
            action="tender.published",
            actor=actor,
            company=locked.buyer,
            obj=locked,
            before=before,
            after=_state(locked),
            request=request,
        )
        events.emit_on_commit(
            "tender.published",
            company_id=locked.buyer_id,
            actor_id=_actor_id(actor),
            tender_id=locked.pk,
            number=locked.number,
            buyer_id=locked.buyer_id,
            visibility=locked.visibility,
            category_id=locked.category_id,
            clarification_deadline=locked.clarification_deadline,
            submission_deadline=locked.submission_deadline,
            opening_at=locked.opening_at,
        )
        for invitation in TenderInvitation.objects.filter(tender=locked, status=InvitationStatus.PENDING):
            _emit_invitation(invitation, locked, actor)
    return locked


# --- amendments ----------------------------------------------------------------------------------------
def _record_amendment(
    *, tender: Tender, actor: Any, reason: str, diff: dict[str, Any], material: bool, request: Any
) -> Amendment:
    """Bump the version (and the material version when material), store the amendment, audit, emit."""
    before = _state(tender)
    new_version = tender.version + 1
    updates: dict[str, Any] = {"version": new_version, "updated_at": timezone.now()}
    if material:
        updates["material_version"] = new_version
    changed = Tender.objects.filter(pk=tender.pk, version=tender.version).update(**updates)
    if not changed:  # pragma: no cover - callers hold the row lock
        raise InvalidState("The tender changed meanwhile; reload it and try again.")
    tender.refresh_from_db()
    amendment = Amendment.objects.create(
        tender=tender,
        version=new_version,
        changed_by=_user(actor),
        changed_by_label=_actor_label(actor),
        reason=reason,
        material=material,
        diff=diff,
        diff_text=tender_diff.readable(diff),
    )
    audit.record(
        action="tender.amended",
        actor=actor,
        company=tender.buyer,
        obj=tender,
        before=before,
        after={**_state(tender), "material": material, "reason": reason},
        data={"diff": diff},
        request=request,
    )
    events.emit_on_commit(
        "tender.amended",
        company_id=tender.buyer_id,
        actor_id=_actor_id(actor),
        tender_id=tender.pk,
        amendment_id=amendment.pk,
        version=new_version,
        material=material,
        submission_deadline=tender.submission_deadline,
    )
    return amendment


def _clean_amended_items(
    tender: Tender, items: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The item list after the amendment, numbered 1..n in the given order. Items with an ``id`` keep it."""
    errors: dict[str, list[str]] = {}
    existing = {item.pk: item for item in TenderItem.objects.filter(tender=tender)}
    result: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, raw in enumerate(items):
        prefix = f"items.{index}."
        pk = raw.get("id")
        if pk is not None:
            if pk not in existing or pk in seen:
                _add(errors, prefix + "id", "Not an item of this tender (or listed twice).")
                continue
            seen.add(pk)
            base = _item_snapshot(existing[pk])
            values, item_errors = _clean_item({k: v for k, v in raw.items() if k != "id"}, partial=True, prefix=prefix)
            base.update({k: str(v) if k == "quantity" else v for k, v in values.items()})
        else:
            values, item_errors = _clean_item(raw, prefix=prefix)
            base = {"id": None, **{k: str(v) if k == "quantity" else v for k, v in values.items()}}
        errors.update(item_errors)
        base["number"] = index + 1
        result.append(base)
    return result, errors


def _write_amended_items(tender: Tender, items: list[dict[str, Any]]) -> None:
    keep = [item["id"] for item in items if item["id"] is not None]
    try:
        TenderItem.objects.filter(tender=tender).exclude(pk__in=keep).delete()
    except (ProtectedError, RestrictedError) as exc:
        raise InvalidState(
            "An item that suppliers have already quoted cannot be removed; change its quantity or description instead."
        ) from exc
    TenderItem.objects.filter(tender=tender).update(number=F("number") + _RENUMBER_OFFSET)
    for item in items:
        fields = {name: item[name] for name in ("number", "description", "unit", "specification", "lot")}
        fields["quantity"] = Decimal(item["quantity"])
        if item["id"] is None:
            TenderItem.objects.create(tender=tender, **fields)
        else:
            TenderItem.objects.filter(pk=item["id"], tender=tender).update(**fields)


def tender_amend(
    *,
    tender: Tender,
    actor: Any,
    reason: str,
    changes: Mapping[str, Any],
    now: dt.datetime | None = None,
    request: Any = None,
) -> Amendment:
    """Change a published tender before its submission deadline; records who, what (diff) and why.

    ``changes`` holds AMENDABLE_FIELDS and optionally ``items`` (the full list after the change:
    entries with an ``id`` keep that item, entries without one are new, items left out are removed;
    the list order gives the numbers) and ``criteria`` (the full list). The result must still be
    publishable (new times in the future and in order, at least one item, weights valid).

    A change of items, criteria or MATERIAL_FIELDS is material: ``material_version`` becomes the new
    version, so quotes confirmed against an older version need their supplier's confirmation.
    Extending the deadline is such an amendment. Emits tender.amended (version, material).
    """
    _require(actor, "tender.amend", tender.buyer)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        _add(errors, "reason", "Say why the tender changes; every participant will read it.")
    field_changes = {name: value for name, value in changes.items() if name not in ("items", "criteria")}
    values, field_errors = _clean_fields(field_changes, AMENDABLE_FIELDS)
    errors.update(field_errors)
    with transaction.atomic():
        locked = _lock(tender)
        now = now or timezone.now()  # read once the row is locked: the server's time decides the deadline
        if locked.status != TenderStatus.PUBLISHED:
            raise InvalidState("Only a published tender can be amended.")
        if locked.submission_deadline <= now:
            raise InvalidState("The submission deadline has passed; the tender can no longer be amended.")
        if (
            "submission_deadline" in values
            and "opening_at" not in values
            and locked.opening_at == locked.submission_deadline
        ):
            # The opening time followed the deadline by default; it keeps following it.
            values["opening_at"] = values["submission_deadline"]

        before = {
            "fields": _field_snapshot(locked, values),
            "items": [_item_snapshot(item) for item in TenderItem.objects.filter(tender=locked).order_by("number")],
            "criteria": _criteria_snapshot(TenderCriterion.objects.filter(tender=locked)),
        }
        for name, value in values.items():
            setattr(locked, name, value)
        after: dict[str, Any] = {"fields": _field_snapshot(locked, values)}
        items_after = before["items"]
        if "items" in changes:
            items_after, item_errors = _clean_amended_items(locked, changes["items"] or [])
            errors.update(item_errors)
            after["items"] = items_after
        criteria_after = before["criteria"]
        if "criteria" in changes:
            cleaned, criteria_errors = _clean_criteria(changes["criteria"] or [])
            errors.update(criteria_errors)
            criteria_after = _criteria_snapshot(cleaned)
            after["criteria"] = criteria_after
        # Only the times being changed must lie in the future: an unchanged clarification deadline may
        # already have passed while quotes are still accepted.
        future = [name for name in DEADLINE_FIELDS if name in values]
        for name, messages in publication_errors(
            locked,
            item_count=len(items_after),
            criteria=criteria_after,
            opener_count=TenderOpener.objects.filter(tender=locked).count(),
            now=now,
            future_fields=future,
        ).items():
            for message in messages:
                if message not in errors.get(name, []):
                    _add(errors, name, message)
        _raise_if(errors, "The amendment is not valid.")

        change = tender_diff.compute(before, after)
        if not change:
            raise ValidationFailed("The amendment changes nothing.", errors={"changes": ["Nothing would change."]})
        material = bool(set(change.get("fields", {})) & MATERIAL_FIELDS) or "items" in change or "criteria" in change

        locked.save(update_fields=[*values, "updated_at"] if values else ["updated_at"])
        if "items" in change:
            _write_amended_items(locked, items_after)
        if "criteria" in change:
            _write_criteria(locked, [{**c, "weight": Decimal(c["weight"])} for c in criteria_after])
        return _record_amendment(
            tender=locked, actor=actor, reason=reason, diff=change, material=material, request=request
        )


# --- documents -----------------------------------------------------------------------------------------
def document_upload(
    *,
    tender: Tender,
    actor: Any,
    upload: UploadedFile,
    title: str = "",
    document: TenderDocument | None = None,
    note: str = "",
    reason: str = "",
    material: bool = False,
    request: Any = None,
) -> TenderDocumentVersion:
    """Attach a file to a tender, or a new version of ``document`` (the old file stays in the history).

    Size and type are checked (tenders.documents) and the SHA-256 of the content is stored. On a
    draft this is an edit (tender.edit). On a published tender, before its deadline, it is an
    amendment (tender.amend, ``reason`` required; ``material`` when the document changes what is
    bought). A refused upload stores no file and no row.
    """
    errors: dict[str, list[str]] = {}
    checked, file_errors = tender_documents.check_upload(upload)
    if file_errors:
        errors["file"] = file_errors
    title = (title or "").strip()
    if document is None and not title and checked is not None:
        title = checked.filename
    if len(title) > 200:
        _add(errors, "title", "At most 200 characters.")
    if len(note or "") > 300:
        _add(errors, "note", "At most 300 characters.")
    if document is not None and document.tender_id != tender.pk:
        raise NotFound("No such document.")

    with transaction.atomic():
        locked = _lock(tender)
        if locked.status == TenderStatus.DRAFT:
            _require(actor, "tender.edit", locked.buyer)
        elif locked.status == TenderStatus.PUBLISHED:
            _require(actor, "tender.amend", locked.buyer)
            if locked.submission_deadline <= timezone.now():
                raise InvalidState("The submission deadline has passed; documents can no longer change.")
            if not (reason or "").strip():
                _add(errors, "reason", "Changing the documents of a published tender is an amendment: say why.")
        else:
            raise InvalidState("Documents can be added only to a draft or a published tender.")
        _raise_if(errors, "The document is not valid.")
        assert checked is not None

        if document is None:
            document = TenderDocument.objects.create(tender=locked, title=title, created_by=_user(actor))
            number = 1
        else:
            document = TenderDocument.objects.select_for_update().get(pk=document.pk, tender=locked)
            number = document.current_version + 1
            document.current_version = number
            if title:
                document.title = title
            document.save(update_fields=["current_version", "title", "updated_at"])
        version = TenderDocumentVersion(
            document=document,
            number=number,
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            note=(note or "").strip(),
            uploaded_by=_user(actor),
        )
        version.file.save(checked.filename, upload, save=False)
        # Should anything below fail, the rolled-back rows must not leave their file behind.
        try:
            version.save()
            facts = {"id": document.pk, "title": document.title, "version": number, "filename": checked.filename}
            audit.record(
                action="tender.document_uploaded",
                actor=actor,
                company=locked.buyer,
                obj=locked,
                after={**facts, "sha256": checked.sha256, "size": checked.size},
                request=request,
            )
            if locked.status == TenderStatus.PUBLISHED:
                key = "added" if number == 1 else "replaced"
                _record_amendment(
                    tender=locked,
                    actor=actor,
                    reason=reason.strip(),
                    diff={"documents": {key: [facts]}},
                    material=material,
                    request=request,
                )
        except BaseException:
            version.file.delete(save=False)
            raise
    return version


# --- cancelling, closing and the outcome ---------------------------------------------------------------
def tender_cancel(*, tender: Tender, actor: Any, reason: str, as_staff: bool = False, request: Any = None) -> Tender:
    """Cancel a tender in any state before its outcome (draft, published, closed, opened), with a reason.

    ``as_staff`` is for the back office (platform staff acting on a complaint). Emits tender.cancelled
    (participants are told when the tender had been published).
    """
    _require(actor, "tender.cancel", tender.buyer, as_staff=as_staff)
    reason = _required_text(
        reason, field="reason", missing="Say why the tender is cancelled.", required="A reason is required."
    )
    now = timezone.now()
    with transaction.atomic():
        locked = _lock(tender)
        before = _state(locked)
        changed = Tender.objects.filter(pk=locked.pk, status__in=CANCELLABLE_STATUSES).update(
            status=TenderStatus.CANCELLED, cancelled_at=now, cancel_reason=reason, updated_at=now
        )
        if not changed:
            raise InvalidState(f"A tender that is {locked.get_status_display().lower()} cannot be cancelled.")
        locked.refresh_from_db()
        audit.record(
            action="tender.cancelled",
            actor=actor,
            company=locked.buyer,
            obj=locked,
            before=before,
            after={**_state(locked), "reason": reason},
            request=request,
        )
        events.emit_on_commit(
            "tender.cancelled",
            company_id=locked.buyer_id,
            actor_id=_actor_id(actor),
            tender_id=locked.pk,
            number=locked.number,
            reason=reason,
            previous_status=before["status"],
            was_published=locked.published_at is not None,
        )
    return locked


def tender_close(*, tender: Tender, now: dt.datetime | None = None) -> bool:
    """Close a published tender whose submission deadline has come (no more quotes). Idempotent.

    One conditional UPDATE (status = published AND submission_deadline <= now), so the beat task
    running twice, or two workers at once, close it exactly once. Returns True when this call closed
    it (and then audits and emits tender.closed), False when there was nothing to do.
    """
    now = now or timezone.now()
    with transaction.atomic():
        changed = Tender.objects.filter(
            pk=tender.pk, status=TenderStatus.PUBLISHED, submission_deadline__lte=now
        ).update(status=TenderStatus.CLOSED, closed_at=now, updated_at=now)
        if not changed:
            return False
        tender.refresh_from_db()
        audit.record(
            action="tender.closed",
            actor=None,
            company=tender.buyer_id,
            obj=tender,
            before={"status": TenderStatus.PUBLISHED},
            after=_state(tender),
        )
        events.emit_on_commit(
            "tender.closed",
            company_id=tender.buyer_id,
            tender_id=tender.pk,
            number=tender.number,
            closed_at=now,
            opening_at=tender.effective_opening_at,
        )
    return True


def _transition(
    tender: Tender, *, from_states: Sequence[str], to: str, updates: dict[str, Any], action: str, actor: Any = None
) -> Tender:
    before = _state(tender)
    changed = Tender.objects.filter(pk=tender.pk, status__in=from_states).update(status=to, **updates)
    if not changed:
        tender.refresh_from_db(fields=["status"])
        raise InvalidState(f"A tender that is {tender.get_status_display().lower()} cannot become {to}.")
    tender.refresh_from_db()
    audit.record(
        action=action,
        actor=actor,
        company=tender.buyer_id,
        obj=tender,
        before=before,
        after={**_state(tender), **{k: tender_diff.plain(v) for k, v in updates.items() if k != "updated_at"}},
    )
    return tender


def tender_mark_opened(*, tender: Tender, now: dt.datetime | None = None) -> Tender:
    """closed -> opened. Called only by quotes' opening service, which holds the tender's row lock,
    and which emits the opening's own event; this records the state change in the audit trail."""
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            tender,
            from_states=[TenderStatus.CLOSED],
            to=TenderStatus.OPENED,
            updates={"opened_at": now, "updated_at": now},
            action="tender.opened",
        )


def tender_mark_awarded(*, tender: Tender, now: dt.datetime | None = None, actor: Any = None) -> Tender:
    """opened -> awarded. Called by quotes' award service (which checks award.make and emits award.made)."""
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            tender,
            from_states=[TenderStatus.OPENED],
            to=TenderStatus.AWARDED,
            updates={"awarded_at": now, "updated_at": now},
            action="tender.awarded",
            actor=actor,
        )


def tender_mark_unsuccessful(
    *, tender: Tender, reason: str, actor: Any = None, now: dt.datetime | None = None
) -> Tender:
    """closed|opened -> unsuccessful: no valid quote came. quotes decides when that is so and calls this.

    With an ``actor`` (a buyer declaring it), award.make is required. Emits tender.unsuccessful.
    """
    if actor is not None:
        _require(actor, "award.make", tender.buyer)
    reason = _required_text(
        reason, field="reason", missing="Say why the tender is unsuccessful.", required="A reason is required."
    )
    now = now or timezone.now()
    with transaction.atomic():
        tender = _transition(
            tender,
            from_states=[TenderStatus.CLOSED, TenderStatus.OPENED],
            to=TenderStatus.UNSUCCESSFUL,
            updates={"unsuccessful_at": now, "unsuccessful_reason": reason, "updated_at": now},
            action="tender.unsuccessful",
            actor=actor,
        )
        events.emit_on_commit(
            "tender.unsuccessful",
            company_id=tender.buyer_id,
            actor_id=_actor_id(actor),
            tender_id=tender.pk,
            number=tender.number,
            reason=reason,
        )
    return tender


# --- clarifications ------------------------------------------------------------------------------------
def clarification_ask(
    *,
    tender: Tender,
    actor: Any,
    company: Company,
    question: str,
    now: dt.datetime | None = None,
    request: Any = None,
) -> Clarification:
    """A supplier that sees the tender asks a question before the clarification deadline.

    Who asked is stored for the buyer only. Emits clarification.asked (ids only: the payload never
    names the asking company).
    """
    _require(actor, "clarification.ask", company)
    question = _required_text(
        question,
        field="question",
        missing="Write the question.",
        required="A question is required.",
        limit=MAX_QUESTION_LENGTH,
    )
    with transaction.atomic():
        locked = _lock(tender)
        now = now or timezone.now()  # read once the row is locked: the server's time decides the deadline
        if locked.buyer_id == company.pk or not supplier_can_see(locked, company):
            raise NotFound("No such tender.")
        if locked.status != TenderStatus.PUBLISHED:
            raise InvalidState("Questions can be asked only while the tender is published.")
        if locked.clarification_deadline is None or now >= locked.clarification_deadline:
            raise InvalidState("The clarification deadline has passed.")
        clarification = Clarification.objects.create(
            tender=locked, asked_by_company=company, asked_by=_user(actor), question=question
        )
        audit.record(
            action="clarification.asked",
            actor=actor,
            company=company,
            obj=clarification,
            after={"tender_id": locked.pk, "question": question},
            request=request,
        )
        events.emit_on_commit(
            "clarification.asked",
            company_id=locked.buyer_id,
            actor_id=_actor_id(actor),
            clarification_id=clarification.pk,
            tender_id=locked.pk,
            number=locked.number,
        )
    return clarification


def clarification_answer(
    *, clarification: Clarification, actor: Any, answer: str, request: Any = None
) -> Clarification:
    """The buyer answers once; the answer is published to every participant without naming who asked.

    Allowed while the tender is published (also after the clarification deadline). Emits
    clarification.answered.
    """
    tender = clarification.tender
    _require(actor, "clarification.answer", tender.buyer)
    answer = _required_text(
        answer, field="answer", missing="Write the answer.", required="An answer is required.", limit=10_000
    )
    with transaction.atomic():
        locked = _lock(tender)
        now = timezone.now()
        if locked.status != TenderStatus.PUBLISHED:
            raise InvalidState("Questions can be answered only while the tender is published.")
        changed = Clarification.objects.filter(pk=clarification.pk, tender=locked, answered_at__isnull=True).update(
            answer=answer, answered_by=_user(actor), answered_at=now, published=True
        )
        if not changed:
            raise InvalidState("This question has already been answered.")
        clarification.refresh_from_db()
        audit.record(
            action="clarification.answered",
            actor=actor,
            company=locked.buyer,
            obj=clarification,
            before={"published": False},
            after={"published": True, "answer": answer},
            request=request,
        )
        events.emit_on_commit(
            "clarification.answered",
            company_id=locked.buyer_id,
            actor_id=_actor_id(actor),
            clarification_id=clarification.pk,
            tender_id=locked.pk,
            number=locked.number,
        )
    return clarification


# --- invitations ---------------------------------------------------------------------------------------
def _emit_invitation(invitation: TenderInvitation, tender: Tender, actor: Any) -> None:
    events.emit_on_commit(
        "tender.invitation_created",
        company_id=tender.buyer_id,
        actor_id=_actor_id(actor),
        tender_id=tender.pk,
        invitation_id=invitation.pk,
        number=tender.number,
        supplier_id=invitation.supplier_id,
        email=invitation.email,
    )


def invitation_create(
    *,
    tender: Tender,
    actor: Any,
    supplier: Company | None = None,
    email: str = "",
    message: str = "",
    request: Any = None,
) -> TenderInvitation:
    """Invite a registered supplier company, or an email address (someone whose company is not on CotAi).

    Allowed on drafts and published tenders before the deadline. An email invitation lets the company
    of whoever holds that address (an active member) see the tender once they are on CotAi.
    tender.invitation_created is emitted at once for a published tender, and at publishing for a draft
    (suppliers never hear of drafts).
    """
    _require(actor, "tender.invite", tender.buyer)
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if (supplier is None) == (not email):
        _add(errors, "supplier", "Invite either a supplier company or an email address.")
    if supplier is not None:
        if supplier.pk == tender.buyer_id:
            _add(errors, "supplier", "A company cannot be invited to its own tender.")
        elif not supplier.supplies:
            _add(errors, "supplier", "This company does not supply; it cannot quote.")
    if email and ("@" not in email or len(email) > 254):
        _add(errors, "email", "Enter a valid email address.")
    if len(message or "") > 2000:
        _add(errors, "message", "At most 2000 characters.")
    _raise_if(errors, "The invitation is not valid.")
    with transaction.atomic():
        locked = _lock(tender)
        if locked.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED) or (
            locked.status == TenderStatus.PUBLISHED and locked.submission_deadline <= timezone.now()
        ):
            raise InvalidState("Suppliers can be invited only to a draft or to a published tender before its deadline.")
        try:
            with transaction.atomic():
                invitation = TenderInvitation.objects.create(
                    tender=locked,
                    supplier=supplier,
                    email="" if supplier is not None else email,
                    message=(message or "").strip(),
                    invited_by=_user(actor),
                )
        except IntegrityError:
            field = "supplier" if supplier is not None else "email"
            raise ValidationFailed(
                "Already invited.", errors={field: ["This supplier is already invited to the tender."]}
            ) from None
        audit.record(
            action="tender.invitation_created",
            actor=actor,
            company=locked.buyer,
            obj=locked,
            after={"invitation_id": invitation.pk, "supplier_id": invitation.supplier_id, "email": invitation.email},
            request=request,
        )
        if locked.status == TenderStatus.PUBLISHED:
            _emit_invitation(invitation, locked, actor)
    return invitation


def _respond(
    *, invitation: TenderInvitation, actor: Any, company: Company, status: str, reason: str, request: Any
) -> TenderInvitation:
    _require(actor, INVITATION_RESPOND_ACTION, company)
    if not invitations_of(company).filter(pk=invitation.pk).exists():
        raise NotFound("No such invitation.")
    with transaction.atomic():
        locked = _lock(invitation.tender)
        now = timezone.now()  # read once the row is locked: the server's time decides the deadline
        if locked.status != TenderStatus.PUBLISHED or locked.submission_deadline <= now:
            raise InvalidState("Invitations can be answered only while the tender accepts quotes.")
        before = TenderInvitation.objects.values("status").get(pk=invitation.pk)
        changed = (
            TenderInvitation.objects.filter(pk=invitation.pk)
            .exclude(status=status)
            .update(status=status, decline_reason=reason, responded_at=now)
        )
        if not changed:
            raise InvalidState(f"The invitation is already {status}.")
        invitation.refresh_from_db()
        audit.record(
            action=f"tender.invitation_{status}",
            actor=actor,
            company=company,
            obj=invitation,
            before=before,
            after={"status": status, "reason": reason},
            request=request,
        )
        events.emit_on_commit(
            f"tender.invitation_{status}",
            company_id=locked.buyer_id,
            actor_id=_actor_id(actor),
            tender_id=locked.pk,
            invitation_id=invitation.pk,
            supplier_id=company.pk,
            number=locked.number,
        )
    return invitation


def invitation_decline(
    *, invitation: TenderInvitation, actor: Any, company: Company, reason: str, request: Any = None
) -> TenderInvitation:
    """The invited supplier declines, saying why (the buyer sees the reason). Emits tender.invitation_declined."""
    reason = _required_text(
        reason, field="reason", missing="Say why you decline.", required="A reason is required.", limit=2000
    )
    return _respond(
        invitation=invitation,
        actor=actor,
        company=company,
        status=InvitationStatus.DECLINED,
        reason=reason,
        request=request,
    )


def invitation_accept(
    *, invitation: TenderInvitation, actor: Any, company: Company, request: Any = None
) -> TenderInvitation:
    """The invited supplier says it will take part (also after declining). Emits tender.invitation_accepted."""
    return _respond(
        invitation=invitation,
        actor=actor,
        company=company,
        status=InvitationStatus.ACCEPTED,
        reason="",
        request=request,
    )
