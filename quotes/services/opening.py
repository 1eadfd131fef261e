"""Opening: at the opening time every current revision becomes readable by the buyer at once.

The opening locks the tender row (the same lock submissions take), so no quote can slip in or
change while it runs. It writes an immutable opening record listing each opened quote with its
receipt (revision number, server time, SHA-256), marks the quotes opened, moves the tender to
opened (tenders.services.tender_mark_opened) — or on to unsuccessful when no valid quote came —
and publishes each receipt to its supplier (event ``quotes.opened``), so every supplier can check
that what was opened is what it sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from companies import permissions
from cotai import audit, events
from cotai.exceptions import InvalidState, NotFound, PermissionDenied
from quotes.choices import OpeningMethod, QuoteStatus
from quotes.models import OpeningConfirmation, OpeningEntry, Quote, TenderOpening
from quotes.services._common import iso, lock_tender, user_id_of
from tenders import services as tender_services
from tenders.choices import TenderStatus
from tenders.models import Tender, TenderOpener

log = structlog.get_logger("quotes.opening")

NO_VALID_QUOTE_REASON = "No valid quote was submitted before the deadline."


def _close_if_due(tender: Tender, now: datetime) -> Tender:
    """A published tender past its deadline is closed first (the close task may not have run yet)."""
    if tender.status == TenderStatus.PUBLISHED and tender.submission_deadline and tender.submission_deadline <= now:
        tender_services.tender_close(tender=tender, now=now)
        tender.refresh_from_db()
    return tender


def _require_openable(tender: Tender, now: datetime) -> None:
    if tender.status != TenderStatus.CLOSED:
        raise InvalidState(
            f"Only a closed tender can be opened (this one is {TenderStatus(tender.status).label.lower()})."
        )
    opening_at = tender.effective_opening_at
    if opening_at is None or now < opening_at:
        raise InvalidState(f"The quotes open at {iso(opening_at)}; the server time is {iso(now)}.")


def counted_confirmations(tender: Tender) -> list[OpeningConfirmation]:
    """Confirmations that count toward the quorum: by a named opener, on or after the opening time."""
    opener_ids = TenderOpener.objects.filter(tender=tender).values("user_id")
    return list(
        OpeningConfirmation.objects.filter(
            tender=tender, user_id__in=opener_ids, confirmed_at__gte=tender.effective_opening_at
        ).order_by("confirmed_at", "id")
    )


def tender_open(*, tender: Tender, actor: Any = None, request: HttpRequest | None = None) -> TenderOpening:
    """Open the quotes of ``tender`` (idempotent: an opened tender returns its existing record).

    Preconditions, checked on the locked row with the server clock: the tender is closed (a
    published tender past its deadline is closed here first), the opening time has come, and for a
    committee opening at least ``committee_quorum`` named openers have confirmed on or after that
    time. Refused with InvalidState otherwise, changing nothing.

    Effects: an immutable TenderOpening with one OpeningEntry per submitted quote (its current
    revision and receipt); those quotes become ``opened``; the tender becomes opened, and
    unsuccessful when no quote was opened. Audits ``quotes.opened``; emits one ``quotes.opened``
    per supplier (its own receipt) and ``tender.quotes_opened`` for the buyer, after commit.
    """
    with transaction.atomic():
        tender = lock_tender(tender.pk)
        existing = TenderOpening.objects.filter(tender=tender).first()
        if existing is not None:
            return existing
        now = timezone.now()
        tender = _close_if_due(tender, now)
        _require_openable(tender, now)
        method = OpeningMethod.SCHEDULED
        counted: list[OpeningConfirmation] = []
        if tender.committee_opening_required:
            method = OpeningMethod.COMMITTEE
            counted = counted_confirmations(tender)
            if len(counted) < tender.committee_quorum:
                raise InvalidState(
                    f"The opening committee has confirmed {len(counted)} of the {tender.committee_quorum} "
                    "confirmations needed."
                )
        quotes = list(
            Quote.objects.select_for_update(of=("self",))
            .filter(tender=tender, status=QuoteStatus.SUBMITTED, current_revision__isnull=False)
            .select_related("current_revision")
            .order_by("current_revision__submitted_at", "pk")
        )
        opening = TenderOpening(
            tender=tender,
            opened_at=now,
            method=method,
            opened_by_id=user_id_of(actor),
            openers=[confirmation.user_id for confirmation in counted],
            quote_count=len(quotes),
        )
        opening.save()
        OpeningEntry.objects.bulk_create(
            OpeningEntry(
                opening=opening,
                quote=quote,
                supplier_id=quote.supplier_id,
                revision=quote.current_revision,
                revision_number=quote.current_revision.number,
                submitted_at=quote.current_revision.submitted_at,
                content_sha256=quote.current_revision.content_sha256,
            )
            for quote in quotes
        )
        Quote.objects.filter(pk__in=[quote.pk for quote in quotes]).update(
            status=QuoteStatus.OPENED, opened_at=now, updated_at=now
        )
        tender_services.tender_mark_opened(tender=tender, now=now)
        receipts = [
            {
                "quote_id": quote.pk,
                "supplier_id": quote.supplier_id,
                "revision": quote.current_revision.number,
                "submitted_at": iso(quote.current_revision.submitted_at),
                "content_sha256": quote.current_revision.content_sha256,
            }
            for quote in quotes
        ]
        audit.record(
            action="quotes.opened",
            actor=actor,
            company=tender.buyer_id,
            obj=opening,
            before={"tender_status": TenderStatus.CLOSED},
            after={"tender_status": TenderStatus.OPENED, "quote_count": len(quotes), "method": method},
            request=request,
            data={"tender_id": tender.pk, "receipts": receipts, "openers": opening.openers},
        )
        for receipt in receipts:
            events.emit_on_commit(
                "quotes.opened",
                company_id=receipt["supplier_id"],
                tender_id=tender.pk,
                opening_id=opening.pk,
                opened_at=iso(now),
                **receipt,
            )
        events.emit_on_commit(
            "tender.quotes_opened",
            company_id=tender.buyer_id,
            actor_id=user_id_of(actor),
            tender_id=tender.pk,
            opening_id=opening.pk,
            opened_at=iso(now),
            quote_count=len(quotes),
            method=method,
        )
        if not quotes:
            tender_services.tender_mark_unsuccessful(tender=tender, reason=NO_VALID_QUOTE_REASON, now=now)
    return opening


def opening_confirm(*, tender: Tender, actor: Any, request: HttpRequest | None = None) -> OpeningConfirmation:
    """A named opener confirms the opening; the quotes open at once when the quorum is reached.

    Only a person named in ``tender.openers`` who is still an active member of the buyer may
    confirm, once, on or after the opening time, while the tender is closed (or published past its
    deadline). Audits ``quotes.opening_confirmed``.
    """
    if permissions.is_api_key(actor) or user_id_of(actor) is None:
        raise PermissionDenied("Only a named person can confirm an opening.")
    if not permissions.can(actor, "tender.view", tender.buyer):
        raise NotFound("No such tender.")
    with transaction.atomic():
        locked = lock_tender(tender.pk)
        if not locked.committee_opening_required:
            raise InvalidState("This tender opens by itself at its opening time; no confirmation is needed.")
        if not TenderOpener.objects.filter(tender=locked, user_id=actor.pk).exists():
            raise PermissionDenied("You are not one of the openers named for this tender.")
        now = timezone.now()
        if TenderOpening.objects.filter(tender=locked).exists():
            raise InvalidState("The quotes of this tender are already open.")
        locked = _close_if_due(locked, now)
        _require_openable(locked, now)
        try:
            with transaction.atomic():
                confirmation = OpeningConfirmation.objects.create(tender=locked, user_id=actor.pk, confirmed_at=now)
        except IntegrityError:
            raise InvalidState("You have already confirmed this opening.") from None
        audit.record(
            action="quotes.opening_confirmed",
            actor=actor,
            company=locked.buyer_id,
            obj=locked,
            after={"confirmed_at": iso(now)},
            request=request,
        )
        if len(counted_confirmations(locked)) >= locked.committee_quorum:
            tender_open(tender=locked, actor=actor, request=request)
    return confirmation


def open_due_tenders() -> int:
    """Open every tender whose opening time has come (the beat task's body); returns how many opened.

    A tender waiting for its committee is skipped until the quorum confirms. Each tender opens in
    its own transaction; a second run finds nothing to do.
    """
    now = timezone.now()
    due = (
        Tender.objects.filter(
            status__in=[TenderStatus.PUBLISHED, TenderStatus.CLOSED], committee_opening_required=False
        )
        .filter(submission_deadline__lte=now)
        .exclude(opening_at__gt=now)
        .order_by("opening_at", "pk")
    )
    opened = 0
    for tender in due:
        try:
            tender_open(tender=tender)
        except InvalidState as exc:  # changed state meanwhile (cancelled, opened by another worker)
            log.info("quotes.open_skipped", tender_id=tender.pk, reason=exc.message)
            continue
        opened += 1
    return opened
