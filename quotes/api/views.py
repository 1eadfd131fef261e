"""Quotes API: reads through quotes.selectors (the seal), one endpoint per change calling a service.

The acting company comes from companies.api (the X-Company header, or the API key's company).
Each endpoint first checks the role action it needs (403), then finds the object among those the
company may reach (404 otherwise, so ids leak nothing). Services raise cotai.exceptions, which the
API exception handler turns into problem details.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies import permissions
from companies.api.context import X_COMPANY, acting_company
from companies.api.permissions import ActsForCompany
from companies.models import Company
from cotai.api.openapi import ERRORS, PROBLEM, READ_ERRORS, WRITE_ERRORS
from cotai.exceptions import NotFound
from quotes import content as snapshot
from quotes import exports, receipts, selectors, services
from quotes.api import examples as ex
from quotes.api.serializers import (
    AcknowledgementsSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    AwardInputSerializer,
    AwardSerializer,
    LinesInputSerializer,
    OpeningSerializer,
    QuoteCountSerializer,
    QuoteCreateSerializer,
    QuoteDetailSerializer,
    QuoteSerializer,
    RejectSerializer,
    RevisionDetailSerializer,
    RevisionSerializer,
    ScoreInputSerializer,
    ScoreSerializer,
    SingleLineInputSerializer,
    TermsInputSerializer,
    VerificationSerializer,
    WithdrawSerializer,
)
from quotes.choices import OPENED_STATUSES
from quotes.filters import QuoteFilter
from quotes.models import Quote, QuoteAttachment, QuoteRevision
from tenders.models import Tender, TenderCriterion, TenderItem
from tenders.selectors import supplier_visibility_q

SEALED_ERRORS = {**READ_ERRORS, 409: PROBLEM}
TENDER_PK = OpenApiParameter("tender_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The tender's id.")
NUMBER = OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH, description="The revision number.")
ITEM_PK = OpenApiParameter("item_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The tender item's id.")


class PassthroughRenderer(BaseRenderer):
    """Lets a view return a file (or CSV) response whatever the client's Accept header says."""

    media_type = "*/*"
    format = "file"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        # A file or CSV response is returned as it is; an error body (a dict) comes out as JSON.
        if isinstance(data, (bytes, str)):
            return data if isinstance(data, bytes) else data.encode()
        return json.dumps(data).encode()


class CsvRenderer(PassthroughRenderer):
    media_type = "text/csv"
    format = "csv"


class CompanyMixin:
    request: Request
    kwargs: dict[str, Any]
    permission_classes = [IsAuthenticated, ActsForCompany]

    @property
    def company(self) -> Company:
        return acting_company(self.request)

    def context(self) -> dict[str, Any]:
        return {"request": self.request, "company": self.company}

    def own_quote(self, action_name: str, pk: Any = None) -> Quote:
        """One of the acting company's own quotes, after checking ``action_name`` (403 first, then 404)."""
        permissions.require(self.request.user, action_name, self.company)
        return _find_quote(pk if pk is not None else self.kwargs.get("pk"), supplier=self.company)

    def buyer_quote(self, action_name: str) -> Quote:
        """An opened quote of one of the acting company's tenders, after checking ``action_name``."""
        permissions.require(self.request.user, action_name, self.company)
        return _find_quote(self.kwargs.get("pk"), **_opened_for_buyer(self.company))

    def bought_tender(self, tender_pk: str) -> Tender:
        """One of the acting company's own tenders (404 otherwise; the caller checks the action first)."""
        tender = (
            Tender.objects.filter(pk=tender_pk, buyer=self.company).select_related("buyer").first()
            if str(tender_pk).isdigit()
            else None
        )
        if tender is None:
            raise NotFound("No such tender.")
        return tender


def _opened_for_buyer(company: Company) -> dict[str, Any]:
    """The quotes a buyer may decide on: opened quotes of its own tenders (never a sealed one)."""
    return {"tender__buyer": company, "status__in": OPENED_STATUSES, "opened_at__isnull": False}


def _find_quote(pk: Any, **scope: Any) -> Quote:
    """The quote ``pk`` among those ``scope`` allows, with what the endpoints read; 404 otherwise."""
    quote = (
        Quote.objects.select_related("tender", "tender__buyer", "supplier", "current_revision")
        .filter(pk=pk, **scope)
        .first()
        if str(pk).isdigit()
        else None
    )
    if quote is None:
        raise NotFound("No such quote.")
    return quote


# --- quotes --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Quotes you may read",
        description="Your company's own quotes (every state), and — for your tenders — the quotes opened at the "
        "opening time. Sealed quotes of other companies are never listed, so filtering or ordering by total "
        "cannot reveal them. Filters: tender, supplier, status (repeatable), total_min, total_max, "
        "submitted_after/_before, needs_confirmation; ordering: total, submitted_at, created_at, updated_at, "
        "status, validity_date, delivery_days (prefix - for descending). API keys: quotes:read.",
        parameters=[X_COMPANY],
        responses={200: QuoteSerializer(many=True), 400: PROBLEM, **ERRORS},
        examples=[ex.QUOTE_LIST],
    ),
    retrieve=extend_schema(
        summary="One quote",
        description="The owner sees its working copy (lines and totals computed now by the server) and whether it "
        "differs from the submitted revision; the buyer, after the opening, the opened revision's lines.",
        parameters=[X_COMPANY],
        responses={200: QuoteDetailSerializer, **READ_ERRORS},
        examples=[ex.QUOTE_DETAIL],
    ),
)
class QuoteViewSet(CompanyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quotes; every change is its own endpoint calling quotes.services."""

    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter
    filter_backends = [DjangoFilterBackend]
    queryset = Quote.objects.none()

    def get_queryset(self) -> QuerySet[Quote]:
        permissions.require(self.request.user, "quote.view", self.company)
        return selectors.quote_list_for(actor=self.request.user, company=self.company)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "company": self.company}

    def _detail(self, quote: Quote, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.quote_detail_for(actor=self.request.user, company=self.company, pk=quote.pk)
        return Response(QuoteDetailSerializer(fresh, context=self.context()).data, status=code)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        permissions.require(request.user, "quote.view", self.company)
        quote = selectors.quote_detail_for(actor=request.user, company=self.company, pk=pk)
        return Response(QuoteDetailSerializer(quote, context=self.context()).data)

    @extend_schema(
        summary="Start a quote (draft)",
        description="Needs quote.edit (supplier representatives, admins, owners; API keys: quotes:write). The tender "
        "must be one your company may see, published and before its submission deadline (server time). Lines "
        "may come now or later; totals are computed by the server and never read from the request.",
        parameters=[X_COMPANY],
        request=QuoteCreateSerializer,
        responses={201: QuoteDetailSerializer, **WRITE_ERRORS},
        examples=[ex.QUOTE_CREATE, ex.QUOTE_DETAIL, ex.LATE],
    )
    def create(self, request: Request) -> Response:
        serializer = QuoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        permissions.require(request.user, "quote.edit", self.company)
        data = dict(serializer.validated_data)
        tender_id = data.pop("tender")
        tender = Tender.objects.filter(supplier_visibility_q(self.company), pk=tender_id).first()
        if tender is None:
            raise NotFound("No such tender.")
        quote = services.quote_create(
            tender=tender, supplier=self.company, actor=request.user, data=data, request=request
        )
        return self._detail(quote, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change the working copy",
        description="Needs quote.edit; before the deadline. Terms and, when `lines` is given, every line (replaced). "
        "A submitted quote keeps its submitted revision until you submit again.",
        parameters=[X_COMPANY],
        request=TermsInputSerializer,
        responses={200: QuoteDetailSerializer, **WRITE_ERRORS},
        examples=[ex.QUOTE_DETAIL, ex.LATE],
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        quote = self.own_quote("quote.edit")
        serializer = TermsInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.quote_update(quote=quote, actor=request.user, data=dict(serializer.validated_data), request=request)
        return self._detail(quote)

    @extend_schema(
        summary="Delete a draft",
        description="Only a quote that was never submitted; a submitted quote is withdrawn instead.",
        parameters=[X_COMPANY],
        responses={204: None, **WRITE_ERRORS},
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        quote = self.own_quote("quote.edit")
        services.quote_delete_draft(quote=quote, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Replace every line of the working copy",
        parameters=[X_COMPANY],
        request=LinesInputSerializer,
        responses={200: QuoteDetailSerializer, **WRITE_ERRORS},
        examples=[ex.LINES, ex.QUOTE_DETAIL],
    )
    @action(detail=True, methods=["put"])
    def lines(self, request: Request, pk: str | None = None) -> Response:
        quote = self.own_quote("quote.edit")
        serializer = LinesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_update(
            quote=quote, actor=request.user, data={"lines": serializer.validated_data["lines"]}, request=request
        )
        return self._detail(quote)

    @extend_schema(
        summary="Submit: store a new immutable revision and get its receipt",
        description="Needs quote.submit. Decided with the server clock while the tender row is locked: a quote is on "
        "time while the server time is before the submission deadline; one second late it is refused (409) and "
        "nothing is stored. The body may carry terms and lines to apply first (all or nothing). Totals are "
        "computed on the server. Returns the revision: its content, server time and SHA-256 (the receipt). "
        "Submitting again before the deadline creates the next revision. Emits quote.submitted.",
        parameters=[X_COMPANY],
        request=TermsInputSerializer,
        responses={201: RevisionDetailSerializer, **WRITE_ERRORS},
        examples=[ex.SUBMIT, ex.REVISION, ex.LATE],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        quote = self.own_quote("quote.submit")
        serializer = TermsInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        revision = services.quote_submit(
            quote=quote, actor=request.user, data=dict(serializer.validated_data) or None, request=request
        )
        return Response(RevisionDetailSerializer(revision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a submitted quote",
        description="Needs quote.withdraw; before the deadline. It will not be opened; its revisions are kept and "
        "you may submit again before the deadline. Emits quote.withdrawn.",
        parameters=[X_COMPANY],
        request=WithdrawSerializer,
        responses={200: QuoteDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        quote = self.own_quote("quote.withdraw")
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_withdraw(
            quote=quote, actor=request.user, reason=serializer.validated_data.get("reason", ""), request=request
        )
        return self._detail(quote)

    @extend_schema(
        summary="Confirm the quote against an amended tender (no price change)",
        description="Needs quote.submit; before the deadline, when the tender changed materially since your last "
        "submission or confirmation (needs_confirmation). If the change removed or added items you must revise "
        "(submit again) instead. Emits quote.confirmed.",
        parameters=[X_COMPANY],
        request=None,
        responses={200: QuoteDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        quote = self.own_quote("quote.submit")
        services.quote_confirm(quote=quote, actor=request.user, request=request)
        return self._detail(quote)

    @extend_schema(
        summary="Shortlist an opened quote (buyer)",
        description="Needs award.make in the buyer; after the opening and before the award.",
        parameters=[X_COMPANY],
        request=None,
        responses={200: QuoteDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def shortlist(self, request: Request, pk: str | None = None) -> Response:
        quote = self.buyer_quote("award.make")
        services.quote_shortlist(quote=quote, actor=request.user, request=request)
        return self._detail(quote)

    @extend_schema(
        summary="Reject an opened quote (buyer), with a reason",
        parameters=[X_COMPANY],
        request=RejectSerializer,
        responses={200: QuoteDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        quote = self.buyer_quote("award.make")
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_reject(
            quote=quote, actor=request.user, reason=serializer.validated_data["reason"], request=request
        )
        return self._detail(quote)

    @extend_schema(
        summary="Revisions (receipts) of a quote",
        description="The owner sees every revision; the buyer, after the opening, the revision that was opened.",
        parameters=[X_COMPANY],
        responses={200: RevisionSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        permissions.require(request.user, "quote.view", self.company)
        quote = selectors.quote_get_for(actor=request.user, company=self.company, pk=pk)
        revisions = selectors.revisions_for(actor=request.user, company=self.company, quote=quote)
        return Response(RevisionSerializer(revisions, many=True).data)


class RevisionView(CompanyMixin, APIView):
    @extend_schema(
        summary="One revision with its receipt and content",
        description="`content` is exactly what `content_sha256` covers; recompute it with the recipe in "
        "`canonical_form`.",
        parameters=[X_COMPANY, NUMBER],
        responses={200: RevisionDetailSerializer, **READ_ERRORS},
        examples=[ex.REVISION],
    )
    def get(self, request: Request, pk: str, number: str) -> Response:
        permissions.require(request.user, "quote.view", self.company)
        revision = selectors.revision_get_for(actor=request.user, company=self.company, quote_pk=pk, number=number)
        return Response(RevisionDetailSerializer(revision).data)


class RevisionVerifyView(CompanyMixin, APIView):
    @extend_schema(
        summary="Verify a receipt",
        description="Recomputes the SHA-256 of the stored content and compares it with the receipt's hash, checks "
        "that the stored totals are those the prices produce and, with ?sha256=..., compares the hash you hold.",
        parameters=[
            X_COMPANY,
            NUMBER,
            OpenApiParameter("sha256", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False),
        ],
        responses={200: VerificationSerializer, **READ_ERRORS},
        examples=[ex.VERIFICATION],
    )
    def get(self, request: Request, pk: str, number: str) -> Response:
        permissions.require(request.user, "quote.view", self.company)
        revision = selectors.revision_get_for(actor=request.user, company=self.company, quote_pk=pk, number=number)
        return Response(verification(revision, request.query_params.get("sha256")))


def verification(revision: QuoteRevision, provided: str | None) -> dict[str, Any]:
    recomputed = receipts.sha256_hex(revision.content)
    provided = (provided or "").strip() or None
    return VerificationSerializer(
        {
            "quote": revision.quote_id,
            "revision": revision.number,
            "submitted_at": revision.submitted_at,
            "stored_sha256": revision.content_sha256,
            "recomputed_sha256": recomputed,
            "matches": receipts.matches(revision.content, revision.content_sha256),
            "totals_consistent": snapshot.stored_totals_match(revision.content),
            "provided_sha256": provided,
            "provided_matches": None if provided is None else receipts.matches(revision.content, provided),
        }
    ).data


class LineView(CompanyMixin, APIView):
    def _item(self, quote: Quote, item_pk: str) -> TenderItem:
        item = TenderItem.objects.filter(pk=item_pk, tender_id=quote.tender_id).first() if item_pk.isdigit() else None
        if item is None:
            raise NotFound("No such item in this tender.")
        return item

    @extend_schema(
        summary="Set the line for one item",
        operation_id="quotes_line_set",
        parameters=[X_COMPANY, ITEM_PK],
        request=SingleLineInputSerializer,
        responses={200: QuoteDetailSerializer, **WRITE_ERRORS},
    )
    def put(self, request: Request, pk: str, item_pk: str) -> Response:
        quote = self.own_quote("quote.edit", pk)
        serializer = SingleLineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_line_set(
            quote=quote,
            actor=request.user,
            item=self._item(quote, item_pk),
            data=dict(serializer.validated_data),
            request=request,
        )
        fresh = selectors.quote_detail_for(actor=request.user, company=self.company, pk=quote.pk)
        return Response(QuoteDetailSerializer(fresh, context=self.context()).data)

    @extend_schema(
        summary="Remove the line for one item",
        operation_id="quotes_line_remove",
        parameters=[X_COMPANY, ITEM_PK],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, pk: str, item_pk: str) -> Response:
        quote = self.own_quote("quote.edit", pk)
        services.quote_line_remove(quote=quote, actor=request.user, item=self._item(quote, item_pk), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentListView(CompanyMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Attachments of a quote",
        description="The owner's current attachments; the buyer, after opening, those listed in the opened revision.",
        parameters=[X_COMPANY],
        responses={200: AttachmentSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: str) -> Response:
        permissions.require(request.user, "quote.view", self.company)
        quote = selectors.quote_detail_for(actor=request.user, company=self.company, pk=pk)
        data = QuoteDetailSerializer(quote, context=self.context()).get_attachments(quote)
        return Response(data)

    @extend_schema(
        summary="Attach a file",
        description="Needs quote.edit; before the deadline. Type and size are checked; the SHA-256 goes into the "
        "next revision's content.",
        parameters=[X_COMPANY],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        quote = self.own_quote("quote.edit", pk)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            quote=quote, actor=request.user, upload=serializer.validated_data["file"], request=request
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetailView(CompanyMixin, APIView):
    renderer_classes = [JSONRenderer, PassthroughRenderer]

    @extend_schema(
        summary="Download an attachment",
        description="Owner always; buyer after the opening for files of the opened revision. Repr-Digest carries "
        "the SHA-256.",
        parameters=[X_COMPANY],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    def get(self, request: Request, pk: str, attachment_pk: str) -> FileResponse:
        permissions.require(request.user, "quote.view", self.company)
        attachment = selectors.attachment_get_for(
            actor=request.user, company=self.company, quote_pk=pk, pk=attachment_pk
        )
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type,
        )
        response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(attachment.sha256)).decode()}:"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="Remove an attachment from the working copy",
        description="Revisions that listed it keep it.",
        parameters=[X_COMPANY],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, pk: str, attachment_pk: str) -> Response:
        quote = self.own_quote("quote.edit", pk)
        attachment = (
            QuoteAttachment.objects.filter(pk=attachment_pk, quote=quote).first() if attachment_pk.isdigit() else None
        )
        if attachment is None:
            raise NotFound("No such attachment.")
        services.attachment_remove(quote=quote, actor=request.user, attachment=attachment, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- a tender's quotes: count, acknowledgements, opening, comparison, scores, awards ---------------------------
class QuoteCountView(CompanyMixin, APIView):
    @extend_schema(
        summary="How many quotes a tender has (buyer)",
        description="Before the opening only if the tender shows the count (otherwise count is null); the buyer "
        "never learns who has quoted before the opening.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: QuoteCountSerializer, **READ_ERRORS},
        examples=[ex.COUNT],
    )
    def get(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "tender.view", self.company)
        return Response(selectors.quote_count_for(actor=request.user, company=self.company, tender_pk=tender_pk))


class AcknowledgementsView(CompanyMixin, APIView):
    @extend_schema(
        summary="Which tender version each supplier acknowledged (buyer)",
        description="After the opening, per supplier: the version its quote was submitted or confirmed against and "
        "whether it still needs confirmation. Before it, only totals (and only if the tender shows the count).",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: AcknowledgementsSerializer, **READ_ERRORS},
        examples=[ex.ACKS],
    )
    def get(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "tender.view", self.company)
        data = selectors.acknowledgements_for(actor=request.user, company=self.company, tender_pk=tender_pk)
        return Response(AcknowledgementsSerializer(data).data)


class OpeningView(CompanyMixin, APIView):
    @extend_schema(
        summary="The opening of a tender and its record",
        description="For the buyer and for suppliers with a quote in the tender. After the opening, every opened "
        "quote's receipt (revision, server time, SHA-256); suppliers see other entries without names.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: OpeningSerializer, **READ_ERRORS},
        examples=[ex.OPENING],
    )
    def get(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "quote.view", self.company)
        tender, opening, entries = selectors.opening_for(actor=request.user, company=self.company, tender_pk=tender_pk)
        return Response(opening_data(tender, opening, entries, self.company, self.context()))


def opening_data(tender: Tender, opening: Any, entries: list, company: Company, context: dict) -> dict[str, Any]:
    confirmations = []
    if tender.buyer_id == company.pk:
        from quotes.models import OpeningConfirmation

        confirmations = [
            {"user_id": confirmation.user_id, "confirmed_at": confirmation.confirmed_at.isoformat()}
            for confirmation in OpeningConfirmation.objects.filter(tender=tender).order_by("confirmed_at")
        ]
    return OpeningSerializer(
        {
            "tender": tender.pk,
            "status": tender.status,
            "opening_at": tender.effective_opening_at,
            "committee_required": tender.committee_opening_required,
            "committee_quorum": tender.committee_quorum,
            "confirmations": confirmations,
            "opened": opening is not None,
            "opened_at": opening.opened_at if opening else None,
            "method": opening.method if opening else None,
            "quote_count": opening.quote_count if opening else None,
            "entries": entries,
        },
        context=context,
    ).data


class OpeningConfirmView(CompanyMixin, APIView):
    @extend_schema(
        summary="Confirm the opening (a named opener of a committee opening)",
        description="On or after the opening time, by a person named as opener. When the quorum is reached the "
        "quotes open at once. API keys cannot confirm.",
        parameters=[X_COMPANY, TENDER_PK],
        request=None,
        responses={200: OpeningSerializer, **WRITE_ERRORS},
        examples=[ex.OPENING],
    )
    def post(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "tender.view", self.company)
        tender = self.bought_tender(tender_pk)
        services.opening_confirm(tender=tender, actor=request.user, request=request)
        tender, opening, entries = selectors.opening_for(actor=request.user, company=self.company, tender_pk=tender.pk)
        return Response(opening_data(tender, opening, entries, self.company, self.context()))


class ComparisonView(CompanyMixin, APIView):
    @extend_schema(
        summary="Comparison and scoring of the opened quotes (buyer)",
        description="Needs evaluation.view. Per item the prices side by side with the lowest marked; per quote the "
        "totals, delivery, deviations (missing_items, short_quantity, validity_expired, not_confirmed) and the "
        "scores: price points = lowest total / this total x weight; other criteria = average evaluator score "
        "/ 10 x weight; weighted total and rank. 409 while the quotes are sealed.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: OpenApiTypes.OBJECT, **SEALED_ERRORS},
        examples=[ex.COMPARISON],
    )
    def get(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "evaluation.view", self.company)
        comparison = selectors.comparison_for(actor=request.user, company=self.company, tender_pk=tender_pk)
        return Response(exports.comparison_data(comparison))


class ComparisonExportView(CompanyMixin, APIView):
    renderer_classes = [CsvRenderer, JSONRenderer]

    @extend_schema(
        summary="The comparison as CSV (buyer)",
        description="Same rules as the comparison: evaluation.view, and only after the opening.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={(200, "text/csv"): OpenApiTypes.STR, **SEALED_ERRORS},
    )
    def get(self, request: Request, tender_pk: str) -> HttpResponse:
        permissions.require(request.user, "evaluation.view", self.company)
        comparison = selectors.comparison_for(actor=request.user, company=self.company, tender_pk=tender_pk)
        response = HttpResponse(exports.comparison_csv(comparison), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="comparison-{comparison.tender.number}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


class ScoresView(CompanyMixin, APIView):
    @extend_schema(
        summary="Evaluators' scores of a tender (buyer)",
        description="Needs evaluation.view; after the opening.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: ScoreSerializer(many=True), **SEALED_ERRORS},
    )
    def get(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "evaluation.view", self.company)
        scores = selectors.scores_for(actor=request.user, company=self.company, tender_pk=tender_pk)
        return Response(ScoreSerializer(scores, many=True).data)

    @extend_schema(
        summary="Score an opened quote on a criterion (0-10, with a comment)",
        description="Needs evaluation.score (evaluators, admins, owners); people only. Sets or replaces your own "
        "score. The price criterion is computed and cannot be scored.",
        parameters=[X_COMPANY, TENDER_PK],
        request=ScoreInputSerializer,
        responses={200: ScoreSerializer, **WRITE_ERRORS},
        examples=[ex.SCORE],
    )
    def post(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "evaluation.score", self.company)
        serializer = ScoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quote = _find_quote(data["quote"], tender=self.bought_tender(tender_pk), **_opened_for_buyer(self.company))
        criterion = TenderCriterion.objects.filter(pk=data["criterion"], tender_id=quote.tender_id).first()
        if criterion is None:
            raise NotFound("No such criterion.")
        score = services.score_set(
            quote=quote,
            criterion=criterion,
            actor=request.user,
            score=data["score"],
            comment=data.get("comment", ""),
            request=request,
        )
        return Response(ScoreSerializer(score).data)


class AwardsView(CompanyMixin, APIView):
    @extend_schema(
        summary="Awards of a tender",
        description="The buyer sees every award; a supplier only the awards made to its own quotes.",
        parameters=[X_COMPANY, TENDER_PK],
        responses={200: AwardSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "quote.view", self.company)
        awards = selectors.awards_for(actor=request.user, company=self.company, tender_pk=tender_pk)
        return Response(AwardSerializer(awards, many=True).data)

    @extend_schema(
        summary="Award the tender (whole, or split by item)",
        description="Needs award.make. Only opened or shortlisted quotes still valid today; each item to one quote. "
        "Amounts are the server's (quote total or line total). The tender becomes awarded, the other quotes "
        "not awarded; emits award.made to the buyer and to every supplier.",
        parameters=[X_COMPANY, TENDER_PK],
        request=AwardInputSerializer,
        responses={201: AwardSerializer(many=True), **WRITE_ERRORS},
        examples=[ex.AWARD_WHOLE, ex.AWARD_SPLIT],
    )
    def post(self, request: Request, tender_pk: str) -> Response:
        permissions.require(request.user, "award.make", self.company)
        tender = self.bought_tender(tender_pk)
        serializer = AwardInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        awards = services.award_make(
            tender=tender,
            actor=request.user,
            awards=[dict(entry) for entry in serializer.validated_data["awards"]],
            note=serializer.validated_data.get("note", ""),
            request=request,
        )
        fresh = selectors.awards_for(actor=request.user, company=self.company, tender_pk=tender.pk).filter(
            pk__in=[award.pk for award in awards]
        )
        return Response(AwardSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)
