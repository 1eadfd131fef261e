"""The buyer's evaluation of opened quotes: scores per criterion, shortlist and reject.

Scores are given by members with ``evaluation.score`` (evaluators, admins, owners); shortlisting
and rejecting are decisions about who may win, so they need ``award.make`` (buyers, admins, owners).
All of it only after the opening and before the award.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from companies import permissions
from cotai import audit, events
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from quotes import money
from quotes.choices import OPENED_STATUSES, QuoteStatus
from quotes.models import Quote, QuoteScore
from quotes.services._common import iso, lock_tender, user_id_of
from tenders.choices import CriterionKind, TenderStatus
from tenders.models import TenderCriterion

MAX_SCORE = Decimal(10)


def _require_evaluating(quote: Quote) -> None:
    if quote.status not in OPENED_STATUSES:
        raise NotFound("No such quote.")
    if quote.tender.status != TenderStatus.OPENED:
        raise InvalidState("Quotes can be evaluated only while the tender is opened (not yet awarded).")


def score_set(
    *,
    quote: Quote,
    criterion: TenderCriterion,
    actor: Any,
    score: Any,
    comment: str = "",
    request: HttpRequest | None = None,
) -> QuoteScore:
    """Record (or change) the actor's score, 0-10 with up to 2 decimals, of ``quote`` on ``criterion``.

    The price criterion is computed, never scored by hand. Only people score (an evaluator is
    accountable by name), so API keys are refused. Audits ``evaluation.scored`` with before/after.
    """
    tender = quote.tender
    permissions.require(actor, "evaluation.score", tender.buyer)
    if user_id_of(actor) is None:
        raise PermissionDenied("Scores are given by named evaluators, not by API keys.")
    errors: dict[str, list[str]] = {}
    try:
        value = money.to_decimal(score, field="score")
    except (TypeError, ValueError) as exc:
        errors["score"] = [str(exc)]
        value = None
    if value is not None and not (0 <= value <= MAX_SCORE and value == value.quantize(Decimal("0.01"))):
        errors["score"] = ["A score lies between 0 and 10, with at most 2 decimals."]
    if not isinstance(comment, str) or len(comment) > 4000:
        errors["comment"] = ["Text of at most 4000 characters."]
    if criterion.tender_id != tender.pk:
        errors["criterion"] = ["Not a criterion of this tender."]
    elif criterion.kind == CriterionKind.PRICE:
        errors["criterion"] = ["The price criterion is computed from the totals; it cannot be scored by hand."]
    if errors:
        raise ValidationFailed("The score is not valid.", errors=errors)
    with transaction.atomic():
        lock_tender(tender.pk)
        quote = Quote.objects.select_related("tender").get(pk=quote.pk)
        _require_evaluating(quote)
        existing = QuoteScore.objects.filter(quote=quote, criterion=criterion, evaluator_id=actor.pk).first()
        before = {"score": str(existing.score), "comment": existing.comment} if existing else None
        if existing is None:
            record = QuoteScore.objects.create(
                quote=quote, criterion=criterion, evaluator_id=actor.pk, score=value, comment=comment
            )
        else:
            existing.score, existing.comment = value, comment
            existing.save(update_fields=["score", "comment", "updated_at"])
            record = existing
        audit.record(
            action="evaluation.scored",
            actor=actor,
            company=tender.buyer_id,
            obj=record,
            before=before,
            after={"score": str(value), "comment": comment},
            request=request,
            data={"quote_id": quote.pk, "criterion_id": criterion.pk, "tender_id": tender.pk},
        )
    return record


def _decide(
    *, quote: Quote, actor: Any, to: str, allowed_from: tuple[str, ...], reason: str, request: HttpRequest | None
) -> Quote:
    tender = quote.tender
    permissions.require(actor, "award.make", tender.buyer)
    with transaction.atomic():
        lock_tender(tender.pk)
        locked = Quote.objects.select_for_update(of=("self",)).select_related("tender").get(pk=quote.pk)
        _require_evaluating(locked)
        if locked.status not in allowed_from:
            raise InvalidState(f"A quote that is {QuoteStatus(locked.status).label.lower()} cannot become {to}.")
        now = timezone.now()
        before = {"status": locked.status, "reason": locked.decision_reason}
        Quote.objects.filter(pk=locked.pk).update(status=to, decision_reason=reason, decided_at=now, updated_at=now)
        audit.record(
            action=f"quote.{to}",
            actor=actor,
            company=tender.buyer_id,
            obj=locked,
            before=before,
            after={"status": to, "reason": reason},
            request=request,
            data={"tender_id": tender.pk},
        )
        events.emit_on_commit(
            f"quote.{to}",
            company_id=tender.buyer_id,
            actor_id=user_id_of(actor),
            quote_id=locked.pk,
            tender_id=tender.pk,
            supplier_id=locked.supplier_id,
            decided_at=iso(now),
        )
    locked.refresh_from_db()
    return locked


def quote_shortlist(*, quote: Quote, actor: Any, request: HttpRequest | None = None) -> Quote:
    """opened | rejected -> shortlisted (a rejection may be reconsidered until the award)."""
    return _decide(
        quote=quote,
        actor=actor,
        to=QuoteStatus.SHORTLISTED,
        allowed_from=(QuoteStatus.OPENED, QuoteStatus.REJECTED),
        reason="",
        request=request,
    )


def quote_reject(*, quote: Quote, actor: Any, reason: str, request: HttpRequest | None = None) -> Quote:
    """opened | shortlisted -> rejected, with a reason the supplier will read (required)."""
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed("Say why the quote is rejected.", errors={"reason": ["A reason is required."]})
    if len(reason) > 4000:
        raise ValidationFailed(errors={"reason": ["At most 4000 characters."]})
    return _decide(
        quote=quote,
        actor=actor,
        to=QuoteStatus.REJECTED,
        allowed_from=(QuoteStatus.OPENED, QuoteStatus.SHORTLISTED),
        reason=reason,
        request=request,
    )
