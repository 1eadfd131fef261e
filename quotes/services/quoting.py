"""The supplier's side: create and edit the working copy, submit revisions, withdraw, confirm.

Every function here locks the tender row first (quotes.services._common.lock_tender) and decides
with the server clock, inside that transaction, whether the tender still accepts quotes; a refused
call leaves nothing behind (no quote, no line, no revision, no audit event, no domain event).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from companies import permissions
from companies.models import Company
from cotai import audit, events
from cotai.exceptions import InvalidState, NotFound, ValidationFailed
from quotes import content as snapshot
from quotes import money, receipts
from quotes.choices import EDITABLE_STATUSES, QuoteStatus
from quotes.models import Quote, QuoteAttachment, QuoteLine, QuoteRevision
from quotes.services._common import api_key_prefix_of, iso, lock_tender, require_accepting_quotes, user_id_of
from tenders import documents
from tenders.models import Tender, TenderItem
from tenders.selectors import supplier_can_see

TERM_FIELDS = ("delivery_days", "validity_date", "payment_terms", "notes", "questionnaire_answers")
LINE_FIELDS = ("unit_price", "quantity", "lead_time_days", "brand_model", "notes", "tax_rate", "discount")
MAX_PRICE = Decimal("99999999999999.9999")  # Decimal(18, 4)
MAX_DAYS = 36500


# --- input checks (services are also called from a shell: they do not trust their callers) ------------
def _decimal(value: Any, field: str, errors: dict[str, list[str]], *, low: Decimal, high: Decimal) -> Decimal | None:
    try:
        result = money.to_decimal(value, field=field)
    except (TypeError, ValueError) as exc:
        errors.setdefault(field, []).append(str(exc).split(": ", 1)[-1])
        return None
    if result < low or result > high:
        errors.setdefault(field, []).append(f"Must lie between {low} and {high}.")
        return None
    if result != result.quantize(Decimal("0.0001")):
        errors.setdefault(field, []).append("At most 4 decimal places.")
        return None
    return result


def _days(value: Any, field: str, errors: dict[str, list[str]]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        errors.setdefault(field, []).append(f"A whole number of days between 0 and {MAX_DAYS}.")
        return None
    return value


def _text(value: Any, field: str, errors: dict[str, list[str]], *, max_length: int | None = None) -> str:
    text = "" if value is None else value
    if not isinstance(text, str):
        errors.setdefault(field, []).append("Must be text.")
        return ""
    try:
        receipts.normalize(text)
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return ""
    if "\x00" in text:
        errors.setdefault(field, []).append("Null characters are not allowed.")
    if max_length is not None and len(text) > max_length:
        errors.setdefault(field, []).append(f"At most {max_length} characters.")
    return text


def clean_terms(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The quote-level fields present in ``data``, checked. Totals or statuses in ``data`` are ignored."""
    terms: dict[str, Any] = {}
    if "delivery_days" in data:
        terms["delivery_days"] = _days(data["delivery_days"], "delivery_days", errors)
    if "validity_date" in data:
        value = data["validity_date"]
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            errors.setdefault("validity_date", []).append("Must be a date.")
        else:
            terms["validity_date"] = value
    if "payment_terms" in data:
        terms["payment_terms"] = _text(data["payment_terms"], "payment_terms", errors, max_length=300)
    if "notes" in data:
        terms["notes"] = _text(data["notes"], "notes", errors, max_length=10000)
    if "questionnaire_answers" in data:
        answers = data["questionnaire_answers"]
        if answers is None:
            answers = {}
        if not isinstance(answers, dict):
            errors.setdefault("questionnaire_answers", []).append("Must be an object.")
        else:
            try:
                receipts.normalize(answers)
                terms["questionnaire_answers"] = answers
            except (TypeError, ValueError) as exc:
                errors.setdefault("questionnaire_answers", []).append(str(exc))
    return terms


def clean_line(raw: dict[str, Any], prefix: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    """One line's fields, checked (``unit_price`` and ``quantity`` required; percentages 0-100)."""
    line: dict[str, Any] = {}
    for required in ("unit_price", "quantity"):
        if raw.get(required) in (None, ""):
            errors.setdefault(f"{prefix}{required}", []).append("This field is required.")
    if raw.get("unit_price") not in (None, ""):
        line["unit_price"] = _decimal(raw["unit_price"], f"{prefix}unit_price", errors, low=Decimal(0), high=MAX_PRICE)
    if raw.get("quantity") not in (None, ""):
        quantity = _decimal(raw["quantity"], f"{prefix}quantity", errors, low=Decimal(0), high=MAX_PRICE)
        if quantity is not None and quantity <= 0:
            errors.setdefault(f"{prefix}quantity", []).append("Must be greater than 0.")
        line["quantity"] = quantity
    for percent in ("tax_rate", "discount"):
        value = raw.get(percent)
        line[percent] = (
            Decimal(0)
            if value in (None, "")
            else _decimal(value, f"{prefix}{percent}", errors, low=Decimal(0), high=Decimal(100))
        )
    line["lead_time_days"] = _days(raw.get("lead_time_days"), f"{prefix}lead_time_days", errors)
    line["brand_model"] = _text(raw.get("brand_model"), f"{prefix}brand_model", errors, max_length=200)
    line["notes"] = _text(raw.get("notes"), f"{prefix}notes", errors, max_length=2000)
    return line


def _item_id(raw: dict[str, Any]) -> Any:
    item = raw.get("item", raw.get("item_id"))
    return getattr(item, "pk", item)


def clean_lines(tender: Tender, raw_lines: Any, errors: dict[str, list[str]]) -> list[tuple[TenderItem, dict]]:
    """A full list of lines for ``tender``: each names an item of this tender, at most once."""
    if not isinstance(raw_lines, (list, tuple)):
        errors.setdefault("lines", []).append("Must be a list of lines.")
        return []
    items = {item.pk: item for item in tender.items.all()}
    seen: set[int] = set()
    result = []
    for index, raw in enumerate(raw_lines):
        prefix = f"lines.{index}."
        if not isinstance(raw, dict):
            errors.setdefault(f"lines.{index}", []).append("Must be an object.")
            continue
        item_id = _item_id(raw)
        item = items.get(item_id) if isinstance(item_id, int) and not isinstance(item_id, bool) else None
        if item is None:
            errors.setdefault(f"{prefix}item", []).append("Not an item of this tender.")
        elif item.pk in seen:
            errors.setdefault(f"{prefix}item", []).append(f"Item {item.number} is quoted more than once.")
        line = clean_line(raw, prefix, errors)
        if item is not None and item.pk not in seen:
            seen.add(item.pk)
            result.append((item, line))
    return result


def _apply(quote: Quote, tender: Tender, data: dict[str, Any]) -> list[str]:
    """Apply checked terms and (when given) a full replacement of the lines to ``quote``; field names."""
    errors: dict[str, list[str]] = {}
    terms = clean_terms(data, errors)
    lines = clean_lines(tender, data["lines"], errors) if "lines" in data else None
    if errors:
        raise ValidationFailed("The quote has errors; nothing was stored.", errors=errors)
    changed = []
    for field, value in terms.items():
        setattr(quote, field, value)
        changed.append(field)
    if changed:
        quote.save(update_fields=[*changed, "updated_at"])
    if lines is not None:
        QuoteLine.objects.filter(quote=quote).delete()
        QuoteLine.objects.bulk_create(QuoteLine(quote=quote, item=item, **values) for item, values in lines)
        changed.append("lines")
    return changed


def _require_supplier_may_quote(tender: Tender, supplier: Company) -> None:
    if tender.buyer_id == supplier.pk or not supplier_can_see(tender, supplier):
        raise NotFound("No such tender.")


def default_validity_date(tender: Tender) -> date:
    """The opening day plus the tender's quote validity days (the supplier may change it)."""
    start = tender.effective_opening_at or timezone.now()
    return timezone.localdate(start) + timedelta(days=tender.quote_validity_days)


def _audit(action: str, *, actor: Any, quote: Quote, request: HttpRequest | None, before=None, after=None) -> None:
    audit.record(
        action=action,
        actor=actor,
        company=quote.supplier_id,
        obj=quote,
        before=before,
        after=after,
        request=request,
        data={"tender_id": quote.tender_id, "actor_label": str(actor) if actor is not None else None},
    )


# --- working copy -------------------------------------------------------------------------------------------
def quote_create(
    *,
    tender: Tender,
    supplier: Company,
    actor: Any,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Quote:
    """Start ``supplier``'s quote for ``tender`` as a draft, optionally with terms and lines.

    Refused (nothing stored) unless the actor may edit quotes for ``supplier``, the supplier may see
    the tender, the tender is published and before its deadline (server time, tender row locked),
    and the supplier has no quote for it yet. Audits ``quote.created``; no domain event (a draft is
    the supplier's own business).
    """
    permissions.require(actor, "quote.edit", supplier)
    data = data or {}
    with transaction.atomic():
        tender = lock_tender(tender.pk)
        _require_supplier_may_quote(tender, supplier)
        require_accepting_quotes(tender, timezone.now())
        existing = Quote.objects.filter(tender=tender, supplier=supplier).values_list("pk", flat=True).first()
        if existing is not None:
            raise InvalidState(
                "Your company already has a quote for this tender; edit it instead.", extra={"quote_id": existing}
            )
        quote = Quote(
            tender=tender,
            supplier=supplier,
            created_by_id=user_id_of(actor),
            validity_date=default_validity_date(tender),
            payment_terms=tender.payment_terms,
        )
        try:
            with transaction.atomic():
                quote.save()
        except IntegrityError:  # the same supplier created one concurrently (SQLite has no row lock)
            raise InvalidState("Your company already has a quote for this tender; edit it instead.") from None
        _apply(quote, tender, data)
        _audit("quote.created", actor=actor, quote=quote, request=request, after={"status": quote.status})
    return quote


def _lock_editable(quote: Quote, actor: Any, action: str) -> tuple[Tender, Quote, datetime]:
    """Check the role, lock tender then quote (always in that order), check the deadline."""
    permissions.require(actor, action, quote.supplier)
    tender = lock_tender(quote.tender_id)
    now = timezone.now()
    require_accepting_quotes(tender, now)
    locked = Quote.objects.select_for_update().select_related("supplier").get(pk=quote.pk)
    return tender, locked, now


def quote_update(*, quote: Quote, actor: Any, data: dict[str, Any], request: HttpRequest | None = None) -> Quote:
    """Change the working copy: terms and/or the full list of lines (``data["lines"]`` replaces them).

    The submitted revisions never change; a submitted quote keeps its current revision until the
    supplier submits again. Refused after the deadline. Audits ``quote.updated`` (field names only,
    no prices: the audit trail is not a way around the seal).
    """
    with transaction.atomic():
        tender, quote, _now = _lock_editable(quote, actor, "quote.edit")
        if quote.status not in EDITABLE_STATUSES:
            raise InvalidState("This quote can no longer be changed.")
        changed = _apply(quote, tender, data)
        if changed:
            _audit("quote.updated", actor=actor, quote=quote, request=request, after={"changed": changed})
    return quote


def quote_line_set(
    *, quote: Quote, actor: Any, item: TenderItem, data: dict[str, Any], request: HttpRequest | None = None
) -> QuoteLine:
    """Create or replace the working-copy line for one ``item`` of the quote's tender."""
    with transaction.atomic():
        tender, quote, _now = _lock_editable(quote, actor, "quote.edit")
        if quote.status not in EDITABLE_STATUSES:
            raise InvalidState("This quote can no longer be changed.")
        if item.tender_id != tender.pk:
            raise NotFound("No such item in this tender.")
        errors: dict[str, list[str]] = {}
        values = clean_line(data, "", errors)
        if errors:
            raise ValidationFailed("The line has errors; nothing was stored.", errors=errors)
        line, created = QuoteLine.objects.update_or_create(quote=quote, item=item, defaults=values)
        Quote.objects.filter(pk=quote.pk).update(updated_at=timezone.now())
        _audit(
            "quote.line_set",
            actor=actor,
            quote=quote,
            request=request,
            after={"item_id": item.pk, "created": created},
        )
    return line


def quote_line_remove(*, quote: Quote, actor: Any, item: TenderItem, request: HttpRequest | None = None) -> None:
    """Remove the working-copy line for ``item`` (NotFound when there is none)."""
    with transaction.atomic():
        _tender, quote, _now = _lock_editable(quote, actor, "quote.edit")
        if quote.status not in EDITABLE_STATUSES:
            raise InvalidState("This quote can no longer be changed.")
        deleted, _ = QuoteLine.objects.filter(quote=quote, item=item).delete()
        if not deleted:
            raise NotFound("This quote has no line for that item.")
        _audit("quote.line_removed", actor=actor, quote=quote, request=request, after={"item_id": item.pk})


def quote_delete_draft(*, quote: Quote, actor: Any, request: HttpRequest | None = None) -> None:
    """Delete a quote that was never submitted (a quote with revisions is kept forever)."""
    with transaction.atomic():
        permissions.require(actor, "quote.edit", quote.supplier)
        lock_tender(quote.tender_id)
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if quote.status != QuoteStatus.DRAFT or quote.revisions.exists():
            raise InvalidState("Only a draft that was never submitted can be deleted; withdraw it instead.")
        stored = [(attachment.file.storage, attachment.file.name) for attachment in quote.attachments.all()]
        quote.attachments.all().delete()
        _audit("quote.deleted", actor=actor, quote=quote, request=request, before={"status": quote.status})
        quote.delete()
        # The files go only once the rows are gone for good: a rolled-back delete keeps both.
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored if name])


def attachment_add(
    *, quote: Quote, actor: Any, upload: UploadedFile, request: HttpRequest | None = None
) -> QuoteAttachment:
    """Attach a file to the working copy (size/type checked, SHA-256 computed); before the deadline only."""
    checked, problems = documents.check_upload(upload)
    if checked is None:
        raise ValidationFailed("The file was not accepted.", errors={"file": problems})
    with transaction.atomic():
        _tender, quote, _now = _lock_editable(quote, actor, "quote.edit")
        if quote.status not in EDITABLE_STATUSES:
            raise InvalidState("This quote can no longer be changed.")
        attachment = QuoteAttachment(
            quote=quote,
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by_id=user_id_of(actor),
        )
        upload.seek(0)
        attachment.file.save(checked.sha256[:32], upload, save=False)
        try:
            attachment.save()
            _audit(
                "quote.attachment_added",
                actor=actor,
                quote=quote,
                request=request,
                after={"attachment_id": attachment.pk, "sha256": attachment.sha256},
            )
        except Exception:
            attachment.file.delete(save=False)  # no orphan file for a row that was never stored
            raise
    return attachment


def attachment_remove(
    *, quote: Quote, actor: Any, attachment: QuoteAttachment, request: HttpRequest | None = None
) -> None:
    """Take an attachment out of the working copy. The file is kept: earlier revisions may name it."""
    with transaction.atomic():
        _tender, quote, now = _lock_editable(quote, actor, "quote.edit")
        if attachment.quote_id != quote.pk or attachment.removed_at is not None:
            raise NotFound("No such attachment.")
        QuoteAttachment.objects.filter(pk=attachment.pk).update(removed_at=now)
        _audit(
            "quote.attachment_removed",
            actor=actor,
            quote=quote,
            request=request,
            after={"attachment_id": attachment.pk},
        )


# --- submission ------------------------------------------------------------------------------------------
def _check_complete(tender: Tender, quote: Quote, lines: list[QuoteLine]) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = ["A quote needs at least one line."]
    elif not tender.allow_partial_quotes:
        quoted = {line.item_id for line in lines}
        missing = [item.number for item in tender.items.all() if item.pk not in quoted]
        if missing:
            errors["lines"] = [
                "This tender requires a price for every item; missing item(s): " + ", ".join(map(str, missing)) + "."
            ]
    if quote.validity_date is None:
        errors["validity_date"] = ["Say until when the quote is valid."]
    elif tender.effective_opening_at and quote.validity_date < timezone.localdate(tender.effective_opening_at):
        errors["validity_date"] = ["The quote must stay valid at least until the opening day."]
    if errors:
        raise ValidationFailed("The quote cannot be submitted yet; nothing was stored.", errors=errors)


def quote_submit(
    *, quote: Quote, actor: Any, data: dict[str, Any] | None = None, request: HttpRequest | None = None
) -> QuoteRevision:
    """Submit the working copy as a new immutable revision and give it a receipt.

    In one transaction: lock the tender row, read the server clock, refuse unless the tender is
    published and ``now < submission_deadline``; apply ``data`` (optional terms/lines, so a client
    may send everything in one call); compute every total on the server (totals sent by a client
    are never read); store revision ``n + 1`` with its content, SHA-256 and ``submitted_at = now``;
    point the quote at it, mark it submitted and confirmed against the tender's current version.
    A refusal rolls everything back: a late quote is stored nowhere.

    Side effects: audit ``quote.submitted`` (revision number and hash, no prices); domain event
    ``quote.submitted`` after commit.
    """
    with transaction.atomic():
        tender, quote, now = _lock_editable(quote, actor, "quote.submit")
        if quote.status not in EDITABLE_STATUSES:
            raise InvalidState("This quote can no longer be submitted.")
        if data:
            _apply(quote, tender, data)
        lines = list(QuoteLine.objects.filter(quote=quote).select_related("item"))
        _check_complete(tender, quote, lines)
        attachments = list(quote.attachments.filter(removed_at__isnull=True))
        number = (quote.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
        snap = snapshot.build(
            quote=quote,
            tender=tender,
            lines=lines,
            attachments=attachments,
            number=number,
            submitted_at=now,
            submitted_by_user_id=user_id_of(actor),
            submitted_by_api_key=api_key_prefix_of(actor),
        )
        revision = QuoteRevision(
            quote=quote,
            number=number,
            submitted_at=now,
            submitted_by_id=user_id_of(actor),
            tender_version=tender.version,
            currency=tender.currency.upper(),
            subtotal=snap.totals.subtotal,
            discount_total=snap.totals.discount,
            tax_total=snap.totals.tax,
            total=snap.totals.total,
            line_count=len(lines),
            content=snap.content,
            content_sha256=snap.sha256,
        )
        revision.save()
        before = {"status": quote.status, "revision": quote.current_revision.number if quote.current_revision else None}
        Quote.objects.filter(pk=quote.pk).update(
            status=QuoteStatus.SUBMITTED,
            current_revision=revision,
            confirmed_version=tender.version,
            withdrawn_at=None,
            withdraw_reason="",
            updated_at=now,
        )
        receipt = {"revision": number, "submitted_at": iso(now), "content_sha256": snap.sha256}
        _audit("quote.submitted", actor=actor, quote=quote, request=request, before=before, after=receipt)
        events.emit_on_commit(
            "quote.submitted",
            company_id=quote.supplier_id,
            actor_id=user_id_of(actor),
            quote_id=quote.pk,
            tender_id=tender.pk,
            **receipt,
        )
    quote.refresh_from_db()
    return revision


def quote_withdraw(*, quote: Quote, actor: Any, reason: str = "", request: HttpRequest | None = None) -> Quote:
    """Withdraw a submitted quote before the deadline; it will not be opened. Revisions are kept.

    The supplier may submit again before the deadline. Audits ``quote.withdrawn``; emits ``quote.withdrawn``.
    """
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, max_length=2000)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        tender, quote, now = _lock_editable(quote, actor, "quote.withdraw")
        if quote.status != QuoteStatus.SUBMITTED:
            raise InvalidState("Only a submitted quote can be withdrawn.")
        Quote.objects.filter(pk=quote.pk).update(
            status=QuoteStatus.WITHDRAWN, withdrawn_at=now, withdraw_reason=reason, updated_at=now
        )
        _audit(
            "quote.withdrawn",
            actor=actor,
            quote=quote,
            request=request,
            before={"status": QuoteStatus.SUBMITTED},
            after={"status": QuoteStatus.WITHDRAWN, "reason": reason},
        )
        events.emit_on_commit(
            "quote.withdrawn",
            company_id=quote.supplier_id,
            actor_id=user_id_of(actor),
            quote_id=quote.pk,
            tender_id=tender.pk,
            withdrawn_at=iso(now),
        )
    quote.refresh_from_db()
    return quote


def needs_confirmation(quote: Quote, tender: Tender | None = None) -> bool:
    """A submitted quote whose supplier has not yet acknowledged the last material amendment."""
    tender = tender or quote.tender
    return quote.status == QuoteStatus.SUBMITTED and quote.confirmed_version < tender.material_version


def quote_confirm(*, quote: Quote, actor: Any, request: HttpRequest | None = None) -> Quote:
    """Confirm a submitted quote against the amended tender without changing its prices.

    Allowed before the deadline when the tender had a material amendment since the quote was last
    submitted or confirmed, and the current revision still fits the tender (its items all exist
    and, unless partial quotes are allowed, every item is quoted) — otherwise the supplier must
    revise (submit a new revision). Sets ``confirmed_version`` to the tender's current version.
    Audits ``quote.confirmed``; emits ``quote.confirmed``.
    """
    with transaction.atomic():
        tender, quote, now = _lock_editable(quote, actor, "quote.submit")
        if quote.status != QuoteStatus.SUBMITTED:
            raise InvalidState("Only a submitted quote can be confirmed.")
        if quote.confirmed_version >= tender.material_version:
            raise InvalidState("This quote is already confirmed against the current version of the tender.")
        offered = {line["item_id"] for line in quote.current_revision.content["lines"]}
        current_items = set(tender.items.values_list("pk", flat=True))
        if not offered <= current_items or (not tender.allow_partial_quotes and not current_items <= offered):
            raise InvalidState(
                "The amendment changed the items, so this quote no longer fits the tender: revise and submit it again."
            )
        before = {"confirmed_version": quote.confirmed_version}
        Quote.objects.filter(pk=quote.pk).update(confirmed_version=tender.version, updated_at=now)
        _audit(
            "quote.confirmed",
            actor=actor,
            quote=quote,
            request=request,
            before=before,
            after={"confirmed_version": tender.version, "revision": quote.current_revision.number},
        )
        events.emit_on_commit(
            "quote.confirmed",
            company_id=quote.supplier_id,
            actor_id=user_id_of(actor),
            quote_id=quote.pk,
            tender_id=tender.pk,
            confirmed_version=tender.version,
        )
    quote.refresh_from_db()
    return quote
