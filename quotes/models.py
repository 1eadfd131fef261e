"""Quotes: a supplier's answer to a tender, its submitted revisions and receipts, the opening,
evaluation scores and awards.

Sealed (DESIGN rule 2): nothing here decides who may read what; quotes.selectors does, and every
page, API view, admin view and export reads through it. Immutable (rule 4): a submitted
``QuoteRevision`` and the opening record can be inserted but never updated or deleted — refused by
the model (``save``/``delete``), by the QuerySet (``update``/``delete``) and, on PostgreSQL, by a
trigger (migration 0002), so not even raw SQL from a shell changes a submitted price.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cotai.exceptions import InvalidState
from quotes.choices import OPENED_STATUSES, OpeningMethod, QuoteStatus

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ImmutableRecordError(InvalidState):
    """Raised on any attempt to change or delete a record that may only be inserted."""

    code = "immutable_record"
    title = "This record cannot be changed"


class InsertOnlyQuerySet(models.QuerySet):
    """A QuerySet whose rows can be inserted and read, never updated or deleted in bulk."""

    def update(self, **kwargs):
        raise ImmutableRecordError(f"{self.model._meta.verbose_name_plural} are immutable: update refused.")

    def delete(self):
        raise ImmutableRecordError(f"{self.model._meta.verbose_name_plural} are immutable: delete refused.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableRecordError(f"{self.model._meta.verbose_name_plural} are immutable: update refused.")

    # _raw_delete bypasses delete() (the deletion collector uses it); refused too.
    def _raw_delete(self, using):
        raise ImmutableRecordError(f"{self.model._meta.verbose_name_plural} are immutable: delete refused.")

    _raw_delete.alters_data = True


class InsertOnlyModel(models.Model):
    """Base for records that are written once: ``save`` of an existing row and ``delete`` raise."""

    objects = InsertOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(f"{self._meta.verbose_name} {self.pk} is immutable: it cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(f"{self._meta.verbose_name} {self.pk} is immutable: it cannot be deleted.")


class QuoteQuerySet(models.QuerySet["Quote"]):
    """Repository of quotes. Visibility lives in quotes.selectors, which build on these filters."""

    def opened(self) -> QuoteQuerySet:
        return self.filter(status__in=OPENED_STATUSES)

    def submitted(self) -> QuoteQuerySet:
        return self.filter(status=QuoteStatus.SUBMITTED, current_revision__isnull=False)


class Quote(models.Model):
    """One supplier company's quote for one tender (at most one per pair).

    The editable part (terms here, lines in ``QuoteLine``, attachments) is the supplier's working
    copy; what counts is the ``current_revision``, the last one submitted. ``confirmed_version`` is the
    tender version the supplier last submitted or confirmed against (0 before the first submission):
    the quote needs confirmation while ``tender.material_version > confirmed_version``.
    """

    tender = models.ForeignKey("tenders.Tender", on_delete=models.PROTECT, related_name="quotes")
    supplier = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="quotes")
    status = models.CharField(max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT, editable=False)
    delivery_days = models.PositiveIntegerField(null=True, blank=True, help_text="Days from order to delivery.")
    validity_date = models.DateField(null=True, blank=True, help_text="The quote is binding until this day.")
    payment_terms = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    # Answers to the tender's questionnaire; {} until the tender has one.
    questionnaire_answers = models.JSONField(default=dict, blank=True)
    current_revision = models.ForeignKey(
        "QuoteRevision", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    confirmed_version = models.PositiveIntegerField(default=0, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdraw_reason = models.TextField(blank=True, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_reason = models.TextField(blank=True, editable=False, help_text="Why it was rejected.")
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "supplier"], name="quotes_quote_one_per_supplier"),
            models.CheckConstraint(
                condition=Q(status=QuoteStatus.DRAFT) | Q(current_revision__isnull=False),
                name="quotes_quote_submitted_has_revision",
            ),
        ]
        indexes = [models.Index(fields=["tender", "status"], name="quotes_tender_status_idx")]

    def __str__(self) -> str:
        return f"Quote {self.pk} ({self.supplier_id} -> tender {self.tender_id})"

    @property
    def is_opened(self) -> bool:
        return self.status in OPENED_STATUSES


class QuoteLine(models.Model):
    """A line of the supplier's working copy: what it offers for one tender item.

    Amounts are exact Decimals; totals are never stored here — they are computed by quotes.money
    and frozen only in a submitted revision.
    """

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("tenders.TenderItem", on_delete=models.CASCADE, related_name="+")
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, validators=[MinValueValidator(Decimal("0"))])
    quantity = models.DecimalField(max_digits=18, decimal_places=4, validators=[MinValueValidator(Decimal("0"))])
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    brand_model = models.CharField("brand/model", max_length=200, blank=True)
    notes = models.TextField(blank=True)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"), validators=PERCENT_VALIDATORS)
    discount = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"), validators=PERCENT_VALIDATORS)

    class Meta:
        ordering = ["quote_id", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "item"], name="quotes_line_one_per_item"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quotes_line_price_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quotes_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100, discount__gte=0, discount__lte=100),
                name="quotes_line_percentages_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.item_id}"


def attachment_upload_to(instance: QuoteAttachment, filename: str) -> str:
    # The stored name is derived from the content hash: never a client-chosen path.
    return f"quotes/{instance.quote.tender_id}/{instance.quote_id}/{instance.sha256[:32]}"


class QuoteAttachment(models.Model):
    """A file the supplier attaches to its quote. Its SHA-256 goes into every revision that lists it.

    Removing an attachment only sets ``removed_at``: a revision submitted with it still names it
    and the file stays available (nothing is lost).
    """

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["quote_id", "id"]

    def __str__(self) -> str:
        return self.filename


class QuoteRevision(InsertOnlyModel):
    """A submitted state of a quote, frozen: its receipt is ``submitted_at`` + ``content_sha256``.

    ``content`` is the canonical snapshot (terms, lines with their totals, quote totals, attachment
    digests, the server time of submission) and ``content_sha256`` the SHA-256 of its canonical JSON
    (quotes.receipts). The total columns repeat the content's totals so lists can filter and order
    by price without reading JSON; they are written once with the content and never change.
    """

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    tender_version = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=30, decimal_places=4)
    discount_total = models.DecimalField(max_digits=30, decimal_places=4)
    tax_total = models.DecimalField(max_digits=30, decimal_places=4)
    total = models.DecimalField(max_digits=30, decimal_places=4)
    line_count = models.PositiveIntegerField()
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        base_manager_name = "objects"
        ordering = ["quote_id", "number"]
        constraints = [models.UniqueConstraint(fields=["quote", "number"], name="quotes_revision_number_unique")]

    def __str__(self) -> str:
        return f"Quote {self.quote_id} revision {self.number}"


class OpeningConfirmation(models.Model):
    """A named opener's confirmation that the quotes of a tender may be opened (committee opening).

    Counted only when made on or after the tender's opening time, by a user named in
    ``tender.openers``; one per opener.
    """

    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="opening_confirmations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["tender_id", "confirmed_at"]
        constraints = [models.UniqueConstraint(fields=["tender", "user"], name="quotes_opening_confirmation_unique")]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.user_id}"


class TenderOpening(InsertOnlyModel):
    """The record of a tender's opening: when, how, by whom, and (in ``entries``) what was opened."""

    tender = models.OneToOneField("tenders.Tender", on_delete=models.PROTECT, related_name="opening")
    opened_at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=OpeningMethod.choices)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    openers = models.JSONField(default=list, help_text="Ids of the openers whose confirmations counted.")
    quote_count = models.PositiveIntegerField()

    class Meta:
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"Opening of tender {self.tender_id}"


class OpeningEntry(InsertOnlyModel):
    """One quote opened: the revision that was current at the opening, with its receipt."""

    opening = models.ForeignKey(TenderOpening, on_delete=models.PROTECT, related_name="entries")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(QuoteRevision, on_delete=models.PROTECT, related_name="+")
    revision_number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        base_manager_name = "objects"
        ordering = ["opening_id", "id"]
        constraints = [models.UniqueConstraint(fields=["opening", "quote"], name="quotes_opening_entry_unique")]

    def __str__(self) -> str:
        return f"{self.opening_id}: quote {self.quote_id} r{self.revision_number}"


class QuoteScore(models.Model):
    """An evaluator's score (0-10, with a comment) of one opened quote on one non-price criterion.

    The price criterion is never scored by hand: it is computed (lowest total / this total x weight).
    """

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("tenders.TenderCriterion", on_delete=models.CASCADE, related_name="+")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["quote_id", "criterion_id", "evaluator_id"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "criterion", "evaluator"], name="quotes_score_unique"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=10), name="quotes_score_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.criterion_id}: {self.score}"


class Award(models.Model):
    """An award: the whole tender (``item`` is null) or one item (split award) to one quote.

    Invariants: per tender either one whole-tender award or item awards, each item awarded once;
    ``amount`` is the awarded amount in the tender's currency (the quote's total, or the line's total).
    """

    tender = models.ForeignKey("tenders.Tender", on_delete=models.PROTECT, related_name="awards")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="awards")
    revision = models.ForeignKey(QuoteRevision, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("tenders.TenderItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(max_digits=30, decimal_places=4)
    currency = models.CharField(max_length=3)
    note = models.TextField(blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    awarded_at = models.DateTimeField()

    class Meta:
        ordering = ["tender_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "item"], condition=Q(item__isnull=False), name="quotes_award_item_once"
            ),
            models.UniqueConstraint(
                fields=["tender"], condition=Q(item__isnull=True), name="quotes_award_whole_tender_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Award {self.pk}: tender {self.tender_id} -> quote {self.quote_id}"
