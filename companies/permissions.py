"""The one place that says which role may do what. Pages, the API, admin actions and services ask it.

``can(actor, action, company)`` answers for three kinds of actor:

- a person (``accounts.User``): allowed iff they have an active membership in ``company`` whose role
  lists the action, and the company's kind allows it (buy-side actions need a company that buys,
  supply-side actions a company that supplies);
- an API key (``accounts.principals.ApiKeyPrincipal``): allowed iff the key belongs to ``company``,
  the key carries the scope the action needs (ACTION_SCOPES) and the company's kind allows it.
  Actions without a scope (managing members or keys, editing the company) are for people only;
- anyone else (anonymous, None): never.

Staff users get nothing extra here: the back office has its own rules in the admin.
Object-level rules (this tender belongs to that company, this quote is sealed) live in each app's
selectors and services, which call this module for the role part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from companies.choices import CompanyKind, Role
from cotai.exceptions import PermissionDenied

if TYPE_CHECKING:
    from companies.models import Company, Membership

# --- actions -------------------------------------------------------------------------------------
COMPANY_VIEW = "company.view"
COMPANY_VIEW_MEMBERS = "company.view_members"
COMPANY_EDIT = "company.edit"
COMPANY_MANAGE_MEMBERS = "company.manage_members"
COMPANY_MANAGE_OWNERS = "company.manage_owners"
COMPANY_MANAGE_API_KEYS = "company.manage_api_keys"
COMPANY_VIEW_AUDIT = "company.view_audit"

COMPANY_ACTIONS = frozenset(
    {
        COMPANY_VIEW,
        COMPANY_VIEW_MEMBERS,
        COMPANY_EDIT,
        COMPANY_MANAGE_MEMBERS,
        COMPANY_MANAGE_OWNERS,
        COMPANY_MANAGE_API_KEYS,
        COMPANY_VIEW_AUDIT,
    }
)
# Actions of the buying side: only companies of kind buyer or both can take them.
BUY_SIDE_ACTIONS = frozenset(
    {
        "tender.create",
        "tender.edit",
        "tender.publish",
        "tender.amend",
        "tender.cancel",
        "tender.invite",
        "clarification.answer",
        "evaluation.view",
        "evaluation.score",
        "award.make",
    }
)
# Actions of the supplying side: only companies of kind supplier or both can take them.
SUPPLY_SIDE_ACTIONS = frozenset({"clarification.ask", "quote.edit", "quote.submit", "quote.withdraw"})
# Either side (what each side sees is decided by the object-level rules of tenders and quotes).
SHARED_ACTIONS = frozenset({"tender.view", "quote.view", "notifications.view", "webhooks.manage", "reports.view"})

ALL_ACTIONS = COMPANY_ACTIONS | BUY_SIDE_ACTIONS | SUPPLY_SIDE_ACTIONS | SHARED_ACTIONS

_READ = frozenset(
    {COMPANY_VIEW, COMPANY_VIEW_MEMBERS, "tender.view", "quote.view", "evaluation.view", "notifications.view"}
)

ROLE_ACTIONS: dict[Role, frozenset[str]] = {
    Role.OWNER: ALL_ACTIONS,
    # Everything an owner does except touching owners (promote, demote, remove, invite as owner).
    Role.ADMIN: ALL_ACTIONS - {COMPANY_MANAGE_OWNERS},
    Role.BUYER: _READ
    | {
        "tender.create",
        "tender.edit",
        "tender.publish",
        "tender.amend",
        "tender.cancel",
        "tender.invite",
        "clarification.answer",
        "award.make",
        "reports.view",
    },
    Role.EVALUATOR: _READ | {"evaluation.score", "reports.view"},
    Role.SUPPLIER_REP: (_READ - {"evaluation.view"})
    | {"clarification.ask", "quote.edit", "quote.submit", "quote.withdraw"},
    Role.VIEWER: _READ | {"reports.view"},
}

# The API-key scope each action needs; actions missing here cannot be done with an API key.
ACTION_SCOPES: dict[str, str] = {
    COMPANY_VIEW: "companies:read",
    COMPANY_VIEW_MEMBERS: "companies:read",
    # The trail holds addresses and before/after values: more than a profile, so a scope of its own.
    COMPANY_VIEW_AUDIT: "audit:read",
    "tender.view": "tenders:read",
    "tender.create": "tenders:write",
    "tender.edit": "tenders:write",
    "tender.publish": "tenders:write",
    "tender.amend": "tenders:write",
    "tender.cancel": "tenders:write",
    "tender.invite": "tenders:write",
    "clarification.answer": "tenders:write",
    "clarification.ask": "tenders:write",
    "award.make": "tenders:write",
    "quote.view": "quotes:read",
    "quote.edit": "quotes:write",
    "quote.submit": "quotes:write",
    "quote.withdraw": "quotes:write",
    "evaluation.view": "quotes:read",
    "evaluation.score": "quotes:write",
    "notifications.view": "notifications:read",
    "webhooks.manage": "webhooks:manage",
    "reports.view": "reports:read",
}

# Roles an inviter or a role change may hand out without the owner-only action.
ROLES_WITHOUT_OWNER = tuple(role for role in Role if role != Role.OWNER)

# Request-scoped cache of a person's memberships, filled by ActiveCompanyMiddleware so that a page
# asking can() many times does not query once per question. Services that change memberships clear it.
MEMBERSHIP_CACHE_ATTR = "_companies_memberships"


def _check_action(action: str) -> None:
    if action not in ALL_ACTIONS:
        raise ValueError(f"Unknown action {action!r}; add it to companies.permissions first.")


def is_api_key(actor: Any) -> bool:
    """True for an ApiKeyPrincipal (it has an ``api_key`` and no primary key of its own)."""
    return getattr(actor, "api_key", None) is not None and getattr(actor, "pk", None) is None


def kind_allows(company: Company, action: str) -> bool:
    if action in BUY_SIDE_ACTIONS:
        return company.kind in (CompanyKind.BUYER, CompanyKind.BOTH)
    if action in SUPPLY_SIDE_ACTIONS:
        return company.kind in (CompanyKind.SUPPLIER, CompanyKind.BOTH)
    return True


def prime_membership_cache(user: Any, memberships: list[Membership]) -> None:
    """Remember ``user``'s active memberships for the rest of this request (see MEMBERSHIP_CACHE_ATTR)."""
    setattr(user, MEMBERSHIP_CACHE_ATTR, {membership.company_id: membership for membership in memberships})


def clear_membership_cache(*users: Any) -> None:
    for user in users:
        if user is not None and hasattr(user, MEMBERSHIP_CACHE_ATTR):
            delattr(user, MEMBERSHIP_CACHE_ATTR)


def membership_for(user: Any, company: Company | None) -> Membership | None:
    """The active membership of a person in ``company``, or None (also for API keys and anonymous)."""
    if company is None or user is None or is_api_key(user) or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", False):
        return None
    cache = getattr(user, MEMBERSHIP_CACHE_ATTR, None)
    if cache is not None:
        return cache.get(company.pk)
    from companies.models import Membership

    return Membership.objects.filter(user_id=user.pk, company_id=company.pk, is_active=True).first()


def role_for(user: Any, company: Company | None) -> Role | None:
    membership = membership_for(user, company)
    return Role(membership.role) if membership else None


def can(actor: Any, action: str, company: Company | None) -> bool:
    """May ``actor`` (User, ApiKeyPrincipal, AnonymousUser or None) do ``action`` for ``company``?"""
    _check_action(action)
    if actor is None or company is None or not getattr(actor, "is_authenticated", False):
        return False
    if not kind_allows(company, action):
        return False
    if is_api_key(actor):
        scope = ACTION_SCOPES.get(action)
        return scope is not None and actor.company_id == company.pk and scope in actor.scopes
    membership = membership_for(actor, company)
    return membership is not None and action in ROLE_ACTIONS[Role(membership.role)]


def require(actor: Any, action: str, company: Company | None) -> None:
    """Raise cotai.exceptions.PermissionDenied unless ``can(actor, action, company)``."""
    if not can(actor, action, company):
        raise PermissionDenied("Your role in this company does not allow this.", extra={"action": action})


def actions_for(actor: Any, company: Company | None) -> frozenset[str]:
    """Every action ``actor`` may do for ``company`` (templates use it to show only usable buttons)."""
    if company is None:
        return frozenset()
    return frozenset(action for action in ALL_ACTIONS if can(actor, action, company))


def assignable_roles(actor: Any, company: Company) -> list[Role]:
    """The roles ``actor`` may give to someone in ``company`` (owner only if they may manage owners)."""
    if not can(actor, COMPANY_MANAGE_MEMBERS, company):
        return []
    if can(actor, COMPANY_MANAGE_OWNERS, company):
        return list(Role)
    return list(ROLES_WITHOUT_OWNER)
