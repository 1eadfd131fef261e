"""The dashboard: the first page after signing in, for the active company.

A buying company sees its tenders by state, the deadlines of the week, the quotes received (only
where the tender shows the count before the opening, or after it) and what waits for it; a
supplying company sees its invitations, the open tenders of its categories, its quotes in progress,
its deadlines and its results. A company of kind "both" sees both halves. Reads only, through the
selectors of tenders and quotes, with a fixed number of queries whatever the data.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from quotes import selectors as quote_selectors
from quotes.choices import QuoteStatus
from tenders import selectors as tender_selectors
from tenders.choices import InvitationStatus, TenderStatus
from tenders.models import Clarification
from tenders.views import company_page, deadline_window, require_action

LIST_SIZE = 8


def _buyer_part(request: HttpRequest, company: Any) -> dict[str, Any]:
    now, week = deadline_window()
    mine = tender_selectors.tender_list_for(actor=request.user, company=company).filter(buyer=company)
    counts = dict(mine.order_by().values_list("status").annotate(n=Count("id")))
    by_status = [(status, label, counts.get(status, 0)) for status, label in TenderStatus.choices]
    active = list(
        mine.filter(status__in=[TenderStatus.PUBLISHED, TenderStatus.CLOSED, TenderStatus.OPENED]).order_by(
            "submission_deadline", "id"
        )[:LIST_SIZE]
    )
    quote_counts = quote_selectors.quote_counts_for(actor=request.user, company=company, tenders=active)
    return {
        "by_status": by_status,
        "active": [(tender, quote_counts.get(tender.pk)) for tender in active],
        "week": list(
            mine.filter(
                status=TenderStatus.PUBLISHED, submission_deadline__gte=now, submission_deadline__lte=week
            ).order_by("submission_deadline")[:LIST_SIZE]
        ),
        "drafts": list(mine.filter(status=TenderStatus.DRAFT).order_by("-updated_at")[:LIST_SIZE]),
        "unanswered": Clarification.objects.filter(
            tender__in=mine.filter(status=TenderStatus.PUBLISHED), published=False
        ).count(),
        "to_open": list(mine.filter(status=TenderStatus.CLOSED).order_by("submission_deadline")[:LIST_SIZE]),
        "to_award": list(mine.filter(status=TenderStatus.OPENED).order_by("opened_at")[:LIST_SIZE]),
    }


def _supplier_part(request: HttpRequest, company: Any) -> dict[str, Any]:
    now, week = deadline_window()
    visible = tender_selectors.tender_list_for(actor=request.user, company=company).exclude(buyer=company)
    open_now = visible.filter(status=TenderStatus.PUBLISHED, submission_deadline__gt=now)
    quotes = quote_selectors.quote_list_for(actor=request.user, company=company).filter(supplier=company)
    invited = tender_selectors.invitations_of(company).filter(status=InvitationStatus.PENDING, tender__in=open_now)
    return {
        "invitations": list(
            invited.select_related("tender", "tender__buyer").order_by("tender__submission_deadline")[:LIST_SIZE]
        ),
        "open_tenders": list(open_now.order_by("submission_deadline", "id")[:LIST_SIZE]),
        "in_progress": list(
            quotes.filter(
                status__in=[QuoteStatus.DRAFT, QuoteStatus.SUBMITTED, QuoteStatus.WITHDRAWN],
                tender__status=TenderStatus.PUBLISHED,
            ).order_by("tender__submission_deadline")[:LIST_SIZE]
        ),
        "deadlines": list(open_now.filter(submission_deadline__lte=week).order_by("submission_deadline")[:LIST_SIZE]),
        "results": list(
            quotes.filter(status__in=[QuoteStatus.AWARDED, QuoteStatus.REJECTED]).order_by("-updated_at")[:LIST_SIZE]
        ),
    }


@company_page
def dashboard(request: HttpRequest) -> HttpResponse:
    company = request.company
    require_action(request, "tender.view")
    context: dict[str, Any] = {"company": company}
    if company.buys:
        context["buyer"] = _buyer_part(request, company)
    if company.supplies:
        context["supplier"] = _supplier_part(request, company)
    return render(request, "reports/dashboard.html", context)
