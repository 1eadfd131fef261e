"""Input and output shapes of the tenders API.

Output: every field is always present (null or [] when empty or hidden from the caller); decimals
are strings; times are ISO 8601 with their offset. Input serializers check types only; the rules
(weights, deadlines, states) are the services', which answer with field errors.

The serializers need ``context["company"]`` (the acting company): what a supplier may see of a
tender (the budget when hidden, who asked a question) differs from what its buyer sees.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from companies.models import Category, Company
from tenders.choices import CriterionKind, TenderType, Visibility
from tenders.models import (
    Amendment,
    Clarification,
    Tender,
    TenderCriterion,
    TenderDocument,
    TenderDocumentVersion,
    TenderInvitation,
    TenderItem,
)

QUANTITY = {"max_digits": 18, "decimal_places": 4}
MONEY = {"max_digits": 18, "decimal_places": 2}


def _company(serializer: serializers.BaseSerializer) -> Company | None:
    return serializer.context.get("company")


def _is_buyer(serializer: serializers.BaseSerializer, tender: Tender) -> bool:
    company = _company(serializer)
    return company is not None and tender.buyer_id == company.pk


# --- references ----------------------------------------------------------------------------------------
class CompanyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(source="display_name")


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


# --- output --------------------------------------------------------------------------------------------
class TenderItemSerializer(serializers.ModelSerializer):
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = TenderItem
        fields = ["id", "number", "description", "quantity", "unit", "specification", "lot"]
        read_only_fields = fields


class TenderCriterionSerializer(serializers.ModelSerializer):
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)

    class Meta:
        model = TenderCriterion
        fields = ["kind", "name", "weight"]
        read_only_fields = fields


class DocumentVersionSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="Where the file is downloaded (access is checked).")

    class Meta:
        model = TenderDocumentVersion
        fields = ["number", "filename", "content_type", "size", "sha256", "note", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, version: TenderDocumentVersion) -> str:
        url = reverse(
            "api:tender-document-download",
            kwargs={"tender_pk": version.document.tender_id, "pk": version.document_id},
        )
        url = f"{url}?version={version.number}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class TenderDocumentSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The newest version.")
    versions = serializers.SerializerMethodField(help_text="Every version, newest first (replaced files stay).")

    class Meta:
        model = TenderDocument
        fields = ["id", "title", "current_version", "current", "versions", "created_at", "updated_at"]
        read_only_fields = fields

    def _versions(self, document: TenderDocument) -> list[TenderDocumentVersion]:
        versions = sorted(document.versions.all(), key=lambda version: -version.number)
        for version in versions:
            version.document = document  # the download URL needs the tender id without another query
        return versions

    @extend_schema_field(DocumentVersionSerializer)
    def get_current(self, document: TenderDocument) -> dict[str, Any] | None:
        versions = self._versions(document)
        return DocumentVersionSerializer(versions[0], context=self.context).data if versions else None

    @extend_schema_field(DocumentVersionSerializer(many=True))
    def get_versions(self, document: TenderDocument) -> list[dict[str, Any]]:
        return DocumentVersionSerializer(self._versions(document), many=True, context=self.context).data


class TenderListSerializer(serializers.ModelSerializer):
    buyer = CompanyRefSerializer(read_only=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    estimated_budget = serializers.SerializerMethodField(
        help_text="Null when unknown, or when the buyer hides it from suppliers."
    )
    viewer_role = serializers.SerializerMethodField(help_text="'buyer' for the buying company, else 'supplier'.")

    class Meta:
        model = Tender
        fields = [
            "id",
            "number",
            "title",
            "type",
            "status",
            "buyer",
            "category",
            "currency",
            "estimated_budget",
            "visibility",
            "clarification_deadline",
            "submission_deadline",
            "opening_at",
            "published_at",
            "closed_at",
            "cancelled_at",
            "version",
            "material_version",
            "viewer_role",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_estimated_budget(self, tender: Tender) -> str | None:
        if tender.estimated_budget is None:
            return None
        if tender.budget_visible_to_suppliers or _is_buyer(self, tender):
            return f"{tender.estimated_budget:.2f}"
        return None

    @extend_schema_field(serializers.ChoiceField(choices=["buyer", "supplier"]))
    def get_viewer_role(self, tender: Tender) -> str:
        return "buyer" if _is_buyer(self, tender) else "supplier"


class TenderDetailSerializer(TenderListSerializer):
    items = TenderItemSerializer(many=True, read_only=True)
    criteria = TenderCriterionSerializer(many=True, read_only=True)
    documents = TenderDocumentSerializer(many=True, read_only=True)
    openers = serializers.SerializerMethodField(help_text="Ids of the named openers (the buyer sees them; else []).")

    class Meta(TenderListSerializer.Meta):
        fields = [
            *TenderListSerializer.Meta.fields,
            "description",
            "budget_visible_to_suppliers",
            "delivery_place",
            "delivery_date",
            "payment_terms",
            "quote_validity_days",
            "allow_partial_quotes",
            "show_quote_count_before_opening",
            "committee_opening_required",
            "committee_quorum",
            "openers",
            "opened_at",
            "awarded_at",
            "unsuccessful_at",
            "unsuccessful_reason",
            "cancel_reason",
            "items",
            "criteria",
            "documents",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_openers(self, tender: Tender) -> list[int]:
        if not _is_buyer(self, tender):
            return []
        return [opener.user_id for opener in tender.openers.all()]


class TenderInvitationSerializer(serializers.ModelSerializer):
    supplier = CompanyRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = TenderInvitation
        fields = ["id", "supplier", "email", "status", "message", "decline_reason", "invited_at", "responded_at"]
        read_only_fields = fields


class ClarificationSerializer(serializers.ModelSerializer):
    asked_by_company = serializers.SerializerMethodField(
        help_text="The asking company: shown to the buyer only, null for everyone else."
    )
    asked_by_you = serializers.SerializerMethodField(help_text="True when your company asked.")
    answer = serializers.SerializerMethodField()

    class Meta:
        model = Clarification
        fields = [
            "id",
            "question",
            "asked_at",
            "answer",
            "answered_at",
            "published",
            "asked_by_you",
            "asked_by_company",
        ]
        read_only_fields = fields

    @extend_schema_field(CompanyRefSerializer(allow_null=True))
    def get_asked_by_company(self, clarification: Clarification) -> dict[str, Any] | None:
        if not _is_buyer(self, clarification.tender):
            return None
        return CompanyRefSerializer(clarification.asked_by_company).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_asked_by_you(self, clarification: Clarification) -> bool:
        company = _company(self)
        return company is not None and clarification.asked_by_company_id == company.pk

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_answer(self, clarification: Clarification) -> str | None:
        return clarification.answer if clarification.answered_at else None


class AmendmentSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by_label", read_only=True)

    class Meta:
        model = Amendment
        fields = ["id", "version", "reason", "material", "diff", "diff_text", "changed_by", "created_at"]
        read_only_fields = fields


# --- input ---------------------------------------------------------------------------------------------
class ItemInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    quantity = serializers.DecimalField(**QUANTITY)
    unit = serializers.CharField(max_length=20)
    specification = serializers.CharField(required=False, allow_blank=True, default="")
    lot = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")


class ItemUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500, required=False)
    quantity = serializers.DecimalField(**QUANTITY, required=False)
    unit = serializers.CharField(max_length=20, required=False)
    specification = serializers.CharField(required=False, allow_blank=True)
    lot = serializers.CharField(required=False, allow_blank=True, max_length=50)


class AmendedItemSerializer(ItemUpdateSerializer):
    id = serializers.IntegerField(required=False, help_text="An existing item's id; leave out for a new item.")


class ItemReorderSerializer(serializers.Serializer):
    order = serializers.ListField(child=serializers.IntegerField(), help_text="Every item id, in the new order.")


class CriterionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CriterionKind.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)


class _TenderFieldsSerializer(serializers.Serializer):
    """The tender fields a draft may set; none is required here (create adds title and currency)."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=TenderType.choices, required=False)
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="Category code from /api/v1/categories, e.g. goods.it.hardware.",
    )
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217, e.g. BRL.")
    estimated_budget = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    budget_visible_to_suppliers = serializers.BooleanField(required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    delivery_place = serializers.CharField(max_length=300, required=False, allow_blank=True)
    delivery_date = serializers.DateField(required=False, allow_null=True)
    payment_terms = serializers.CharField(max_length=300, required=False, allow_blank=True)
    quote_validity_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    clarification_deadline = serializers.DateTimeField(required=False, allow_null=True)
    submission_deadline = serializers.DateTimeField(required=False, allow_null=True)
    opening_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Defaults to the submission deadline at publishing."
    )
    allow_partial_quotes = serializers.BooleanField(required=False)
    show_quote_count_before_opening = serializers.BooleanField(required=False)
    committee_opening_required = serializers.BooleanField(required=False)
    committee_quorum = serializers.IntegerField(required=False, min_value=1, max_value=50)


class TenderUpdateSerializer(_TenderFieldsSerializer):
    criteria = CriterionInputSerializer(many=True, required=False, help_text="Replaces every criterion.")
    openers = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="User ids of the named openers (replaces them)."
    )

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        return {"data": data, "criteria": data.pop("criteria", None), "openers": data.pop("openers", None)}


class TenderCreateSerializer(TenderUpdateSerializer):
    title = serializers.CharField(max_length=200)
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. BRL.")
    items = ItemInputSerializer(many=True, required=False)

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        return {
            "data": data,
            "items": data.pop("items", []),
            "criteria": data.pop("criteria", None),
            "openers": data.pop("openers", None) or [],
        }


class AmendChangesSerializer(serializers.Serializer):
    """What an amendment changes; only the keys given change. ``items``/``criteria`` are full lists."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all(), required=False)
    estimated_budget = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    budget_visible_to_suppliers = serializers.BooleanField(required=False)
    delivery_place = serializers.CharField(max_length=300, required=False, allow_blank=True)
    delivery_date = serializers.DateField(required=False, allow_null=True)
    payment_terms = serializers.CharField(max_length=300, required=False, allow_blank=True)
    quote_validity_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    clarification_deadline = serializers.DateTimeField(required=False)
    submission_deadline = serializers.DateTimeField(required=False)
    opening_at = serializers.DateTimeField(required=False)
    allow_partial_quotes = serializers.BooleanField(required=False)
    show_quote_count_before_opening = serializers.BooleanField(required=False)
    items = AmendedItemSerializer(
        many=True,
        required=False,
        help_text="The full item list after the change: with id = keep/change, without = new; missing = removed.",
    )
    criteria = CriterionInputSerializer(many=True, required=False, help_text="The full list after the change.")


class AmendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
    changes = AmendChangesSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Type, currency, visibility and the committee are fixed at publishing: say so instead of ignoring them.
        raw = self.initial_data.get("changes") if isinstance(self.initial_data, dict) else None
        unknown = sorted(set(raw or {}) - set(AmendChangesSerializer().fields)) if isinstance(raw, dict) else []
        if unknown:
            raise serializers.ValidationError(
                {"changes": {name: ["This field cannot be changed by an amendment."] for name in unknown}}
            )
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TenderInvitationCreateSerializer(serializers.Serializer):
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True, help_text="A registered supplier's id."
    )
    email = serializers.EmailField(required=False, allow_blank=True, help_text="For a company not yet on CotAi.")
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class QuestionSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=4000)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=10_000)


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, office documents, images, CSV, text or ZIP; size-limited.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    document = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the document to replace with a new version."
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="", help_text="Required once published."
    )
    material = serializers.BooleanField(required=False, default=False)
