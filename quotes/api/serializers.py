"""Input and output shapes of the quotes API.

Output: every field is always present (null when it does not apply to the caller); amounts are
strings with the currency's decimals, prices and quantities strings with 4 decimals; times ISO
8601 with offset. Input serializers check types only; the rules are the services'. Totals are
never input: a client sending ``total`` or line totals is ignored — the server computes them.

The serializers need ``context["company"]`` (the acting company): the owner of a quote sees its
working copy; the buyer sees only the revision that was opened.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from quotes import content as snapshot
from quotes import money
from quotes.models import Award, OpeningEntry, Quote, QuoteAttachment, QuoteLine, QuoteRevision, QuoteScore

PRICE = {"max_digits": 18, "decimal_places": 4, "min_value": 0}
PERCENT = {"max_digits": 7, "decimal_places": 4, "min_value": 0, "max_value": 100, "required": False}


def _company_id(serializer: serializers.BaseSerializer) -> int | None:
    company = serializer.context.get("company")
    return company.pk if company is not None else None


def _owner(serializer: serializers.BaseSerializer, quote: Quote) -> bool:
    return quote.supplier_id == _company_id(serializer)


def _amount(value: Any, currency: str) -> str | None:
    return None if value is None else money.format_amount(value, currency)


# --- input ---------------------------------------------------------------------------------------------
class LineInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="Id of the tender item this line prices.")
    unit_price = serializers.DecimalField(**PRICE)
    quantity = serializers.DecimalField(**PRICE)
    lead_time_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=36500)
    brand_model = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tax_rate = serializers.DecimalField(**PERCENT, help_text="Percent, e.g. 12.5.")
    discount = serializers.DecimalField(**PERCENT, help_text="Percent, e.g. 5.")


class SingleLineInputSerializer(LineInputSerializer):
    item = None  # the item is in the URL


class TermsInputSerializer(serializers.Serializer):
    delivery_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=36500)
    validity_date = serializers.DateField(required=False, allow_null=True)
    payment_terms = serializers.CharField(required=False, allow_blank=True, max_length=300)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    questionnaire_answers = serializers.JSONField(required=False)
    lines = LineInputSerializer(many=True, required=False, help_text="When given, replaces every line.")


class QuoteCreateSerializer(TermsInputSerializer):
    tender = serializers.IntegerField(help_text="Id of the tender to quote for.")


class LinesInputSerializer(serializers.Serializer):
    lines = LineInputSerializer(many=True)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class VerifyInputSerializer(serializers.Serializer):
    sha256 = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="The hash on your receipt, to compare as well."
    )


class ScoreInputSerializer(serializers.Serializer):
    quote = serializers.IntegerField()
    criterion = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class AwardEntryInputSerializer(serializers.Serializer):
    quote = serializers.IntegerField()
    items = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Item ids (split award); omit for the whole tender."
    )


class AwardInputSerializer(serializers.Serializer):
    awards = AwardEntryInputSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


# --- output --------------------------------------------------------------------------------------------
class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TenderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    version = serializers.IntegerField()
    material_version = serializers.IntegerField()
    submission_deadline = serializers.DateTimeField()
    opening_at = serializers.DateTimeField(source="effective_opening_at")


class ReceiptSerializer(serializers.Serializer):
    """The receipt of a submitted revision: server time and SHA-256 of its canonical content."""

    revision = serializers.IntegerField(source="number")
    submitted_at = serializers.DateTimeField()
    content_sha256 = serializers.CharField()
    tender_version = serializers.IntegerField()
    total = serializers.SerializerMethodField()
    currency = serializers.CharField()

    def get_total(self, revision: QuoteRevision) -> str:
        return money.format_amount(revision.total, revision.currency)


class QuoteSerializer(serializers.ModelSerializer):
    """A quote in lists: ``total`` and ``receipt`` are those of the current revision (null for a draft)."""

    tender = TenderRefSerializer()
    supplier = serializers.SerializerMethodField()
    is_owner = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    currency = serializers.CharField(source="tender.currency")
    receipt = serializers.SerializerMethodField()
    needs_confirmation = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "tender",
            "supplier",
            "status",
            "is_owner",
            "total",
            "currency",
            "receipt",
            "delivery_days",
            "validity_date",
            "confirmed_version",
            "needs_confirmation",
            "withdrawn_at",
            "opened_at",
            "decision_reason",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(RefSerializer)
    def get_supplier(self, quote: Quote) -> dict[str, Any]:
        return {"id": quote.supplier_id, "name": quote.supplier.display_name}

    def get_is_owner(self, quote: Quote) -> bool:
        return _owner(self, quote)

    @extend_schema_field(OpenApiTypes.STR)
    def get_total(self, quote: Quote) -> str | None:
        revision = quote.current_revision
        return _amount(revision.total, revision.currency) if revision else None

    @extend_schema_field(ReceiptSerializer(allow_null=True))
    def get_receipt(self, quote: Quote) -> dict[str, Any] | None:
        return ReceiptSerializer(quote.current_revision).data if quote.current_revision else None

    def get_needs_confirmation(self, quote: Quote) -> bool:
        return quote.status == "submitted" and quote.confirmed_version < quote.tender.material_version


class LineSerializer(serializers.Serializer):
    """A line: from the owner's working copy, or from the opened revision for the buyer."""

    item = serializers.IntegerField()
    item_number = serializers.IntegerField()
    item_description = serializers.CharField()
    unit = serializers.CharField()
    unit_price = serializers.CharField()
    quantity = serializers.CharField()
    tax_rate = serializers.CharField()
    discount = serializers.CharField()
    lead_time_days = serializers.IntegerField(allow_null=True)
    brand_model = serializers.CharField()
    notes = serializers.CharField()
    subtotal = serializers.CharField()
    discount_amount = serializers.CharField()
    tax = serializers.CharField()
    total = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    subtotal = serializers.CharField()
    discount = serializers.CharField()
    net = serializers.CharField()
    tax = serializers.CharField()
    total = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteAttachment
        fields = ["id", "filename", "content_type", "size", "sha256", "uploaded_at"]


def working_copy(quote: Quote) -> tuple[list[dict[str, Any]], dict[str, str], list[QuoteLine]]:
    """The owner's working lines with totals computed now, the totals, and the lines themselves."""
    currency = quote.tender.currency.upper()
    lines = sorted(quote.lines.all(), key=lambda line: line.item.number)
    totals = snapshot.compute_totals(lines, currency)
    bodies = []
    for line, line_totals in zip(lines, totals.lines, strict=True):
        body = snapshot.line_body(line, line_totals, currency)
        body["item"] = body.pop("item_id")
        bodies.append(body)
    return bodies, snapshot.totals_body(totals), lines


def revision_lines(revision: QuoteRevision) -> list[dict[str, Any]]:
    return [
        {**{k: v for k, v in line.items() if k != "item_id"}, "item": line["item_id"]}
        for line in revision.content["lines"]
    ]


class QuoteDetailSerializer(QuoteSerializer):
    """One quote. The owner gets its working copy (``lines``, ``totals`` computed now) and whether it
    differs from the submitted revision; the buyer gets the opened revision's lines and totals."""

    lines = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    has_unsubmitted_changes = serializers.SerializerMethodField()

    class Meta(QuoteSerializer.Meta):
        fields = [
            *QuoteSerializer.Meta.fields,
            "payment_terms",
            "notes",
            "questionnaire_answers",
            "lines",
            "totals",
            "attachments",
            "has_unsubmitted_changes",
        ]

    def _working(self, quote: Quote):
        cache = self.context.setdefault("_working", {})
        if quote.pk not in cache:
            cache[quote.pk] = working_copy(quote)
        return cache[quote.pk]

    @extend_schema_field(LineSerializer(many=True))
    def get_lines(self, quote: Quote) -> list[dict[str, Any]]:
        if _owner(self, quote):
            return self._working(quote)[0]
        return revision_lines(quote.current_revision)

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, quote: Quote) -> dict[str, str]:
        if _owner(self, quote):
            return self._working(quote)[1]
        return quote.current_revision.content["totals"]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, quote: Quote) -> list[dict[str, Any]]:
        if _owner(self, quote):
            return AttachmentSerializer(quote.attachments.all(), many=True).data
        listed = quote.current_revision.content.get("attachments", [])
        by_id = {attachment.pk: attachment for attachment in quote.attachments.filter(pk__in=[a["id"] for a in listed])}
        return AttachmentSerializer([by_id[a["id"]] for a in listed if a["id"] in by_id], many=True).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_unsubmitted_changes(self, quote: Quote) -> bool | None:
        """Owner only (null for others): whether the working copy differs from the current revision."""
        if not _owner(self, quote):
            return None
        revision = quote.current_revision
        if revision is None:
            return True
        raw_lines = self._working(quote)[2]
        current = snapshot.build(
            quote=quote,
            tender=quote.tender,
            lines=raw_lines,
            attachments=list(quote.attachments.all()),
            number=revision.number,
            submitted_at=revision.submitted_at,
            submitted_by_user_id=None,
            submitted_by_api_key=None,
        )
        return snapshot.offer_of(current.content) != snapshot.offer_of(revision.content)


class RevisionSerializer(serializers.ModelSerializer):
    """A submitted revision and its receipt; ``content`` is exactly what the SHA-256 covers."""

    total = serializers.SerializerMethodField()

    class Meta:
        model = QuoteRevision
        fields = ["number", "submitted_at", "content_sha256", "tender_version", "currency", "total", "line_count"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_total(self, revision: QuoteRevision) -> str:
        return money.format_amount(revision.total, revision.currency)


class RevisionDetailSerializer(RevisionSerializer):
    content = serializers.JSONField()
    canonical_form = serializers.SerializerMethodField()

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "content", "canonical_form"]

    def get_canonical_form(self, revision: QuoteRevision) -> str:
        return (
            "SHA-256 (lower-case hex) of the UTF-8 JSON of `content` with keys sorted, no whitespace "
            "(separators ',' and ':'), non-ASCII characters unescaped; decimals are strings. In Python: "
            "hashlib.sha256(json.dumps(content, sort_keys=True, separators=(',', ':'), "
            "ensure_ascii=False).encode('utf-8')).hexdigest()"
        )


class VerificationSerializer(serializers.Serializer):
    quote = serializers.IntegerField()
    revision = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    stored_sha256 = serializers.CharField()
    recomputed_sha256 = serializers.CharField()
    matches = serializers.BooleanField(help_text="The stored content still hashes to the receipt's hash.")
    totals_consistent = serializers.BooleanField(help_text="The stored totals are the ones the prices produce.")
    provided_sha256 = serializers.CharField(allow_null=True)
    provided_matches = serializers.BooleanField(allow_null=True, help_text="Your hash equals the receipt's.")


class ScoreSerializer(serializers.ModelSerializer):
    evaluator = serializers.SerializerMethodField()
    score = serializers.DecimalField(max_digits=4, decimal_places=2)

    class Meta:
        model = QuoteScore
        fields = ["id", "quote", "criterion", "evaluator", "score", "comment", "created_at", "updated_at"]

    @extend_schema_field(RefSerializer)
    def get_evaluator(self, score: QuoteScore) -> dict[str, Any]:
        user = score.evaluator
        return {"id": user.pk, "name": getattr(user, "full_name", "") or user.email}


class AwardSerializer(serializers.ModelSerializer):
    supplier = serializers.SerializerMethodField()
    item_number = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    revision = serializers.IntegerField(source="revision.number")

    class Meta:
        model = Award
        fields = [
            "id",
            "tender",
            "quote",
            "revision",
            "supplier",
            "item",
            "item_number",
            "amount",
            "currency",
            "note",
            "awarded_at",
        ]

    @extend_schema_field(RefSerializer)
    def get_supplier(self, award: Award) -> dict[str, Any]:
        return {"id": award.quote.supplier_id, "name": award.quote.supplier.display_name}

    @extend_schema_field(OpenApiTypes.INT)
    def get_item_number(self, award: Award) -> int | None:
        return award.item.number if award.item_id else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_amount(self, award: Award) -> str:
        return money.format_amount(award.amount, award.currency)


class OpeningEntrySerializer(serializers.Serializer):
    """One opened quote's receipt. Suppliers see other suppliers' entries without name or quote id."""

    quote = serializers.SerializerMethodField()
    supplier = serializers.SerializerMethodField()
    revision = serializers.IntegerField(source="revision_number")
    submitted_at = serializers.DateTimeField()
    content_sha256 = serializers.CharField()
    own = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_quote(self, entry: OpeningEntry) -> int | None:
        return entry.quote_id if getattr(entry, "disclosed", False) else None

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_supplier(self, entry: OpeningEntry) -> dict[str, Any] | None:
        if not getattr(entry, "disclosed", False):
            return None
        return {"id": entry.supplier_id, "name": entry.supplier.display_name}

    def get_own(self, entry: OpeningEntry) -> bool:
        return entry.supplier_id == _company_id(self)


class OpeningSerializer(serializers.Serializer):
    tender = serializers.IntegerField()
    status = serializers.CharField()
    opening_at = serializers.DateTimeField(allow_null=True)
    committee_required = serializers.BooleanField()
    committee_quorum = serializers.IntegerField()
    confirmations = serializers.ListField(child=serializers.DictField())
    opened = serializers.BooleanField()
    opened_at = serializers.DateTimeField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    quote_count = serializers.IntegerField(allow_null=True)
    entries = OpeningEntrySerializer(many=True)


class QuoteCountSerializer(serializers.Serializer):
    tender_id = serializers.IntegerField()
    sealed = serializers.BooleanField()
    count = serializers.IntegerField(allow_null=True)


class AcknowledgementSerializer(serializers.Serializer):
    quote_id = serializers.IntegerField()
    supplier_id = serializers.IntegerField()
    supplier_name = serializers.CharField()
    status = serializers.CharField()
    confirmed_version = serializers.IntegerField()
    needs_confirmation = serializers.BooleanField()


class AcknowledgementSummarySerializer(serializers.Serializer):
    acknowledged = serializers.IntegerField()
    pending = serializers.IntegerField()


class AcknowledgementsSerializer(serializers.Serializer):
    tender_id = serializers.IntegerField()
    version = serializers.IntegerField()
    material_version = serializers.IntegerField()
    sealed = serializers.BooleanField()
    summary = AcknowledgementSummarySerializer(allow_null=True)
    suppliers = AcknowledgementSerializer(many=True)
