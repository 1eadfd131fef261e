"""Tenders: what a buyer wants to buy, line by line, with deadlines, documents, questions and amendments.

Rows change only through tenders.services (status, versions, numbers); the invariants that belong
to one row are constraints here, the ones that span rows (weights sum to 100, items numbered
1..n) are checked by the services, which are the only writers.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from tenders.choices import CriterionKind, InvitationStatus, TenderStatus, TenderType, Visibility


class TenderQuerySet(models.QuerySet["Tender"]):
    """Repository of tenders; who may see which lives in tenders.selectors."""

    def due_for_closing(self, now) -> TenderQuerySet:
        return self.filter(status=TenderStatus.PUBLISHED, submission_deadline__lte=now)


class Tender(models.Model):
    """A buyer's request for quotations.

    Invariants: ``number`` is unique per buyer and never changes; ``version`` starts at 1 and grows by
    one per amendment; ``material_version`` is the version of the last material amendment (1 at
    publishing), so a quote confirmed against an older version needs confirmation; ``opening_at`` is
    never before ``submission_deadline``; published tenders have their three times in order.
    """

    buyer = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="tenders")
    number = models.CharField(max_length=40, editable=False, help_text="Readable, e.g. ACME-2026-0042.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=8, choices=TenderType.choices, default=TenderType.RFQ)
    category = models.ForeignKey(
        "companies.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="tenders"
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. BRL, EUR, USD.")
    estimated_budget = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    budget_visible_to_suppliers = models.BooleanField(default=False)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC)
    delivery_place = models.CharField(max_length=300, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    payment_terms = models.CharField(max_length=300, blank=True)
    quote_validity_days = models.PositiveIntegerField(default=30)
    clarification_deadline = models.DateTimeField(null=True, blank=True)
    submission_deadline = models.DateTimeField(null=True, blank=True)
    opening_at = models.DateTimeField(null=True, blank=True, help_text="Defaults to the submission deadline.")
    allow_partial_quotes = models.BooleanField(default=False, help_text="Suppliers may quote a subset of items.")
    show_quote_count_before_opening = models.BooleanField(default=False)
    committee_opening_required = models.BooleanField(default=False)
    committee_quorum = models.PositiveSmallIntegerField(default=1, help_text="How many named openers must agree.")

    status = models.CharField(max_length=16, choices=TenderStatus.choices, default=TenderStatus.DRAFT, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    material_version = models.PositiveIntegerField(default=1, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    awarded_at = models.DateTimeField(null=True, blank=True, editable=False)
    unsuccessful_at = models.DateTimeField(null=True, blank=True, editable=False)
    unsuccessful_reason = models.TextField(blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancel_reason = models.TextField(blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["buyer", "number"], name="tenders_tender_number_unique_per_buyer"),
            models.CheckConstraint(
                condition=Q(opening_at__isnull=True)
                | Q(submission_deadline__isnull=True)
                | Q(opening_at__gte=models.F("submission_deadline")),
                name="tenders_tender_opening_not_before_deadline",
            ),
            models.CheckConstraint(
                condition=Q(material_version__lte=models.F("version")),
                name="tenders_tender_material_version_le_version",
            ),
            models.CheckConstraint(condition=Q(committee_quorum__gte=1), name="tenders_tender_quorum_positive"),
        ]
        indexes = [
            # The beat task looks for published tenders past their deadline every minute.
            models.Index(fields=["status", "submission_deadline"], name="tenders_status_deadline_idx"),
            models.Index(fields=["buyer", "status"], name="tenders_buyer_status_idx"),
            # A buyer's tender list, newest first.
            models.Index(fields=["buyer", "-created_at", "-id"], name="tenders_buyer_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def effective_opening_at(self):
        return self.opening_at or self.submission_deadline

    @property
    def is_draft(self) -> bool:
        return self.status == TenderStatus.DRAFT


class TenderSequence(models.Model):
    """The last number handed out per buyer and year; the row is locked while a number is allocated."""

    buyer = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["buyer", "year"], name="tenders_sequence_unique_buyer_year")]

    def __str__(self) -> str:
        return f"{self.buyer_id}/{self.year}: {self.last}"


class TenderItem(models.Model):
    """One line of what is being bought. Numbers run 1..n without gaps within a tender."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveIntegerField()
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, validators=[MinValueValidator(Decimal("0"))])
    unit = models.CharField(max_length=20, help_text="e.g. pc, kg, m, h, box.")
    specification = models.TextField(blank=True)
    lot = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["tender_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="tenders_item_number_unique_per_tender"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="tenders_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.description}"


class TenderCriterion(models.Model):
    """An evaluation criterion. Per tender: weights sum to 100 and exactly one criterion is of kind price."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=10, choices=CriterionKind.choices)
    name = models.CharField(max_length=100)
    weight = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["tender_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100), name="tenders_criterion_weight_in_range"
            ),
            models.UniqueConstraint(
                fields=["tender"], condition=Q(kind="price"), name="tenders_criterion_one_price_per_tender"
            ),
        ]
        verbose_name_plural = "tender criteria"

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class TenderOpener(models.Model):
    """A member of the buyer named to open the quotes when a committee opening is required."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="openers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tender", "user"], name="tenders_opener_unique")]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.user_id}"


class TenderDocument(models.Model):
    """A document attached to a tender; its files are the versions, the newest one is current.

    A replaced file stays in the history (never deleted); ``current_version`` is the number of the
    newest version.
    """

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    current_version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tender_id", "id"]

    def __str__(self) -> str:
        return self.title


def document_upload_to(instance: TenderDocumentVersion, filename: str) -> str:
    # The name on disk is the content hash: nothing guessable, and never a client-chosen path.
    tender_id = instance.document.tender_id
    return f"tenders/{tender_id}/documents/{instance.document_id}/v{instance.number}-{instance.sha256[:16]}"


class TenderDocumentVersion(models.Model):
    """One uploaded file of a document; immutable once stored. Served only through the checking view."""

    document = models.ForeignKey(TenderDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=document_upload_to, max_length=300)
    filename = models.CharField(max_length=255, help_text="The name the uploader gave the file.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="tenders_document_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} v{self.number}"


class TenderInvitation(models.Model):
    """An invitation of a registered supplier company, or of an email address (a company not yet on CotAi).

    Invariant: exactly one of ``supplier`` and ``email`` is set; a supplier or an email is invited
    at most once per tender.
    """

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="invitations")
    supplier = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="tender_invitations"
    )
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    decline_reason = models.TextField(blank=True)
    message = models.TextField(blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tender_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(supplier__isnull=False) & Q(email="")) | (Q(supplier__isnull=True) & ~Q(email="")),
                name="tenders_invitation_supplier_xor_email",
            ),
            models.UniqueConstraint(
                fields=["tender", "supplier"],
                condition=Q(supplier__isnull=False),
                name="tenders_invitation_unique_supplier",
            ),
            models.UniqueConstraint(
                fields=["tender", "email"], condition=~Q(email=""), name="tenders_invitation_unique_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} -> {self.supplier_id or self.email}"


class Clarification(models.Model):
    """A supplier's question and the buyer's answer.

    The answer is published to every participant; ``asked_by_company`` is shown to the buyer only,
    never to other suppliers.
    """

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="clarifications")
    asked_by_company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    question = models.TextField()
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    published = models.BooleanField(default=False)

    class Meta:
        ordering = ["tender_id", "asked_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(published=False) | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="tenders_clarification_published_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.question[:50]}"


class Amendment(models.Model):
    """A recorded change of a published tender: who, why, what (diff) and whether it was material.

    ``version`` is the tender version the amendment produced (2, 3, ...; version 1 is the tender as
    published). ``diff`` maps each changed field (or "items", "criteria", "documents") to its before
    and after values; ``diff_text`` is the same, readable.
    """

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="amendments")
    version = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_label = models.CharField(max_length=254, blank=True, help_text="Who, as shown (user or API key).")
    reason = models.TextField()
    material = models.BooleanField(default=False)
    diff = models.JSONField(default=dict)
    diff_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender_id", "version"]
        constraints = [models.UniqueConstraint(fields=["tender", "version"], name="tenders_amendment_version_unique")]

    def __str__(self) -> str:
        return f"{self.tender_id} v{self.version}"
