"""Reads of the tenders domain, always scoped to the company asking (DESIGN rule 1).

Who sees a tender:

- its buyer company, in every state;
- a supplier company, once the tender has been published (also after it closed, was opened,
  awarded, declared unsuccessful or cancelled), when the tender is public and its category lies
  inside one of the company's categories, or when the company is invited — by name, or by the
  email address of one of its active members.

Another company's tender is "not found" (404), never "forbidden", so ids leak nothing. Whether
a supplier that has a quote is a participant is decided by quotes, which builds on these rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from companies import permissions
from companies.choices import CompanyKind
from companies.models import Category, Company, Membership
from cotai.exceptions import NotFound
from tenders.choices import SUPPLIER_VISIBLE_STATUSES, TenderStatus, Visibility
from tenders.models import (
    Amendment,
    Clarification,
    Tender,
    TenderDocument,
    TenderDocumentVersion,
    TenderInvitation,
    TenderItem,
)


def _category_q(codes: list[str], prefix: str = "category__code") -> Q:
    """Tenders whose category is one of ``codes`` or lies below one of them (codes are dotted paths)."""
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(**{prefix: code}) | Q(**{f"{prefix}__startswith": f"{code}."})
    return condition


def member_emails_subquery(company: Company) -> QuerySet:
    return Membership.objects.active().filter(company=company).values("user__email")


def invitations_of(company: Company) -> QuerySet[TenderInvitation]:
    """Invitations addressed to ``company``: by name, or to the email of one of its active members."""
    return TenderInvitation.objects.filter(Q(supplier=company) | Q(email__in=member_emails_subquery(company)))


def supplier_visibility_q(company: Company) -> Q:
    """The condition under which ``company``, as a supplier, sees a tender it does not buy."""
    codes = list(company.categories.values_list("code", flat=True))
    invited = Exists(invitations_of(company).filter(tender=OuterRef("pk")))
    public_in_category = Q(visibility=Visibility.PUBLIC) & _category_q(codes)
    return (
        Q(status__in=SUPPLIER_VISIBLE_STATUSES, published_at__isnull=False)
        & ~Q(buyer=company)
        & (public_in_category | invited)
    )


def supplier_can_see(tender: Tender, company: Company | None) -> bool:
    """True when ``company`` sees ``tender`` as a supplier (public in its category, or invited)."""
    if company is None or tender.buyer_id == company.pk:
        return False
    return Tender.objects.filter(supplier_visibility_q(company), pk=tender.pk).exists()


def is_buyer(tender: Tender, company: Company | None) -> bool:
    return company is not None and tender.buyer_id == company.pk


def tender_is_participant(tender: Tender, company: Company | None) -> bool:
    """Invited or public-in-category (tenders' part; quotes adds "has a quote")."""
    return supplier_can_see(tender, company)


def tender_list_for(*, actor: Any, company: Company | None) -> QuerySet[Tender]:
    """Every tender ``company`` may see, acting through ``actor``; empty when the actor may not view.

    Related rows the list shows (buyer, category) are joined, so the query count does not grow with
    the number of tenders.
    """
    if company is None or not permissions.can(actor, "tender.view", company):
        return Tender.objects.none()
    # A company that only buys never sees tenders as a supplier; leaving the OR out lets the database
    # walk the (buyer, created_at) index instead of scanning and sorting every tender.
    visible = (
        Q(buyer=company) if company.kind == CompanyKind.BUYER else Q(buyer=company) | supplier_visibility_q(company)
    )
    return Tender.objects.filter(visible).select_related("buyer", "category").order_by("-created_at", "-id")


def tender_get_for(*, actor: Any, company: Company | None, pk: Any) -> Tender:
    """The tender ``pk`` if ``company`` may see it; NotFound otherwise (also for malformed ids)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such tender.") from None
    tender = tender_list_for(actor=actor, company=company).filter(pk=pk).first()
    if tender is None:
        raise NotFound("No such tender.")
    return tender


def tender_detail_for(*, actor: Any, company: Company | None, pk: Any) -> Tender:
    """Like tender_get_for, with items, criteria and documents loaded for a detail view."""
    tender = tender_get_for(actor=actor, company=company, pk=pk)
    return (
        Tender.objects.select_related("buyer", "category", "created_by")
        .prefetch_related("items", "criteria", "openers__user", documents_prefetch())
        .get(pk=tender.pk)
    )


def items_for(tender: Tender) -> QuerySet[TenderItem]:
    return tender.items.order_by("number")


def documents_prefetch() -> Prefetch:
    return Prefetch(
        "documents",
        queryset=TenderDocument.objects.order_by("id").prefetch_related(
            Prefetch("versions", queryset=TenderDocumentVersion.objects.order_by("-number"))
        ),
    )


def documents_for(tender: Tender) -> QuerySet[TenderDocument]:
    return (
        TenderDocument.objects.filter(tender=tender)
        .order_by("id")
        .prefetch_related(Prefetch("versions", queryset=TenderDocumentVersion.objects.order_by("-number")))
    )


def document_version_for(
    *, actor: Any, company: Company | None, tender_pk: Any, document_pk: Any, number: int | None = None
) -> TenderDocumentVersion:
    """A file the company may download: it must see the tender; ``number`` None means the current one."""
    tender = tender_get_for(actor=actor, company=company, pk=tender_pk)
    versions = TenderDocumentVersion.objects.select_related("document").filter(
        document__tender=tender, document_id=document_pk
    )
    version = versions.filter(number=number).first() if number is not None else versions.order_by("-number").first()
    if version is None:
        raise NotFound("No such document.")
    return version


def invitations_for(*, tender: Tender, company: Company) -> QuerySet[TenderInvitation]:
    """The buyer sees every invitation; a supplier sees only those addressed to it."""
    queryset = TenderInvitation.objects.filter(tender=tender).select_related("supplier").order_by("id")
    if is_buyer(tender, company):
        return queryset
    return queryset.filter(pk__in=invitations_of(company).filter(tender=tender).values("pk"))


def invitation_get_for(*, tender: Tender, company: Company, pk: Any) -> TenderInvitation:
    invitation = invitations_for(tender=tender, company=company).filter(pk=pk).first()
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


def clarifications_for(*, tender: Tender, company: Company) -> QuerySet[Clarification]:
    """The buyer sees every question; a supplier sees the published answers and its own questions."""
    queryset = Clarification.objects.filter(tender=tender).select_related("asked_by_company").order_by("asked_at", "id")
    if is_buyer(tender, company):
        return queryset
    return queryset.filter(Q(published=True) | Q(asked_by_company=company))


def clarification_get_for(*, tender: Tender, company: Company, pk: Any) -> Clarification:
    clarification = clarifications_for(tender=tender, company=company).filter(pk=pk).first()
    if clarification is None:
        raise NotFound("No such clarification.")
    return clarification


def amendments_for(tender: Tender) -> QuerySet[Amendment]:
    """The amendment history, oldest first: everyone who sees the tender sees what changed and why."""
    return Amendment.objects.filter(tender=tender).order_by("version")


def supplier_companies_for(tender: Tender) -> QuerySet[Company]:
    """The supplier companies that may see ``tender``: invited (by name or member email) or in its category.

    Subscribers (notifications, calendar) use it to address everyone a change concerns.
    """
    invited_emails = TenderInvitation.objects.filter(tender=tender).exclude(email="").values("email")
    invited = Q(tender_invitations__tender=tender) | Q(
        memberships__is_active=True, memberships__user__is_active=True, memberships__user__email__in=invited_emails
    )
    condition = invited
    if tender.visibility == Visibility.PUBLIC and tender.category_id:
        category = Category.objects.get(pk=tender.category_id)
        # Companies registered in the tender's category or in any category above it.
        ancestors = [category.code.rsplit(".", depth)[0] for depth in range(category.depth + 1)]
        condition |= Q(categories__code__in=ancestors)
    return Company.objects.filter(condition).exclude(pk=tender.buyer_id).distinct()


def tenders_due_for_closing(now: Any) -> QuerySet[Tender]:
    return Tender.objects.filter(status=TenderStatus.PUBLISHED, submission_deadline__lte=now).order_by("pk")


def public_open_tenders() -> QuerySet[Tender]:
    """Published public tenders still accepting quotes: what anyone, signed in or not, may browse.

    Callers show the listing fields only (never the budget unless ``budget_visible_to_suppliers``);
    invited-only tenders and every other state stay out.
    """
    from django.utils import timezone

    return (
        Tender.objects.filter(
            status=TenderStatus.PUBLISHED,
            visibility=Visibility.PUBLIC,
            published_at__isnull=False,
            submission_deadline__gt=timezone.now(),
        )
        .select_related("buyer", "category")
        .order_by("submission_deadline", "id")
    )
