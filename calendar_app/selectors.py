"""Who sees which calendar event — decided here, scoped to the actor (DESIGN rule 1).

For a person acting for a company:

- their own (personal) events, whatever the company;
- the company's own events (``company.view``);
- the events derived from a tender (clarification, submission, opening, delivery), with
  ``tender.view``, when the company is the tender's buyer, is invited to it (by name or by the
  email of an active member; a declined invitation does not count) or has a quote in it;
- the validity of a quote, with ``quote.view``, when the company may read the quote
  (quotes.selectors.readable_q: its supplier always, the buyer only once the quote was opened —
  before the opening even its validity date is sealed).

Nobody sees another company's events; an event one may not see is "not found". An API key acts
for its company with the same rules (it has no personal events). The iCalendar feed of a person
shows the union over all the companies they are an active member of.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from calendar_app.choices import DEADLINE_KINDS, TENDER_KINDS, EventKind, EventStatus
from calendar_app.models import CalendarEvent, CalendarFeed, CompanyReminderSettings, UserReminder
from calendar_app.recurrence import Occurrence, expand
from companies import permissions
from companies.models import Company, Membership
from cotai.exceptions import NotFound
from quotes.models import Quote
from quotes.selectors import readable_q
from tenders.choices import InvitationStatus
from tenders.models import TenderInvitation
from tenders.selectors import invitations_of

# Company events may be written by the roles that do the company's work on either side (buyers
# and supplier representatives, owners and admins): those allowed to edit tenders or quotes.
# Evaluators and viewers read them. API keys need tenders:write or quotes:write accordingly.
COMPANY_EVENT_WRITE_ACTIONS = ("tender.edit", "quote.edit")
# A cancelled event stays in feeds (STATUS:CANCELLED) this long, so subscribed calendars drop it.
FEED_CANCELLED_RETENTION = timedelta(days=60)
FEED_PAST = timedelta(days=365)


def is_person(actor: Any) -> bool:
    return getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) is not None


def supplier_participant_q(company: Company) -> Q:
    """Events of tenders ``company`` takes part in as a supplier: invited (not declined) or quoting."""
    invited = Exists(
        invitations_of(company).filter(tender=OuterRef("tender_id")).exclude(status=InvitationStatus.DECLINED)
    )
    quoting = Exists(Quote.objects.filter(tender=OuterRef("tender_id"), supplier=company))
    return Q(tender__isnull=False) & ~Q(tender__buyer=company) & (invited | quoting)


def _tender_participant_q(company: Company) -> Q:
    return Q(tender__buyer=company) | supplier_participant_q(company)


def company_visible_q(actor: Any, company: Company | None) -> Q:
    """Events ``actor`` may see because of ``company`` (not their personal ones)."""
    condition = Q(pk__in=[])
    if company is None:
        return condition
    if permissions.can(actor, "company.view", company) or can_write_company_events(actor, company):
        condition |= Q(derived=False, owner_company=company)
    if permissions.can(actor, "tender.view", company):
        condition |= Q(derived=True, kind__in=TENDER_KINDS, tender__isnull=False) & _tender_participant_q(company)
    if permissions.can(actor, "quote.view", company):
        readable = Quote.objects.filter(readable_q(company), pk=OuterRef("quote_id"))
        condition |= Q(derived=True, kind=EventKind.QUOTE_VALIDITY, quote__isnull=False) & Exists(readable)
    return condition


def visible_q(actor: Any, companies: Iterable[Company | None]) -> Q:
    condition = Q(owner_user_id=actor.pk) if is_person(actor) else Q(pk__in=[])
    for company in companies:
        condition |= company_visible_q(actor, company)
    return condition


def event_list_for(*, actor: Any, company: Company | None, include_cancelled: bool = False) -> QuerySet[CalendarEvent]:
    """Events ``actor`` sees while acting for ``company`` (None: personal events only)."""
    if not getattr(actor, "is_authenticated", False):
        return CalendarEvent.objects.none()
    queryset = CalendarEvent.objects.filter(visible_q(actor, [company]))
    if not include_cancelled:
        queryset = queryset.filter(status=EventStatus.CONFIRMED)
    return queryset.select_related("tender", "quote", "owner_company").order_by("start", "id")


def event_get_for(*, actor: Any, company: Company | None, pk: Any, include_cancelled: bool = False) -> CalendarEvent:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such event.") from None
    event = event_list_for(actor=actor, company=company, include_cancelled=include_cancelled).filter(pk=pk).first()
    if event is None:
        raise NotFound("No such event.")
    return event


def occurrences_for(
    *,
    actor: Any,
    company: Company | None,
    start: datetime,
    end: datetime,
    kinds: Iterable[str] | None = None,
) -> list[Occurrence]:
    """Every occurrence the actor may see in [start, end), repeating events expanded; one query.

    The query is widened by a day on each side so all-day events (dates in their own zone) are
    not lost at the edges; occurrences are then cut to the window exactly.
    """
    queryset = event_list_for(actor=actor, company=company).overlapping(
        start - timedelta(days=1), end + timedelta(days=1)
    )
    kinds = [kind for kind in (kinds or []) if kind in EventKind.values]
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return expand(queryset, start, end)


def next_deadlines_for(*, actor: Any, company: Company | None, now: datetime, limit: int = 5) -> list[Occurrence]:
    """The next ``limit`` deadlines (tender deadlines, quote validity, delivery) from ``now``."""
    upcoming = Q(start__gte=now) | Q(all_day=True, end__gt=now)
    queryset = event_list_for(actor=actor, company=company).filter(upcoming, kind__in=DEADLINE_KINDS, rrule="")
    return expand(queryset[:limit], now, now + timedelta(days=3650))[:limit]


def feed_events_for(user: Any, *, now: datetime) -> QuerySet[CalendarEvent]:
    """Everything a person's feed holds: their personal events and, for each company they are an
    active member of, what that company shows them. Cancelled events stay for a while (marked
    cancelled); old single events are left out."""
    companies = [m.company for m in Membership.objects.active().filter(user_id=user.pk).select_related("company")]
    recent = Q(status=EventStatus.CONFIRMED) | Q(cancelled_at__gte=now - FEED_CANCELLED_RETENTION)
    not_old = ~Q(rrule="") | Q(start__gte=now - FEED_PAST)
    return (
        CalendarEvent.objects.filter(visible_q(user, companies))
        .filter(recent, not_old)
        .select_related("tender", "quote", "owner_company")
        .order_by("start", "id")
    )


def user_can_see(user: Any, event: CalendarEvent) -> bool:
    """May ``user`` (a person) see ``event`` through any of their companies, or as its owner?"""
    if not is_person(user) or not getattr(user, "is_active", False):
        return False
    companies = [m.company for m in Membership.objects.active().filter(user_id=user.pk).select_related("company")]
    return CalendarEvent.objects.filter(visible_q(user, companies), pk=event.pk, status=EventStatus.CONFIRMED).exists()


def can_write(actor: Any, event: CalendarEvent) -> bool:
    """Own events only: a personal event by its owner; a company event by a working role of that company."""
    if event.derived:
        return False
    if event.owner_user_id is not None:
        return is_person(actor) and event.owner_user_id == actor.pk
    return can_write_company_events(actor, event.owner_company)


def can_write_company_events(actor: Any, company: Company | None) -> bool:
    return company is not None and any(
        permissions.can(actor, action, company) for action in COMPANY_EVENT_WRITE_ACTIONS
    )


def my_reminders(user: Any, event: CalendarEvent) -> list[int]:
    if not is_person(user):
        return []
    return list(UserReminder.objects.filter(user_id=user.pk, event=event).values_list("minutes_before", flat=True))


def feed_for(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=user.pk).first() if is_person(user) else None


# --- reminders ---------------------------------------------------------------------------------------------
def participant_companies(tender: Any) -> QuerySet[Company]:
    """Supplier companies a tender's deadlines concern: invited (by name or by the email of an active
    member; not declined) or holding a quote in it. The buyer is not one of them."""
    open_invitations = TenderInvitation.objects.filter(tender=tender).exclude(status=InvitationStatus.DECLINED)
    by_name = open_invitations.filter(supplier__isnull=False).values("supplier_id")
    by_email = (
        Membership.objects.active()
        .filter(user__email__in=open_invitations.exclude(email="").values("email"))
        .values("company_id")
    )
    quoting = Quote.objects.filter(tender=tender).values("supplier_id")
    return Company.objects.filter(Q(pk__in=by_name) | Q(pk__in=by_email) | Q(pk__in=quoting)).exclude(
        pk=tender.buyer_id
    )


def reminder_settings_for(company: Company) -> tuple[list[int], list[int]]:
    """(submission offsets, clarification offsets) of ``company``, in minutes: its own or the defaults."""
    from calendar_app.models import DEFAULT_CLARIFICATION_OFFSETS, DEFAULT_SUBMISSION_OFFSETS

    row = CompanyReminderSettings.objects.filter(company=company).first()
    if row is None:
        return list(DEFAULT_SUBMISSION_OFFSETS), list(DEFAULT_CLARIFICATION_OFFSETS)
    return list(row.submission_offsets), list(row.clarification_offsets)


def members_who_may(company: Company, action: str) -> list[int]:
    """Ids of the active members of ``company`` whose role allows ``action`` (companies.permissions)."""
    if not permissions.kind_allows(company, action):
        return []
    roles = [role.value for role, actions in permissions.ROLE_ACTIONS.items() if action in actions]
    return list(
        Membership.objects.active()
        .filter(company=company, role__in=roles)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
