"""Tenders API: read-only resources scoped by tenders.selectors, one endpoint per change calling a service.

The acting company comes from companies.api (the X-Company header, or the API key's company).
Reads need tender.view (API keys: tenders:read); each write needs its own action, checked first
(403) — then the tender must be one the company may see (buyer-side writes: its own), else 404.
Services raise cotai.exceptions, which the API exception handler turns into problem details.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from companies import permissions
from companies.api.context import X_COMPANY, acting_company
from companies.api.permissions import ActsForCompany
from companies.models import Company
from cotai.api.openapi import ERRORS, PROBLEM, READ_ERRORS, WRITE_ERRORS
from cotai.exceptions import NotFound
from tenders import selectors, services
from tenders.api import examples as ex
from tenders.api.serializers import (
    AmendmentSerializer,
    AmendSerializer,
    AnswerSerializer,
    ClarificationSerializer,
    DocumentUploadSerializer,
    ItemInputSerializer,
    ItemReorderSerializer,
    ItemUpdateSerializer,
    QuestionSerializer,
    ReasonSerializer,
    TenderCreateSerializer,
    TenderDetailSerializer,
    TenderDocumentSerializer,
    TenderInvitationCreateSerializer,
    TenderInvitationSerializer,
    TenderItemSerializer,
    TenderListSerializer,
    TenderUpdateSerializer,
)
from tenders.choices import TenderStatus
from tenders.filters import TenderFilter
from tenders.models import Amendment, Clarification, Tender, TenderDocument, TenderInvitation, TenderItem

TENDER_PK = OpenApiParameter("tender_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The tender's id.")


class TenderScopedMixin:
    """Resolves the acting company and the tender of the URL, with the rules described above."""

    request: Request
    kwargs: dict[str, Any]
    permission_classes = [IsAuthenticated, ActsForCompany]

    @property
    def company(self) -> Company:
        return acting_company(self.request)

    def context(self) -> dict[str, Any]:
        return {"request": self.request, "company": self.company}

    def tender(self, *, action: str = "tender.view", own: bool = False, pk: Any = None) -> Tender:
        """The tender of the URL. ``action`` is checked first (403); ``own``: only the buyer's tenders."""
        permissions.require(self.request.user, action, self.company)
        pk = pk if pk is not None else self.kwargs.get("tender_pk", self.kwargs.get("pk"))
        if action != "tender.view":
            # Writes are checked by their own action; finding the tender must not need tender.view too
            # (an API key with tenders:write only still reaches its company's tenders).
            queryset = Tender.objects.select_related("buyer", "category")
            if own:
                queryset = queryset.filter(buyer=self.company)
            else:
                queryset = queryset.filter(selectors.supplier_visibility_q(self.company))
            tender = queryset.filter(pk=pk).first() if str(pk).isdigit() else None
            if tender is None:
                raise NotFound("No such tender.")
            return tender
        tender = selectors.tender_get_for(actor=self.request.user, company=self.company, pk=pk)
        if own and tender.buyer_id != self.company.pk:
            raise NotFound("No such tender.")
        return tender

    def require_view(self) -> None:
        permissions.require(self.request.user, "tender.view", self.company)


# --- tenders -------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Tenders you may see",
        description="Your company's own tenders (every state) and, as a supplier, published tenders that are "
        "public in your categories or to which you are invited. Filter with status (repeatable), type, "
        "visibility, category (code; includes the categories below it), buyer, submission_deadline_after/"
        "_before, clarification_deadline_after/_before, opening_at_after/_before and q (text); order with "
        "?ordering=submission_deadline (or -created_at, published_at, number, title).",
        parameters=[X_COMPANY],
        responses={200: TenderListSerializer(many=True), 400: PROBLEM, **ERRORS},
        examples=[ex.TENDER_LIST],
    ),
    retrieve=extend_schema(
        summary="One tender, with items, criteria and documents",
        parameters=[X_COMPANY],
        responses={200: TenderDetailSerializer, **READ_ERRORS},
        examples=[ex.TENDER_DETAIL],
    ),
)
class TenderViewSet(TenderScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tenders; every change is its own endpoint calling tenders.services."""

    serializer_class = TenderListSerializer
    filterset_class = TenderFilter
    ordering_fields = ["submission_deadline", "clarification_deadline", "created_at", "published_at", "number", "title"]
    ordering = ["-created_at", "-id"]
    search_fields: list[str] = []
    queryset = Tender.objects.none()

    def get_queryset(self) -> QuerySet[Tender]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to scope by
            return Tender.objects.none()
        self.require_view()
        return selectors.tender_list_for(actor=self.request.user, company=self.company)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "company": self.company}

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        self.require_view()
        tender = selectors.tender_detail_for(actor=request.user, company=self.company, pk=pk)
        return Response(TenderDetailSerializer(tender, context=self.context()).data)

    def _detail(self, tender: Tender, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.tender_detail_for(actor=self.request.user, company=self.company, pk=tender.pk)
        return Response(TenderDetailSerializer(fresh, context=self.context()).data, status=code)

    @extend_schema(
        summary="Create a draft tender",
        description="Needs tender.create (owners, admins, buyers; API keys: tenders:write). The readable number "
        "(CODE-YEAR-NNNN) is allocated now. Criteria default to price 100%. Nothing is visible to suppliers "
        "until the draft is published.",
        parameters=[X_COMPANY],
        request=TenderCreateSerializer,
        responses={201: TenderDetailSerializer, **WRITE_ERRORS},
        examples=[ex.TENDER_CREATE, ex.TENDER_DETAIL, ex.VALIDATION_PROBLEM],
    )
    def create(self, request: Request) -> Response:
        serializer = TenderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        permissions.require(request.user, "tender.create", self.company)
        tender = services.tender_create(
            actor=request.user, buyer=self.company, request=request, **serializer.service_arguments()
        )
        return self._detail(tender, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft",
        description="Needs tender.edit. Only drafts (409 otherwise: a published tender changes by amendment). "
        "criteria and openers, when given, replace the current ones.",
        parameters=[X_COMPANY],
        request=TenderUpdateSerializer,
        responses={200: TenderDetailSerializer, **WRITE_ERRORS},
        examples=[ex.TENDER_UPDATE, ex.TENDER_DETAIL, ex.STATE_PROBLEM],
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        tender = self.tender(action="tender.edit", own=True)
        serializer = TenderUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.tender_update_draft(
            tender=tender, actor=request.user, request=request, **serializer.service_arguments()
        )
        return self._detail(tender)

    @extend_schema(
        summary="Publish a draft",
        description="Needs tender.publish. Deadlines in the future and in order, at least one item, weights summing "
        "to 100 with price among them, a category for a public tender. All errors come back at once, by field; "
        "nothing is written. Emits tender.published.",
        parameters=[X_COMPANY],
        request=None,
        responses={200: TenderDetailSerializer, **WRITE_ERRORS},
        examples=[ex.TENDER_DETAIL, ex.PUBLISH_PROBLEM],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        tender = self.tender(action="tender.publish", own=True)
        services.tender_publish(tender=tender, actor=request.user, request=request)
        return self._detail(tender)

    @extend_schema(
        summary="Amend a published tender",
        description="Needs tender.amend; before the submission deadline. Records who changed what and why, with a "
        "version number and a readable diff. A change of items, criteria, deadlines or delivery/payment terms is "
        "material: quotes already submitted then need their supplier's confirmation. Extending the deadline is an "
        "amendment. Emits tender.amended.",
        parameters=[X_COMPANY],
        request=AmendSerializer,
        responses={201: AmendmentSerializer, **WRITE_ERRORS},
        examples=[ex.AMEND_REQUEST, ex.AMENDMENT],
    )
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str | None = None) -> Response:
        tender = self.tender(action="tender.amend", own=True)
        serializer = AmendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amendment = services.tender_amend(
            tender=tender,
            actor=request.user,
            reason=serializer.validated_data["reason"],
            changes=serializer.validated_data["changes"],
            request=request,
        )
        return Response(AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a tender",
        description="Needs tender.cancel. Any state before the outcome (draft, published, closed, opened); the reason "
        "is shown to participants. Emits tender.cancelled.",
        parameters=[X_COMPANY],
        request=ReasonSerializer,
        responses={200: TenderDetailSerializer, **WRITE_ERRORS},
        examples=[ex.CANCEL_REQUEST, ex.TENDER_DETAIL, ex.STATE_PROBLEM],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        tender = self.tender(action="tender.cancel", own=True)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.tender_cancel(
            tender=tender, actor=request.user, reason=serializer.validated_data["reason"], request=request
        )
        return self._detail(tender)


# --- items ---------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Items of a tender",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: TenderItemSerializer(many=True), **READ_ERRORS},
        examples=[ex.ITEM],
    ),
    retrieve=extend_schema(
        summary="One item",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: TenderItemSerializer, **READ_ERRORS},
        examples=[ex.ITEM],
    ),
)
class TenderItemViewSet(TenderScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Items of a draft change here; items of a published tender change by amendment."""

    serializer_class = TenderItemSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = TenderItem.objects.none()

    def get_queryset(self) -> QuerySet[TenderItem]:
        if getattr(self, "swagger_fake_view", False):
            return TenderItem.objects.none()
        return selectors.items_for(self.tender())

    def _own_item(self, action_name: str) -> TenderItem:
        tender = self.tender(action=action_name, own=True)
        item = selectors.items_for(tender).filter(pk=self.kwargs["pk"]).first() if self.kwargs["pk"].isdigit() else None
        if item is None:
            raise NotFound("No such item.")
        item.tender = tender
        return item

    @extend_schema(
        summary="Add an item to a draft",
        description="Needs tender.edit; the item gets the next number.",
        parameters=[X_COMPANY, TENDER_PK],
        request=ItemInputSerializer,
        responses={201: TenderItemSerializer, **WRITE_ERRORS},
        examples=[ex.ITEM_INPUT, ex.ITEM],
    )
    def create(self, request: Request, tender_pk: str | None = None) -> Response:
        tender = self.tender(action="tender.edit", own=True)
        serializer = ItemInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.tender_item_add(
            tender=tender, actor=request.user, data=serializer.validated_data, request=request
        )
        return Response(TenderItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an item of a draft",
        parameters=[X_COMPANY, TENDER_PK],
        request=ItemUpdateSerializer,
        responses={200: TenderItemSerializer, **WRITE_ERRORS},
        examples=[ex.ITEM_UPDATE, ex.ITEM],
    )
    def partial_update(self, request: Request, tender_pk: str | None = None, pk: str | None = None) -> Response:
        item = self._own_item("tender.edit")
        serializer = ItemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = services.tender_item_update(
            item=item, actor=request.user, data=serializer.validated_data, request=request
        )
        return Response(TenderItemSerializer(item).data)

    @extend_schema(
        summary="Remove an item from a draft",
        description="The items after it move up one number.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={204: None, **WRITE_ERRORS},
        examples=[ex.STATE_PROBLEM],
    )
    def destroy(self, request: Request, tender_pk: str | None = None, pk: str | None = None) -> Response:
        item = self._own_item("tender.edit")
        services.tender_item_remove(item=item, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Reorder the items of a draft",
        description="List every item id once, in the new order; numbers become 1..n in that order.",
        parameters=[X_COMPANY, TENDER_PK],
        request=ItemReorderSerializer,
        responses={200: TenderItemSerializer(many=True), **WRITE_ERRORS},
        examples=[ex.REORDER, ex.ITEM],
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request, tender_pk: str | None = None) -> Response:
        tender = self.tender(action="tender.edit", own=True)
        serializer = ItemReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = services.tender_item_reorder(
            tender=tender, actor=request.user, order=serializer.validated_data["order"], request=request
        )
        return Response(TenderItemSerializer(items, many=True).data)


# --- documents -----------------------------------------------------------------------------------------
class PassthroughRenderer(BaseRenderer):
    """Lets a download answer any Accept header; errors still come out as JSON."""

    media_type = "*/*"
    format = "file"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


@extend_schema_view(
    list=extend_schema(
        summary="Documents of a tender",
        description="Each document with its current version and its history (replaced files stay).",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: TenderDocumentSerializer(many=True), **READ_ERRORS},
        examples=[ex.DOCUMENT],
    ),
)
class TenderDocumentViewSet(TenderScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TenderDocumentSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = TenderDocument.objects.none()

    def get_queryset(self) -> QuerySet[TenderDocument]:
        if getattr(self, "swagger_fake_view", False):
            return TenderDocument.objects.none()
        return selectors.documents_for(self.tender())

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "company": self.company}

    @extend_schema(
        summary="Upload a document (or a new version of one)",
        description="multipart/form-data. Needs tender.edit on a draft; on a published tender it is an amendment "
        "(tender.amend, reason required). Size and type are checked (extension and content); the SHA-256 is "
        "stored. Give document=<id> to replace a document's file: the old version stays in the history.",
        parameters=[X_COMPANY, TENDER_PK],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: TenderDocumentSerializer, **WRITE_ERRORS},
        examples=[ex.DOCUMENT, ex.FILE_PROBLEM],
    )
    def create(self, request: Request, tender_pk: str | None = None) -> Response:
        tender = self.tender(action="tender.edit" if self._is_draft() else "tender.amend", own=True)
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = None
        if data.get("document") is not None:
            document = TenderDocument.objects.filter(pk=data["document"], tender=tender).first()
            if document is None:
                raise NotFound("No such document.")
        version = services.document_upload(
            tender=tender,
            actor=request.user,
            upload=data["file"],
            title=data["title"],
            document=document,
            note=data["note"],
            reason=data["reason"],
            material=data["material"],
            request=request,
        )
        fresh = selectors.documents_for(tender).get(pk=version.document_id)
        return Response(TenderDocumentSerializer(fresh, context=self.context()).data, status=status.HTTP_201_CREATED)

    def _is_draft(self) -> bool:
        pk = self.kwargs.get("tender_pk")
        return (
            Tender.objects.filter(pk=pk, buyer=self.company, status=TenderStatus.DRAFT).exists()
            if str(pk).isdigit()
            else False
        )

    @extend_schema(
        summary="Download a document",
        description="The current version, or ?version=N. Only for the buyer and the suppliers who may see the "
        "tender; files are never served from a public URL. The Repr-Digest header carries the SHA-256.",
        parameters=[
            X_COMPANY,
            TENDER_PK,
            OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PassthroughRenderer])
    def download(self, request: Request, tender_pk: str | None = None, pk: str | None = None) -> FileResponse:
        raw = request.query_params.get("version")
        number = int(raw) if raw and raw.isdigit() else None
        if raw and number is None:
            raise NotFound("No such version.")
        self.require_view()
        version = selectors.document_version_for(
            actor=request.user, company=self.company, tender_pk=tender_pk, document_pk=pk, number=number
        )
        response = FileResponse(
            version.file.open("rb"), as_attachment=True, filename=version.filename, content_type=version.content_type
        )
        digest = base64.b64encode(bytes.fromhex(version.sha256)).decode()
        response["Repr-Digest"] = f"sha-256=:{digest}:"
        response["Cache-Control"] = "private, no-store"
        return response


# --- invitations ---------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Invitations of a tender",
        description="The buyer sees every invitation; an invited supplier sees its own.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: TenderInvitationSerializer(many=True), **READ_ERRORS},
        examples=[ex.INVITATION],
    ),
)
class TenderInvitationViewSet(TenderScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TenderInvitationSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = TenderInvitation.objects.none()

    def get_queryset(self) -> QuerySet[TenderInvitation]:
        if getattr(self, "swagger_fake_view", False):
            return TenderInvitation.objects.none()
        return selectors.invitations_for(tender=self.tender(), company=self.company)

    @extend_schema(
        summary="Invite a supplier",
        description="Needs tender.invite. A registered supplier company (supplier=<id>) or an email address "
        "(a company not yet on CotAi; whoever holds the address sees the tender once their company joins). "
        "Emits tender.invitation_created (for a draft: when it is published).",
        parameters=[X_COMPANY, TENDER_PK],
        request=TenderInvitationCreateSerializer,
        responses={201: TenderInvitationSerializer, **WRITE_ERRORS},
        examples=[ex.INVITE_SUPPLIER, ex.INVITE_EMAIL, ex.INVITATION],
    )
    def create(self, request: Request, tender_pk: str | None = None) -> Response:
        tender = self.tender(action="tender.invite", own=True)
        serializer = TenderInvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invitation = services.invitation_create(
            tender=tender,
            actor=request.user,
            supplier=data.get("supplier"),
            email=data.get("email") or "",
            message=data["message"],
            request=request,
        )
        return Response(TenderInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    def _mine(self) -> TenderInvitation:
        tender = self.tender(action=services.INVITATION_RESPOND_ACTION)
        return selectors.invitation_get_for(tender=tender, company=self.company, pk=self.kwargs["pk"])

    @extend_schema(
        summary="Decline an invitation",
        description="For the invited supplier (supplier representatives, owners, admins; API keys: tenders:write), "
        "with a reason the buyer sees. Emits tender.invitation_declined.",
        parameters=[X_COMPANY, TENDER_PK],
        request=ReasonSerializer,
        responses={200: TenderInvitationSerializer, **WRITE_ERRORS},
        examples=[ex.DECLINE_REQUEST, ex.INVITATION],
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, tender_pk: str | None = None, pk: str | None = None) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_decline(
            invitation=self._mine(),
            actor=request.user,
            company=self.company,
            reason=serializer.validated_data["reason"],
            request=request,
        )
        return Response(TenderInvitationSerializer(invitation).data)

    @extend_schema(
        summary="Accept an invitation",
        description="The invited supplier says it will take part (also after declining).",
        parameters=[X_COMPANY, TENDER_PK],
        request=None,
        responses={200: TenderInvitationSerializer, **WRITE_ERRORS},
        examples=[ex.INVITATION],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, tender_pk: str | None = None, pk: str | None = None) -> Response:
        invitation = services.invitation_accept(
            invitation=self._mine(), actor=request.user, company=self.company, request=request
        )
        return Response(TenderInvitationSerializer(invitation).data)


# --- clarifications ------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Questions and answers of a tender",
        description="Published answers for everyone who sees the tender, without naming who asked; a supplier "
        "also sees its own unanswered questions; the buyer sees every question and who asked it.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: ClarificationSerializer(many=True), **READ_ERRORS},
        examples=[ex.CLARIFICATION],
    ),
)
class ClarificationViewSet(TenderScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ClarificationSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = Clarification.objects.none()

    def get_queryset(self) -> QuerySet[Clarification]:
        if getattr(self, "swagger_fake_view", False):
            return Clarification.objects.none()
        return selectors.clarifications_for(tender=self.tender(), company=self.company)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "company": self.company}

    @extend_schema(
        summary="Ask a question",
        description="Needs clarification.ask (suppliers); before the clarification deadline. Emits "
        "clarification.asked.",
        parameters=[X_COMPANY, TENDER_PK],
        request=QuestionSerializer,
        responses={201: ClarificationSerializer, **WRITE_ERRORS},
        examples=[ex.QUESTION, ex.CLARIFICATION, ex.STATE_PROBLEM],
    )
    def create(self, request: Request, tender_pk: str | None = None) -> Response:
        tender = self.tender(action="clarification.ask")
        serializer = QuestionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        clarification = services.clarification_ask(
            tender=tender,
            actor=request.user,
            company=self.company,
            question=serializer.validated_data["question"],
            request=request,
        )
        return Response(
            ClarificationSerializer(clarification, context=self.context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Answer a question",
        description="Needs clarification.answer (the buyer). Once; the answer is published to every participant "
        "without naming who asked. Emits clarification.answered.",
        parameters=[X_COMPANY, TENDER_PK],
        request=AnswerSerializer,
        responses={200: ClarificationSerializer, **WRITE_ERRORS},
        examples=[ex.ANSWER, ex.CLARIFICATION],
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, tender_pk: str | None = None, pk: str | None = None) -> Response:
        tender = self.tender(action="clarification.answer", own=True)
        clarification = selectors.clarification_get_for(tender=tender, company=self.company, pk=pk)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        clarification = services.clarification_answer(
            clarification=clarification, actor=request.user, answer=serializer.validated_data["answer"], request=request
        )
        return Response(ClarificationSerializer(clarification, context=self.context()).data)


# --- amendments ----------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Amendment history of a tender",
        description="Oldest first: version, reason, whether it was material, the diff and its readable text. "
        "Which version each supplier confirmed is on its quote (quotes API, confirmed_version).",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: AmendmentSerializer(many=True), **READ_ERRORS},
        examples=[ex.AMENDMENT],
    ),
)
class AmendmentViewSet(TenderScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AmendmentSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = Amendment.objects.none()

    def get_queryset(self) -> QuerySet[Amendment]:
        if getattr(self, "swagger_fake_view", False):
            return Amendment.objects.none()
        return selectors.amendments_for(self.tender())
