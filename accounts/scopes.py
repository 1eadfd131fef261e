"""API-key scopes: what a service-to-service key may do.

A key carries a set of these; an endpoint names the scope it needs (``required_scopes`` on a DRF
view, or ``companies.permissions.ACTION_SCOPES`` for actions). People signing in with a password or
a JWT are not limited by scopes: their role in the company decides.
"""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "tenders:read": "Read the company's tenders, items, documents and clarifications.",
    "tenders:write": "Create and change tenders: drafts, publishing, amendments, invitations, answers.",
    "quotes:read": "Read quotes the company may see (its own, or opened quotes on its tenders).",
    "quotes:write": "Prepare, submit and withdraw the company's quotes.",
    "notifications:read": "Read the company's notifications.",
    "webhooks:manage": "Create, change and delete the company's webhook endpoints.",
    "reports:read": "Read reports and exports.",
    "companies:read": "Read the company profile and its members.",
    "audit:read": "Read the company's audit trail (who changed what, when and from which address).",
}

SCOPE_CHOICES: list[tuple[str, str]] = [(name, name) for name in SCOPES]


def validate_scopes(scopes: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """The scopes sorted and without duplicates; raises ValueError naming any unknown scope."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}.")
    return sorted(set(scopes))
