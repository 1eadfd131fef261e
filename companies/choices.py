"""Enumerations of the companies domain."""

from __future__ import annotations

from django.db import models


class CompanyKind(models.TextChoices):
    """Which side of a tender a company takes. ``both`` companies buy and sell."""

    BUYER = "buyer", "Buyer"
    SUPPLIER = "supplier", "Supplier"
    BOTH = "both", "Buyer and supplier"


class Role(models.TextChoices):
    """A member's role in one company; what each may do is in companies.permissions."""

    OWNER = "owner", "Owner"
    ADMIN = "admin", "Administrator"
    BUYER = "buyer", "Buyer"
    EVALUATOR = "evaluator", "Evaluator"
    SUPPLIER_REP = "supplier_rep", "Supplier representative"
    VIEWER = "viewer", "Viewer"


class InvitationStatus(models.TextChoices):
    """Derived from the invitation's timestamps (never stored), so it cannot disagree with them."""

    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
