"""Award: the whole tender to one quote, or items to different quotes (split award)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from companies import permissions
from cotai import audit, events
from cotai.exceptions import InvalidState, ValidationFailed
from quotes import money
from quotes.choices import AWARDABLE_STATUSES, OPENED_STATUSES, QuoteStatus
from quotes.models import Award, OpeningEntry, Quote
from quotes.services._common import iso, lock_tender, user_id_of
from tenders import services as tender_services
from tenders.choices import TenderStatus
from tenders.models import Tender

NOT_AWARDED_REASON = "Not awarded: the tender was awarded to another quote."


def _quote_id(value: Any) -> Any:
    return getattr(value, "pk", value)


def award_make(
    *,
    tender: Tender,
    actor: Any,
    awards: list[dict[str, Any]],
    note: str = "",
    request: HttpRequest | None = None,
) -> list[Award]:
    """Award ``tender``. ``awards`` is ``[{"quote": quote or id}]`` for the whole tender to one quote, or
    ``[{"quote": q1, "items": [item ids]}, {"quote": q2, "items": [...]}, ...]`` for a split award.

    Refused (nothing stored) unless the actor has ``award.make`` in the buyer, the tender is opened,
    and every quote named is opened or shortlisted (not withdrawn, not rejected, never sealed), still
    valid today (server date) and, for a split, offers each item given to it; each item goes to one
    quote only. The amounts are the server's: the quote's total, or the line's total.

    Effects, on the locked tender row: Award rows; the winning quotes become ``awarded``, the other
    opened/shortlisted quotes ``rejected`` (reason: not awarded); the tender becomes awarded
    (tenders.services.tender_mark_awarded). Audits ``award.made``; emits ``award.made`` after commit,
    once for the buyer and once for every supplier with an opened quote (won or not).
    """
    permissions.require(actor, "award.make", tender.buyer)
    note = note.strip() if isinstance(note, str) else ""
    if not isinstance(awards, (list, tuple)) or not awards:
        raise ValidationFailed("Say what is awarded to whom.", errors={"awards": ["At least one award is needed."]})
    with transaction.atomic():
        tender = lock_tender(tender.pk)
        if tender.status != TenderStatus.OPENED:
            raise InvalidState(
                f"Only an opened tender can be awarded (this one is {TenderStatus(tender.status).label.lower()})."
            )
        now = timezone.now()
        today = timezone.localdate(now)
        items = {item.pk: item for item in tender.items.all()}
        quote_ids = [_quote_id(entry.get("quote")) if isinstance(entry, dict) else None for entry in awards]
        quotes = {
            quote.pk: quote
            for quote in Quote.objects.select_for_update(of=("self",))
            .filter(tender=tender, pk__in=[pk for pk in quote_ids if isinstance(pk, int)])
            .select_related("supplier")
        }
        opened_revisions = {
            entry.quote_id: entry.revision
            for entry in OpeningEntry.objects.filter(quote_id__in=list(quotes)).select_related("revision")
        }
        errors: dict[str, list[str]] = {}
        whole = len(awards) == 1 and isinstance(awards[0], dict) and not awards[0].get("items")
        given: set[int] = set()
        planned: list[tuple[Quote, Any, Any, Decimal]] = []  # quote, revision, item or None, amount
        for index, (entry, quote_id) in enumerate(zip(awards, quote_ids, strict=True)):
            prefix = f"awards.{index}."
            quote = quotes.get(quote_id)
            if quote is None:
                errors.setdefault(prefix + "quote", []).append("Not an opened quote of this tender.")
                continue
            if quote.status not in AWARDABLE_STATUSES:
                label = QuoteStatus(quote.status).label.lower()
                errors.setdefault(prefix + "quote", []).append(f"The quote is {label}; it cannot be awarded.")
                continue
            if quote.validity_date is None or quote.validity_date < today:
                errors.setdefault(prefix + "quote", []).append(
                    f"The quote expired on {quote.validity_date}; ask the supplier to extend its validity."
                )
                continue
            revision = opened_revisions[quote.pk]
            if whole:
                planned.append((quote, revision, None, money.quantize(revision.total, revision.currency)))
                continue
            entry_items = entry.get("items")
            if not isinstance(entry_items, (list, tuple)) or not entry_items:
                errors.setdefault(prefix + "items", []).append(
                    "In a split award every entry lists its items; award the whole tender with a single entry."
                )
                continue
            lines = {line["item_id"]: line for line in revision.content["lines"]}
            for item_id in entry_items:
                item_id = getattr(item_id, "pk", item_id)
                item = items.get(item_id) if isinstance(item_id, int) else None
                if item is None:
                    errors.setdefault(prefix + "items", []).append(f"{item_id!r} is not an item of this tender.")
                elif item.pk in given:
                    errors.setdefault(prefix + "items", []).append(f"Item {item.number} is awarded more than once.")
                elif item.pk not in lines:
                    errors.setdefault(prefix + "items", []).append(f"The quote offers no price for item {item.number}.")
                else:
                    given.add(item.pk)
                    amount = money.quantize(Decimal(lines[item.pk]["total"]), revision.currency)
                    planned.append((quote, revision, item, amount))
        if errors:
            raise ValidationFailed("The award is not valid; nothing was awarded.", errors=errors)

        created = Award.objects.bulk_create(
            Award(
                tender=tender,
                quote=quote,
                revision=revision,
                item=item,
                amount=amount,
                currency=revision.currency,
                note=note,
                awarded_by_id=user_id_of(actor),
                awarded_at=now,
            )
            for quote, revision, item, amount in planned
        )
        winners = {quote.pk for quote, *_ in planned}
        Quote.objects.filter(pk__in=winners).update(
            status=QuoteStatus.AWARDED, decided_at=now, decision_reason="", updated_at=now
        )
        others = Quote.objects.filter(tender=tender, status__in=AWARDABLE_STATUSES).exclude(pk__in=winners)
        other_quotes = list(others.values_list("pk", "supplier_id"))
        others.update(status=QuoteStatus.REJECTED, decided_at=now, decision_reason=NOT_AWARDED_REASON, updated_at=now)
        tender_services.tender_mark_awarded(tender=tender, now=now, actor=actor)

        awards_by_supplier: dict[int, list[Award]] = defaultdict(list)
        for award in created:
            awards_by_supplier[award.quote.supplier_id].append(award)
        total = sum((award.amount for award in created), Decimal(0))
        summary = [
            {
                "award_id": award.pk,
                "quote_id": award.quote_id,
                "supplier_id": award.quote.supplier_id,
                "item_id": award.item_id,
                "amount": str(award.amount),
            }
            for award in created
        ]
        audit.record(
            action="award.made",
            actor=actor,
            company=tender.buyer_id,
            obj=tender,
            before={"tender_status": TenderStatus.OPENED},
            after={"tender_status": TenderStatus.AWARDED, "awards": summary, "total": str(total)},
            request=request,
            data={"note": note, "not_awarded_quote_ids": [pk for pk, _ in other_quotes]},
        )
        common = {"tender_id": tender.pk, "number": tender.number, "awarded_at": iso(now), "currency": tender.currency}
        events.emit_on_commit(
            "award.made",
            company_id=tender.buyer_id,
            actor_id=user_id_of(actor),
            audience="buyer",
            supplier_id=None,
            outcome=None,
            award_ids=[award.pk for award in created],
            amount=str(total),
            **common,
        )
        told: set[int] = set()
        for supplier_id, supplier_awards in awards_by_supplier.items():
            told.add(supplier_id)
            events.emit_on_commit(
                "award.made",
                company_id=supplier_id,
                actor_id=user_id_of(actor),
                audience="supplier",
                supplier_id=supplier_id,
                outcome="awarded",
                award_ids=[award.pk for award in supplier_awards],
                amount=str(sum((award.amount for award in supplier_awards), Decimal(0))),
                **common,
            )
        losers = set(
            Quote.objects.filter(tender=tender, status__in=OPENED_STATUSES)
            .exclude(supplier_id__in=told)
            .values_list("supplier_id", flat=True)
        )
        for supplier_id in sorted(losers):
            events.emit_on_commit(
                "award.made",
                company_id=supplier_id,
                actor_id=user_id_of(actor),
                audience="supplier",
                supplier_id=supplier_id,
                outcome="not_awarded",
                award_ids=[],
                amount=None,
                **common,
            )
    return created
