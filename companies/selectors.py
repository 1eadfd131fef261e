"""Reads with rules: every function returns only what the actor may see.

Another company's objects are NotFound (404), never PermissionDenied (403), so guessing ids reveals
nothing; a member whose role does not allow a read gets PermissionDenied. Related rows are fetched
here (select_related / prefetch_related / annotations) so pages and API do a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from companies import permissions
from companies.models import Category, Company, Invitation, Membership
from cotai.exceptions import NotFound


def _visible_companies(actor: Any) -> QuerySet[Company]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Company.objects.none()
    if permissions.is_api_key(actor):
        return Company.objects.filter(pk=actor.company_id)
    if not getattr(actor, "is_active", False):
        return Company.objects.none()
    return Company.objects.filter(memberships__user_id=actor.pk, memberships__is_active=True)


def company_list_for(*, actor: Any) -> QuerySet[Company]:
    """The companies ``actor`` belongs to (an API key: its company, if it may read it), with
    ``member_count`` and the actor's ``my_role`` annotated and categories prefetched."""
    companies = _visible_companies(actor)
    if actor is None or (permissions.is_api_key(actor) and "companies:read" not in actor.scopes):
        return Company.objects.none()
    member_count = Count("memberships", filter=Q(memberships__is_active=True, memberships__user__is_active=True))
    ids = companies.values("pk")
    queryset = Company.objects.filter(pk__in=ids).annotate(member_count=member_count)
    if not permissions.is_api_key(actor):
        # The actor's own role, without one query per row.
        mine = Membership.objects.filter(user_id=actor.pk, is_active=True)
        queryset = queryset.prefetch_related(Prefetch("memberships", queryset=mine, to_attr="my_memberships"))
    return queryset.prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("code")))


def company_get_for(*, actor: Any, pk: int | str | None = None, slug: str | None = None) -> Company:
    """One company ``actor`` may view; NotFound for any other (or unknown) company."""
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    try:
        company = _visible_companies(actor).prefetch_related("categories").distinct().get(**lookup)
    except (Company.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such company.") from exc
    permissions.require(actor, permissions.COMPANY_VIEW, company)
    return company


def user_memberships(user: Any) -> list[Membership]:
    """The active memberships of a person with their companies, ordered by company name (header switcher)."""
    if user is None or not getattr(user, "is_authenticated", False) or permissions.is_api_key(user):
        return []
    return list(
        Membership.objects.filter(user_id=user.pk, is_active=True)
        .select_related("company")
        .order_by("company__legal_name", "company_id")
    )


def membership_list_for(*, actor: Any, company: Company) -> QuerySet[Membership]:
    """The active members of ``company``; needs company.view_members."""
    permissions.require(actor, permissions.COMPANY_VIEW_MEMBERS, company)
    return (
        Membership.objects.active()
        .filter(company=company)
        .select_related("user", "company")
        .order_by("user__email", "pk")
    )


def membership_get_for(*, actor: Any, company: Company, pk: int | str) -> Membership:
    """One active member of ``company``; NotFound if the id belongs to another company or is unknown."""
    try:
        return membership_list_for(actor=actor, company=company).get(pk=pk)
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such member.") from exc


def invitation_list_for(*, actor: Any, company: Company) -> QuerySet[Invitation]:
    """Every invitation of ``company``, newest first; needs company.manage_members."""
    permissions.require(actor, permissions.COMPANY_MANAGE_MEMBERS, company)
    return Invitation.objects.filter(company=company).select_related("company", "invited_by", "accepted_by")


def invitation_get_for(*, actor: Any, company: Company, pk: int | str) -> Invitation:
    try:
        return invitation_list_for(actor=actor, company=company).get(pk=pk)
    except (Invitation.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such invitation.") from exc


def category_list() -> QuerySet[Category]:
    """The active taxonomy, in tree order (codes are dotted paths), with parents fetched."""
    return Category.objects.active().select_related("parent").order_by("code")


def category_choices() -> list[tuple[int, str]]:
    """(id, indented name) pairs for select boxes, in tree order."""
    return [(category.pk, "— " * category.depth + category.name) for category in category_list()]
