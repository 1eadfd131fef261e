"""Companies API: the caller's companies, the acting company's members and invitations, categories.

Thin: selectors decide what the caller sees (another company's ids answer 404), services make
every change and raise cotai.exceptions, which the API exception handler turns into problem details.
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from companies import permissions, selectors, services
from companies.api.context import X_COMPANY
from companies.api.permissions import ActsForCompany, CompanyScopedMixin
from companies.api.serializers import (
    CategorySerializer,
    CompanyCreateSerializer,
    CompanySerializer,
    CompanyUpdateSerializer,
    InvitationAcceptSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
)
from companies.filters import CategoryFilter, CompanyFilter, InvitationFilter, MembershipFilter
from companies.models import Category, Company, Invitation, Membership
from cotai.api.openapi import ERRORS, PROBLEM

# Searching is the FilterSets' "q" parameter (shared with the pages), so DRF's own search filter is not used.
FILTER_BACKENDS = [DjangoFilterBackend, OrderingFilter]

COMPANY_EXAMPLE = OpenApiExample(
    "A Brazilian buyer",
    value={
        "id": 7,
        "slug": "construtora-horizonte",
        "code": "HORIZO",
        "legal_name": "Construtora Horizonte S.A.",
        "trade_name": "Construtora Horizonte",
        "tax_id": "11222333000181",
        "country": "BR",
        "address_line1": "Av. Paulista, 1000",
        "address_line2": "",
        "city": "São Paulo",
        "state": "SP",
        "postal_code": "01310-100",
        "website": "https://horizonte.example",
        "kind": "buyer",
        "categories": [],
        "is_verified": True,
        "verified_at": "2026-03-02T14:05:00Z",
        "mfa_required": False,
        "created_at": "2026-03-01T12:00:00Z",
        "my_role": "owner",
        "member_count": 4,
    },
    response_only=True,
)
COMPANY_CREATE_EXAMPLE = OpenApiExample(
    "Register a supplier",
    value={
        "legal_name": "Aço Forte Distribuidora Ltda",
        "trade_name": "Aço Forte",
        "tax_id": "11.444.777/0001-61",
        "country": "BR",
        "kind": "supplier",
        "city": "Belo Horizonte",
        "categories": ["goods.construction.steel"],
    },
    request_only=True,
)
INVALID_CNPJ_EXAMPLE = OpenApiExample(
    "Malformed CNPJ",
    value={
        "type": "https://cotai.dev/problems/validation_failed",
        "title": "The input is not valid",
        "status": 400,
        "detail": "Please correct the errors below.",
        "instance": "/api/v1/companies",
        "code": "validation_failed",
        "errors": {"tax_id": ["This CNPJ is not valid: its check digits do not match."]},
        "request_id": "5f2b9c1e0a7d4e7f9a1b2c3d4e5f6a7b",
    },
    response_only=True,
    status_codes=["400"],
)
MEMBERSHIP_EXAMPLE = OpenApiExample(
    "A buyer",
    value={
        "id": 31,
        "company": 7,
        "user": {"id": 12, "email": "bruno@horizonte.example", "full_name": "Bruno Lima"},
        "role": "buyer",
        "created_at": "2026-03-05T09:30:00Z",
    },
    response_only=True,
)
INVITATION_EXAMPLE = OpenApiExample(
    "A pending invitation",
    value={
        "id": 4,
        "company": 7,
        "email": "carla@horizonte.example",
        "role": "evaluator",
        "status": "pending",
        "invited_by": {"id": 11, "email": "ana@horizonte.example", "full_name": "Ana Souza"},
        "created_at": "2026-03-06T10:00:00Z",
        "expires_at": "2026-03-13T10:00:00Z",
        "accepted_at": None,
        "revoked_at": None,
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="Your companies",
        description="The companies you are an active member of (an API key: its own company, with companies:read).",
        responses={200: CompanySerializer(many=True), **ERRORS},
        examples=[COMPANY_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One of your companies",
        responses={200: CompanySerializer, 404: PROBLEM, **ERRORS},
        examples=[COMPANY_EXAMPLE],
    ),
)
class CompanyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Companies the caller belongs to. Registering makes the caller the owner; only people may do it."""

    serializer_class = CompanySerializer
    permission_classes = [IsAuthenticated]
    filter_backends = FILTER_BACKENDS
    filterset_class = CompanyFilter
    ordering_fields = ["legal_name", "created_at"]
    ordering = ["legal_name"]
    queryset = Company.objects.none()  # for schema generation; get_queryset decides

    def get_queryset(self) -> Any:
        return selectors.company_list_for(actor=self.request.user).order_by("legal_name", "pk")

    def _fresh(self, pk: int) -> Any:
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        summary="Register a company",
        description="Creates the company with you as its owner. The tax id is checked for the country "
        "(CNPJ check digits in Brazil); refused input creates nothing.",
        request=CompanyCreateSerializer,
        responses={201: CompanySerializer, 400: PROBLEM, **ERRORS},
        examples=[COMPANY_CREATE_EXAMPLE, COMPANY_EXAMPLE, INVALID_CNPJ_EXAMPLE],
    )
    def create(self, request: Request) -> Response:
        serializer = CompanyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["country"] = str(data["country"])
        company = services.company_create(actor=request.user, request=request, **data)
        return Response(CompanySerializer(self._fresh(company.pk), context={"request": request}).data, status=201)

    @extend_schema(
        summary="Change a company's profile",
        description="Needs company.edit (owners and admins). Changing the legal name, tax id or country "
        "removes the verified mark until staff check again.",
        request=CompanyUpdateSerializer,
        responses={200: CompanySerializer, 400: PROBLEM, 404: PROBLEM, **ERRORS},
        examples=[COMPANY_EXAMPLE, INVALID_CNPJ_EXAMPLE],
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        company = self.get_object()
        serializer = CompanyUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.company_update(actor=request.user, company=company, request=request, **serializer.service_arguments())
        return Response(CompanySerializer(self._fresh(company.pk), context={"request": request}).data)

    @extend_schema(
        summary="Leave a company",
        description="Ends your membership. The last owner cannot leave (409).",
        request=None,
        responses={204: None, 404: PROBLEM, 409: PROBLEM, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str | None = None) -> Response:
        company = self.get_object()
        services.membership_leave(actor=request.user, company=company, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Members of the acting company",
        parameters=[X_COMPANY],
        responses={200: MembershipSerializer(many=True), 400: PROBLEM, **ERRORS},
        examples=[MEMBERSHIP_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One member",
        parameters=[X_COMPANY],
        responses={200: MembershipSerializer, 404: PROBLEM, **ERRORS},
        examples=[MEMBERSHIP_EXAMPLE],
    ),
)
class MembershipViewSet(CompanyScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active members of the acting company. Changing roles and removing members needs
    company.manage_members; owners are managed by owners only; the last owner always stays."""

    serializer_class = MembershipSerializer
    permission_classes = [IsAuthenticated, ActsForCompany]
    company_actions = {
        "list": permissions.COMPANY_VIEW_MEMBERS,
        "retrieve": permissions.COMPANY_VIEW_MEMBERS,
        "partial_update": permissions.COMPANY_MANAGE_MEMBERS,
        "destroy": permissions.COMPANY_MANAGE_MEMBERS,
    }
    filter_backends = FILTER_BACKENDS
    filterset_class = MembershipFilter
    ordering_fields = ["created_at", "role"]
    queryset = Membership.objects.none()

    def get_queryset(self) -> Any:
        return selectors.membership_list_for(actor=self.request.user, company=self.company)

    @extend_schema(
        summary="Change a member's role",
        parameters=[X_COMPANY],
        request=MembershipRoleSerializer,
        responses={200: MembershipSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM, **ERRORS},
        examples=[
            OpenApiExample("Make an evaluator", value={"role": "evaluator"}, request_only=True),
            MEMBERSHIP_EXAMPLE,
        ],
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        membership = self.get_object()
        serializer = MembershipRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            actor=request.user, membership=membership, role=serializer.validated_data["role"], request=request
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(
        summary="Remove a member",
        description="Admins cannot remove owners; the last owner cannot be removed (409).",
        parameters=[X_COMPANY],
        responses={204: None, 404: PROBLEM, 409: PROBLEM, **ERRORS},
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        membership = self.get_object()
        services.membership_remove(actor=request.user, membership=membership, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Invitations of the acting company",
        parameters=[X_COMPANY],
        responses={200: InvitationSerializer(many=True), 400: PROBLEM, **ERRORS},
        examples=[INVITATION_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One invitation",
        parameters=[X_COMPANY],
        responses={200: InvitationSerializer, 404: PROBLEM, **ERRORS},
        examples=[INVITATION_EXAMPLE],
    ),
)
class InvitationViewSet(CompanyScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invitations by email. The token travels only in the email; accepting uses it."""

    serializer_class = InvitationSerializer
    permission_classes = [IsAuthenticated, ActsForCompany]
    company_actions = {
        "list": permissions.COMPANY_MANAGE_MEMBERS,
        "retrieve": permissions.COMPANY_MANAGE_MEMBERS,
        "create": permissions.COMPANY_MANAGE_MEMBERS,
        "revoke": permissions.COMPANY_MANAGE_MEMBERS,
        "resend": permissions.COMPANY_MANAGE_MEMBERS,
    }
    filter_backends = FILTER_BACKENDS
    filterset_class = InvitationFilter
    ordering_fields = ["created_at", "expires_at"]
    queryset = Invitation.objects.none()

    def get_permissions(self) -> list[Any]:
        if self.action == "accept":
            return [IsAuthenticated()]  # accepting is not done for a company but by the invited person
        return super().get_permissions()

    def get_queryset(self) -> Any:
        return selectors.invitation_list_for(actor=self.request.user, company=self.company)

    @extend_schema(
        summary="Invite someone by email",
        description="Sends an email with a single-use link valid for 7 days. Inviting an owner needs an owner. "
        "An open invitation for the same address is replaced.",
        parameters=[X_COMPANY],
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, 400: PROBLEM, **ERRORS},
        examples=[
            OpenApiExample(
                "Invite an evaluator",
                value={"email": "carla@horizonte.example", "role": "evaluator"},
                request_only=True,
            ),
            INVITATION_EXAMPLE,
        ],
    )
    def create(self, request: Request) -> Response:
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, _token = services.invitation_create(
            actor=request.user, company=self.company, request=request, **serializer.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke an invitation",
        parameters=[X_COMPANY],
        request=None,
        responses={200: InvitationSerializer, 404: PROBLEM, 409: PROBLEM, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        invitation = services.invitation_revoke(actor=request.user, invitation=self.get_object(), request=request)
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(
        summary="Send an invitation again",
        description="A new link replaces the old one and the expiry restarts.",
        parameters=[X_COMPANY],
        request=None,
        responses={200: InvitationSerializer, 404: PROBLEM, 409: PROBLEM, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        invitation, _token = services.invitation_resend(
            actor=request.user, invitation=self.get_object(), request=request
        )
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(
        summary="Accept an invitation",
        description="For a signed-in person whose email is the invited address. Single use; expired, used "
        "or revoked invitations answer 409. Returns the membership (an existing one keeps its role).",
        request=InvitationAcceptSerializer,
        responses={201: MembershipSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM, **ERRORS},
        examples=[OpenApiExample("Accept", value={"token": "q3J...XbE"}, request_only=True), MEMBERSHIP_EXAMPLE],
    )
    @action(detail=False, methods=["post"])
    def accept(self, request: Request) -> Response:
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.invitation_accept(
            token=serializer.validated_data["token"], actor=request.user, request=request
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Category taxonomy",
        description="Active categories in tree order (codes are dotted paths: goods.it.hardware). "
        "Filter with ?under=goods.it for a subtree.",
        responses={200: CategorySerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One category", responses={200: CategorySerializer, 404: PROBLEM, **ERRORS}),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Goods and services categories shared by company profiles and tenders."""

    serializer_class = CategorySerializer
    permission_classes = [IsAuthenticated]
    filter_backends = FILTER_BACKENDS
    filterset_class = CategoryFilter
    ordering = ["code"]
    queryset = Category.objects.none()

    def get_queryset(self) -> Any:
        return selectors.category_list()
