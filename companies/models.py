"""Companies (the tenants), their members and roles, invitations and the category taxonomy."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField

from companies.choices import CompanyKind, InvitationStatus, Role
from companies.validators import display_tax_id, normalize_tax_id

COMPANY_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
CATEGORY_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$")


def hash_token(token: str) -> str:
    """SHA-256 hex of an invitation token: tokens are 32 random bytes, so a fast hash is right."""
    return hashlib.sha256(token.encode()).hexdigest()


class CategoryQuerySet(models.QuerySet["Category"]):
    def active(self) -> CategoryQuerySet:
        return self.filter(is_active=True)

    def roots(self) -> CategoryQuerySet:
        return self.filter(parent__isnull=True)

    def subtree(self, category: Category) -> CategoryQuerySet:
        """The category and everything below it (codes are dotted paths, so a prefix finds them)."""
        return self.filter(Q(pk=category.pk) | Q(code__startswith=f"{category.code}."))


class Category(models.Model):
    """A node of the goods-and-services taxonomy shared by companies (what they supply) and tenders.

    Invariant: ``code`` is a dotted path that extends the parent's code by one segment
    (``goods.it.hardware`` under ``goods.it``), so a subtree is one prefix query.
    """

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    code = models.CharField(
        max_length=120,
        unique=True,
        validators=[RegexValidator(CATEGORY_CODE_RE, "Use lower-case words joined by '-' and levels by '.'.")],
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order among siblings.")
    is_active = models.BooleanField(default=True, help_text="Inactive categories are kept for history but not offered.")

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.code.count(".")

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None and "." in (self.code or ""):
            raise ValidationError({"parent": "A category whose code has several levels needs its parent."})
        if self.parent is not None:
            expected = f"{self.parent.code}."
            if not (self.code or "").startswith(expected) or "." in self.code[len(expected) :]:
                raise ValidationError({"code": f"The code must be '{expected}<segment>'."})


class Company(models.Model):
    """A tenant: every tender, quote, board and report belongs to one company.

    Invariants: ``tax_id`` is stored normalized for its country (a CNPJ as 14 characters without
    punctuation) and is unique per country; ``slug`` and ``code`` never change once set (URLs and
    readable numbers such as ACME-2026-0042 rely on them); ``is_verified`` is set by staff only.
    """

    legal_name = models.CharField(max_length=200)
    trade_name = models.CharField(max_length=200, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    code = models.CharField(
        max_length=10,
        unique=True,
        validators=[RegexValidator(COMPANY_CODE_RE, "2 to 10 upper-case letters or digits, starting with a letter.")],
        help_text="Short code used in readable numbers, e.g. ACME in ACME-2026-0042.",
    )
    tax_id = models.CharField("tax id", max_length=40, help_text="CNPJ in Brazil; the national tax number elsewhere.")
    country = CountryField()
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (continued)", max_length=200, blank=True)
    city = models.CharField(max_length=120, blank=True)
    state = models.CharField("state or region", max_length=120, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    website = models.URLField(max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=CompanyKind.choices, default=CompanyKind.BOTH)
    categories = models.ManyToManyField(Category, blank=True, related_name="companies")
    is_verified = models.BooleanField(default=False, help_text="Set by staff after checking the company's documents.")
    verified_at = models.DateTimeField(null=True, blank=True)
    mfa_required = models.BooleanField(
        default=False, help_text="Members must use two-factor authentication to act for this company."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name", "id"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(fields=["country", "tax_id"], name="companies_company_tax_id_per_country"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def tax_id_display(self) -> str:
        return display_tax_id(country=str(self.country), value=self.tax_id)

    @property
    def buys(self) -> bool:
        return self.kind in (CompanyKind.BUYER, CompanyKind.BOTH)

    @property
    def supplies(self) -> bool:
        return self.kind in (CompanyKind.SUPPLIER, CompanyKind.BOTH)

    def clean(self) -> None:
        super().clean()
        if self.tax_id and self.country:
            try:
                self.tax_id = normalize_tax_id(country=str(self.country), value=self.tax_id)
            except ValidationError as exc:
                raise ValidationError({"tax_id": exc.messages}) from exc


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        """Memberships that grant anything: the membership and its user are both active."""
        return self.filter(is_active=True, user__is_active=True)

    def owners(self) -> MembershipQuerySet:
        return self.active().filter(role=Role.OWNER)


class Membership(models.Model):
    """A user's role in a company. One row per (user, company).

    Leaving or being removed sets ``is_active`` to False instead of deleting the row, so what the
    person did for the company keeps pointing at a real membership; a new invitation reactivates it.
    Invariant (kept by companies.services): an active company always has at least one active owner.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["company_id", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="companies_membership_one_per_user_company"),
        ]
        indexes = [models.Index(fields=["company", "role", "is_active"], name="companies_m_company_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.company} ({self.get_role_display()})"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> InvitationQuerySet:
        """Neither accepted nor revoked (they may still have expired)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self, now: Any = None) -> InvitationQuerySet:
        return self.open().filter(expires_at__gt=now or timezone.now())

    def with_status(self, status: str, now: Any = None) -> InvitationQuerySet:
        now = now or timezone.now()
        if status == InvitationStatus.ACCEPTED:
            return self.filter(accepted_at__isnull=False)
        if status == InvitationStatus.REVOKED:
            return self.filter(revoked_at__isnull=False)
        if status == InvitationStatus.EXPIRED:
            return self.open().filter(expires_at__lte=now)
        return self.pending(now)


class Invitation(models.Model):
    """An invitation by email to join a company in a role.

    Only the SHA-256 of its token is stored; the token itself is in the email and nowhere else.
    Single use: accepting sets ``accepted_at`` with a conditional update, so two clicks cannot both
    win. At most one open invitation exists per (company, email); a new one revokes the old.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "company",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="companies_invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company} ({self.get_role_display()})"

    def status_at(self, now: Any = None) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status(self) -> InvitationStatus:
        return self.status_at()

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING
