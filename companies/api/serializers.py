"""Input and output shapes of the companies API. Output fields are always present (null when empty)."""

from __future__ import annotations

from typing import Any

from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from companies import permissions
from companies.choices import CompanyKind, InvitationStatus, Role
from companies.models import Category, Company, Invitation, Membership
from companies.services import EDITABLE_FIELDS


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="Code of the parent, or null.")
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "slug", "parent", "depth"]


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class CompanySerializer(serializers.ModelSerializer):
    country = CountryField()
    categories = serializers.SerializerMethodField(help_text="Codes of the categories the company supplies.")
    my_role = serializers.SerializerMethodField(help_text="Your role in the company; null for an API key.")
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = [
            "id",
            "slug",
            "code",
            "legal_name",
            "trade_name",
            "tax_id",
            "country",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "website",
            "kind",
            "categories",
            "is_verified",
            "verified_at",
            "mfa_required",
            "created_at",
            "my_role",
            "member_count",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, company: Company) -> list[str]:
        return [category.code for category in company.categories.all()]

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_my_role(self, company: Company) -> str | None:
        mine = getattr(company, "my_memberships", None)
        if mine is not None:
            return mine[0].role if mine else None
        request = self.context.get("request")
        role = permissions.role_for(request.user, company) if request is not None else None
        return str(role) if role else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_member_count(self, company: Company) -> int:
        count = getattr(company, "member_count", None)
        return count if count is not None else company.memberships.active().count()


class CompanyWriteSerializer(serializers.Serializer):
    """Fields shared by registering and changing a company; the tax id is checked by the service."""

    legal_name = serializers.CharField(max_length=200)
    trade_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tax_id = serializers.CharField(max_length=40, help_text="CNPJ in Brazil (punctuation optional).")
    country = CountryField(help_text="ISO 3166-1 alpha-2 code, e.g. BR.")
    kind = serializers.ChoiceField(choices=CompanyKind.choices)
    address_line1 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    state = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    website = serializers.URLField(max_length=300, required=False, allow_blank=True, default="")
    mfa_required = serializers.BooleanField(required=False, default=False)
    categories = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.active(), many=True, required=False, default=list
    )


class CompanyCreateSerializer(CompanyWriteSerializer):
    code = serializers.RegexField(
        r"^(?:[A-Za-z][A-Za-z0-9]{1,9})?$",  # empty: a code is chosen for the company
        required=False,
        allow_blank=True,
        default="",
        help_text="2-10 letters or digits for readable numbers (ACME-2026-0042); chosen for you when empty.",
    )


class CompanyUpdateSerializer(CompanyWriteSerializer):
    """PATCH (used with partial=True, so defaults never blank a field that was not sent)."""

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        categories = data.pop("categories", None)
        if "country" in data:
            data["country"] = str(data["country"])
        return {"data": {k: v for k, v in data.items() if k in EDITABLE_FIELDS}, "categories": categories}


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    company = serializers.IntegerField(source="company_id", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "company", "user", "role", "created_at"]
        read_only_fields = fields


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="company_id", read_only=True)
    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)
    invited_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "company",
            "email",
            "role",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=200, help_text="The token of the invitation link (the part after /invitations/)."
    )
