"""Who hears about what: domain-event subscribers that pick the recipients and fan out.

Each subscriber reads what it needs under its own rules and hands audiences to
:func:`notifications.fanout.notify`. What a text may reveal is decided here, per audience:
buyers never learn a sealed quote's price or supplier before the opening (they only learn that a
quote arrived, and how many there are when the tender allows counting); suppliers get their own
receipt; other suppliers learn nothing about each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from cotai import events
from notifications import links
from notifications.fanout import ADMIN_ROLES, BUYER_ROLES, SUPPLIER_ROLES, Audience, notify

EVALUATION_ROLES = (*BUYER_ROLES, "evaluator")


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_datetime(value) if value else None


def _tender(tender_id: Any) -> Any:
    from tenders.models import Tender

    return Tender.objects.select_related("buyer").filter(pk=tender_id).first()


def tender_context(tender: Any) -> dict[str, Any]:
    """The facts of a tender every participant may see (no budget, no quotes)."""
    return {
        "tender": {
            "id": tender.pk,
            "number": tender.number,
            "title": tender.title,
            "buyer": tender.buyer.display_name,
            "clarification_deadline": tender.clarification_deadline,
            "submission_deadline": tender.submission_deadline,
            "opening_at": tender.effective_opening_at,
        }
    }


def _quoting_companies(tender: Any, statuses: tuple[str, ...] | None = None) -> Any:
    from quotes.models import Quote

    quotes = Quote.objects.filter(tender=tender).exclude(status="draft")
    if statuses is not None:
        quotes = quotes.filter(status__in=statuses)
    return quotes.values("supplier_id")


def _participants(tender: Any) -> Any:
    """Supplier companies that see the tender (invited or in its category) or have a quote in it."""
    from companies.models import Company
    from tenders.selectors import supplier_companies_for

    return Company.objects.filter(
        Q(pk__in=supplier_companies_for(tender).values("pk")) | Q(pk__in=_quoting_companies(tender))
    ).exclude(pk=tender.buyer_id)


def _notify(event: events.DomainEvent, *audiences: Audience) -> None:
    notify(audiences=[a for a in audiences if a is not None], event_id=event.id, occurred_at=event.occurred_at)


def _buyer_audience(
    tender: Any, type_: str, context: dict[str, Any], *, roles: tuple[str, ...] = BUYER_ROLES, link: str | None = None
) -> Audience:
    return Audience(
        type=type_,
        context=context,
        link=link or links.tender(tender.pk),
        companies=[tender.buyer_id],
        roles=roles,
        object_type="tender",
        object_id=str(tender.pk),
    )


def _supplier_audience(tender: Any, type_: str, context: dict[str, Any], companies: Any, **kwargs: Any) -> Audience:
    return Audience(
        type=type_,
        context=context,
        link=kwargs.pop("link", links.tender(tender.pk)),
        companies=companies,
        roles=SUPPLIER_ROLES,
        object_type="tender",
        object_id=str(tender.pk),
        **kwargs,
    )


# --- tenders --------------------------------------------------------------------------------------------
@events.subscriber("tender.published")
def on_tender_published(event: events.DomainEvent) -> None:
    """Every supplier company that can see the new tender: invited ones are told they are invited."""
    from companies.models import Membership
    from tenders.models import TenderInvitation
    from tenders.selectors import supplier_companies_for

    tender = _tender(event.payload.get("tender_id"))
    if tender is None:
        return
    invitations = TenderInvitation.objects.filter(tender=tender)
    invited = set(invitations.filter(supplier__isnull=False).values_list("supplier_id", flat=True))
    emails = list(invitations.exclude(email="").values_list("email", flat=True))
    if emails:
        invited |= set(
            Membership.objects.filter(is_active=True, user__email__in=emails).values_list("company_id", flat=True)
        )
    notes = {
        True: {"tender": {"invited": True, "invitation_note": "Your company is invited to quote."}},
        False: {"tender": {"invited": False, "invitation_note": "It matches the categories your company supplies."}},
    }
    _notify(
        event,
        _supplier_audience(
            tender,
            "tender.published",
            tender_context(tender),
            supplier_companies_for(tender),
            company_context=lambda company_id: notes[company_id in invited],
        ),
    )


@events.subscriber("tender.invitation_created")
def on_invitation_created(event: events.DomainEvent) -> None:
    """An invitation added after publication (those made on the draft are covered by tender.published)."""
    from django.contrib.auth import get_user_model

    from tenders.models import TenderInvitation

    invitation = TenderInvitation.objects.filter(pk=event.payload.get("invitation_id")).first()
    tender = _tender(event.payload.get("tender_id"))
    if invitation is None or tender is None or tender.published_at is None:
        return
    if invitation.invited_at <= tender.published_at:
        return
    context = tender_context(tender)
    if invitation.supplier_id:
        _notify(event, _supplier_audience(tender, "tender.invited", context, [invitation.supplier_id]))
        return
    user_ids = list(
        get_user_model().objects.filter(email=invitation.email, is_active=True).values_list("pk", flat=True)
    )
    if user_ids:
        _notify(
            event,
            Audience(
                type="tender.invited",
                context=context,
                link=links.tender(tender.pk),
                user_ids=user_ids,
                object_type="tender",
                object_id=str(tender.pk),
            ),
        )


@events.subscriber("tender.amended")
def on_tender_amended(event: events.DomainEvent) -> None:
    """Every participant; those with a submitted quote are asked to confirm it after a material change."""
    from tenders.models import Amendment

    tender = _tender(event.payload.get("tender_id"))
    if tender is None:
        return
    amendment = Amendment.objects.filter(pk=event.payload.get("amendment_id")).first()
    material = bool(event.payload.get("material", amendment.material if amendment else False))
    with_quote = set(_quoting_companies(tender, ("submitted",)).values_list("supplier_id", flat=True))
    base = {
        **tender_context(tender),
        "amendment": {
            "version": event.payload.get("version", tender.version),
            "material": material,
            "reason": amendment.reason if amendment else "",
            "action_note": "What is being bought or the deadlines changed." if material else "",
        },
    }
    confirm = {"amendment": {"action_note": "Your submitted quote must be confirmed or revised before the deadline."}}
    _notify(
        event,
        _supplier_audience(
            tender,
            "tender.amended",
            base,
            _participants(tender),
            priority=None if material else "normal",
            company_context=lambda company_id: confirm if material and company_id in with_quote else {},
        ),
    )


@events.subscriber("tender.cancelled")
def on_tender_cancelled(event: events.DomainEvent) -> None:
    tender = _tender(event.payload.get("tender_id"))
    if tender is None or not event.payload.get("was_published", tender.published_at is not None):
        return
    context = {
        **tender_context(tender),
        "cancellation": {"reason": event.payload.get("reason") or tender.cancel_reason},
    }
    _notify(event, _supplier_audience(tender, "tender.cancelled", context, _participants(tender)))


def _quote_summary(tender: Any) -> dict[str, Any]:
    """What the buyer may know about quotes before the opening: a count, if the tender allows it."""
    from quotes.models import Quote

    if not tender.show_quote_count_before_opening:
        return {"quotes": {"count": None, "summary": "Quotes stay sealed until the opening."}}
    count = Quote.objects.filter(tender=tender, status="submitted").count()
    return {"quotes": {"count": count, "summary": f"{count} quote{'s' if count != 1 else ''} received so far."}}


@events.subscriber("tender.closed")
def on_tender_closed(event: events.DomainEvent) -> None:
    tender = _tender(event.payload.get("tender_id"))
    if tender is None:
        return
    context = tender_context(tender)
    _notify(
        event,
        _buyer_audience(tender, "tender.closed", {**context, **_quote_summary(tender)}),
        _supplier_audience(
            tender, "tender.closed", {**context, "quotes": {"summary": ""}}, _quoting_companies(tender, ("submitted",))
        ),
    )


@events.subscriber("tender.unsuccessful")
def on_tender_unsuccessful(event: events.DomainEvent) -> None:
    tender = _tender(event.payload.get("tender_id"))
    if tender is None:
        return
    context = {
        **tender_context(tender),
        "outcome": {"reason": event.payload.get("reason") or tender.unsuccessful_reason},
    }
    _notify(event, _supplier_audience(tender, "tender.unsuccessful", context, _participants(tender)))


# --- clarifications ----------------------------------------------------------------------------------------
def _clarification(event: events.DomainEvent) -> Any:
    from tenders.models import Clarification

    return Clarification.objects.filter(pk=event.payload.get("clarification_id")).first()


@events.subscriber("clarification.asked")
def on_clarification_asked(event: events.DomainEvent) -> None:
    """The buyer's team; the asking company is not named (the buyer sees it on the page)."""
    clarification = _clarification(event)
    tender = _tender(event.payload.get("tender_id"))
    if clarification is None or tender is None:
        return
    context = {**tender_context(tender), "clarification": {"id": clarification.pk, "question": clarification.question}}
    _notify(event, _buyer_audience(tender, "clarification.asked", context, link=links.clarifications(tender.pk)))


@events.subscriber("clarification.answered")
def on_clarification_answered(event: events.DomainEvent) -> None:
    """A published answer reaches every participant; a private one only the company that asked."""
    clarification = _clarification(event)
    tender = _tender(event.payload.get("tender_id"))
    if clarification is None or tender is None:
        return
    context = {
        **tender_context(tender),
        "clarification": {"id": clarification.pk, "question": clarification.question, "answer": clarification.answer},
    }
    companies = _participants(tender) if clarification.published else [clarification.asked_by_company_id]
    _notify(
        event,
        _supplier_audience(tender, "clarification.answered", context, companies, link=links.clarifications(tender.pk)),
    )


# --- quotes ------------------------------------------------------------------------------------------------------
@events.subscriber("quote.submitted")
def on_quote_submitted(event: events.DomainEvent) -> None:
    """The supplier gets its receipt; the buyer only learns that a quote arrived, and only when the
    tender allows counting quotes before the opening — never a price, never who."""
    tender = _tender(event.payload.get("tender_id"))
    supplier_id = event.company_id
    if tender is None or supplier_id is None:
        return
    quote_id = event.payload.get("quote_id")
    context = tender_context(tender)
    receipt = {
        "quote": {
            "id": quote_id,
            "revision": event.payload.get("revision"),
            "submitted_at": _time(event.payload.get("submitted_at")),
            "receipt_sha256": event.payload.get("content_sha256", ""),
        }
    }
    audiences = [
        _supplier_audience(
            tender, "quote.submitted", {**context, **receipt}, [supplier_id], link=links.quote(quote_id, tender.pk)
        ),
    ]
    if tender.show_quote_count_before_opening:
        audiences.append(_buyer_audience(tender, "quote.received", {**context, **_quote_summary(tender)}))
    _notify(event, *audiences)


@events.subscriber("quote.withdrawn")
def on_quote_withdrawn(event: events.DomainEvent) -> None:
    tender = _tender(event.payload.get("tender_id"))
    if tender is None or event.company_id is None:
        return
    quote_id = event.payload.get("quote_id")
    context = {**tender_context(tender), "quote": {"id": quote_id}}
    _notify(
        event,
        _supplier_audience(
            tender, "quote.withdrawn", context, [event.company_id], link=links.quote(quote_id, tender.pk)
        ),
    )


@events.subscriber("quotes.opened")
def on_quote_opened_for_supplier(event: events.DomainEvent) -> None:
    """One event per supplier whose quote was opened: that supplier is told."""
    tender = _tender(event.payload.get("tender_id"))
    if tender is None or event.company_id is None:
        return
    context = {
        **tender_context(tender),
        "opening": {"opened_at": _time(event.payload.get("opened_at"))},
        "quotes": {"count": None, "summary": ""},
    }
    _notify(event, _supplier_audience(tender, "quotes.opened", context, [event.company_id]))


@events.subscriber("tender.quotes_opened")
def on_quotes_opened_for_buyer(event: events.DomainEvent) -> None:
    tender = _tender(event.payload.get("tender_id"))
    if tender is None:
        return
    count = event.payload.get("quote_count")
    context = {
        **tender_context(tender),
        "opening": {"opened_at": _time(event.payload.get("opened_at"))},
        "quotes": {
            "count": count,
            "summary": f"{count} quote{'s' if count != 1 else ''} opened." if count is not None else "",
        },
    }
    _notify(event, _buyer_audience(tender, "quotes.opened", context, roles=EVALUATION_ROLES))


@events.subscriber("award.made")
def on_award_made(event: events.DomainEvent) -> None:
    """quotes emits one event per audience: the buyer, each winner, each other bidder. No amounts."""
    tender = _tender(event.payload.get("tender_id"))
    if tender is None:
        return
    context = tender_context(tender)
    audience = event.payload.get("audience")
    if audience == "buyer":
        _notify(
            event,
            _buyer_audience(
                tender,
                "award.made",
                {**context, "award": {"note": "The suppliers have been told."}},
                roles=EVALUATION_ROLES,
            ),
        )
        return
    supplier_id = event.payload.get("supplier_id") or event.company_id
    if not supplier_id:
        return
    if event.payload.get("outcome") == "awarded":
        from quotes.models import Award

        award_ids = event.payload.get("award_ids") or []
        items = Award.objects.filter(pk__in=award_ids, item__isnull=False).count()
        scope = "the whole tender" if not items else f"{items} item{'s' if items != 1 else ''}"
        _notify(event, _supplier_audience(tender, "award.won", {**context, "award": {"scope": scope}}, [supplier_id]))
    else:
        note = "Your quote was not selected this time. Thank you for taking part."
        _notify(event, _supplier_audience(tender, "award.made", {**context, "award": {"note": note}}, [supplier_id]))


DEADLINE_LABELS = {
    "submission": "Submission deadline",
    "clarification": "Deadline for questions",
    "opening": "Opening",
}


@events.subscriber("deadline.approaching")
def on_deadline_approaching(event: events.DomainEvent) -> None:
    """Payload: tender_id, kind (submission | clarification | opening), at (ISO time), and usually
    ``recipient_ids``: the calendar decides who is reminded (per company and per person), and then
    exactly those people are told, as members of ``event.company_id``.

    Without ``recipient_ids``: submission reaches suppliers that can quote and have not submitted;
    questions every participant; opening the buyer's team.
    """
    tender = _tender(event.payload.get("tender_id"))
    if tender is None:
        return
    kind = str(event.payload.get("kind") or "submission")
    at = _time(event.payload.get("at")) or {
        "submission": tender.submission_deadline,
        "clarification": tender.clarification_deadline,
        "opening": tender.effective_opening_at,
    }.get(kind)
    context = {
        **tender_context(tender),
        "deadline": {"kind": kind, "label": DEADLINE_LABELS.get(kind, "Deadline"), "at": at},
    }
    recipient_ids = event.payload.get("recipient_ids")
    if recipient_ids is not None:
        _notify(
            event,
            Audience(
                type="deadline.approaching",
                context=context,
                link=links.tender(tender.pk),
                user_ids=[int(pk) for pk in recipient_ids],
                company_id=event.company_id,
                object_type="tender",
                object_id=str(tender.pk),
                webhook=event.company_id is not None,
            ),
        )
        return
    if kind == "opening":
        _notify(event, _buyer_audience(tender, "deadline.approaching", context, roles=EVALUATION_ROLES))
        return
    companies = _participants(tender)
    if kind == "submission":
        companies = companies.exclude(pk__in=_quoting_companies(tender, ("submitted",)))
    _notify(event, _supplier_audience(tender, "deadline.approaching", context, companies))


@events.subscriber("calendar.reminder")
def on_calendar_reminder(event: events.DomainEvent) -> None:
    """A person's own reminder on a calendar event: exactly the people the calendar names."""
    recipient_ids = [int(pk) for pk in event.payload.get("recipient_ids") or []]
    if not recipient_ids:
        return
    context = {
        "reminder": {
            "title": event.payload.get("title", ""),
            "at": _time(event.payload.get("at")),
            "minutes_before": event.payload.get("minutes_before"),
        }
    }
    tender_id = event.payload.get("tender_id")
    _notify(
        event,
        Audience(
            type="calendar.reminder",
            context=context,
            link=links.tender(tender_id) if tender_id else links.calendar(),
            user_ids=recipient_ids,
            company_id=event.company_id,
            object_type="calendar.event",
            object_id=str(event.payload.get("event_id") or ""),
            webhook=False,
        ),
    )


# --- people and companies ----------------------------------------------------------------------------------
@events.subscriber("member.invited")
def on_member_invited(event: events.DomainEvent) -> None:
    """Someone who already has an account sees the invitation in the bell (the email is sent by companies)."""
    from django.contrib.auth import get_user_model

    from companies.choices import Role
    from companies.models import Company

    email = str(event.payload.get("email") or "").lower()
    company = Company.objects.filter(pk=event.company_id).first()
    user_ids = list(get_user_model().objects.filter(email=email, is_active=True).values_list("pk", flat=True))
    if not user_ids or company is None:
        return
    role = event.payload.get("role") or ""
    context = {
        "invitation": {"company": company.display_name, "role": Role(role).label if role in Role.values else role}
    }
    _notify(
        event,
        Audience(
            type="member.invited",
            context=context,
            link=links.companies(),
            user_ids=user_ids,
            object_type="companies.invitation",
            object_id=str(event.payload.get("invitation_id") or ""),
            webhook=False,
        ),
    )


SECURITY_EVENTS = ("auth.password_changed", "auth.mfa_enabled", "auth.mfa_disabled")


@events.subscriber(*SECURITY_EVENTS)
def on_security_event(event: events.DomainEvent) -> None:
    """Security notices reach the person concerned in the app and by email, whatever they chose."""
    user_id = event.payload.get("user_id") or event.actor_id
    if not user_id:
        return
    _notify(
        event,
        Audience(
            type=event.name,
            context={},
            link=links.security(),
            user_ids=[int(user_id)],
            object_type="accounts.user",
            object_id=str(user_id),
            webhook=False,
        ),
    )


@events.subscriber("webhook.endpoint_disabled")
def on_webhook_endpoint_disabled(event: events.DomainEvent) -> None:
    endpoint_id = event.payload.get("endpoint_id")
    if not event.company_id or not endpoint_id:
        return
    context = {
        "endpoint": {
            "id": endpoint_id,
            "url": event.payload.get("url", ""),
            "failing_since": _time(event.payload.get("failing_since")),
            "failures": event.payload.get("failures", 0),
            "last_error": event.payload.get("last_error", ""),
        }
    }
    _notify(
        event,
        Audience(
            type="webhook.endpoint_disabled",
            context=context,
            link=links.webhook_endpoint(endpoint_id),
            companies=[event.company_id],
            roles=ADMIN_ROLES,
            object_type="notifications.webhookendpoint",
            object_id=str(endpoint_id),
            webhook=False,
        ),
    )
