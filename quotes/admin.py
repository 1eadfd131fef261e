"""The back office for quotes: read-only, and sealed like everywhere else (DESIGN rule 2).

Staff see that a quote exists, for which tender, from which supplier, its status and its receipt
hashes — never, before the opening, its prices, lines, terms, answers or attachments: those
fields and the revision inline are left out of the page until the quote is opened, and no list
column, filter, search field or sort order touches a price. Nothing here can change a quote or a
revision: every model is view-only (the services are the only writers, and a submitted revision
is immutable down to the database).
"""

from __future__ import annotations

import html
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from quotes import money
from quotes.choices import OPENED_STATUSES
from quotes.models import Award, OpeningEntry, Quote, QuoteRevision, QuoteScore, TenderOpening

SEALED = "sealed until the opening"


def is_opened(quote: Quote) -> bool:
    return quote.status in OPENED_STATUSES and quote.opened_at is not None


class ViewOnlyMixin:
    """Staff may look; nobody — superusers included — may add, change or delete here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RevisionInline(ViewOnlyMixin, admin.TabularInline):
    """Receipts of an opened quote: only the revision that was opened (earlier ones stay the supplier's)."""

    model = QuoteRevision
    fields = ["number", "submitted_at", "content_sha256", "tender_version", "total_display"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest):
        opened = OpeningEntry.objects.values("revision_id")
        return super().get_queryset(request).filter(pk__in=opened)

    @admin.display(description="total")
    def total_display(self, revision: QuoteRevision) -> str:
        return f"{money.format_amount(revision.total, revision.currency)} {revision.currency}"


# Fields shown for every quote (no offer content) and the offer fields shown only once opened.
META_FIELDS = [
    "tender",
    "supplier",
    "status",
    "created_at",
    "updated_at",
    "receipt",
    "confirmed_version",
    "withdrawn_at",
    "opened_at",
    "decided_at",
]
OFFER_FIELDS = [
    "total_display",
    "delivery_days",
    "validity_date",
    "payment_terms",
    "notes",
    "opened_lines",
    "questionnaire_answers",
    "attachment_list",
    "decision_reason",
]


@admin.register(Quote)
class QuoteAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "tender", "supplier", "status", "submitted_at", "total_display", "created_at"]
    list_filter = ["status"]
    # Never a price, a line or a note: searching those would probe sealed content.
    search_fields = ["tender__number", "tender__title", "supplier__legal_name", "supplier__trade_name"]
    list_select_related = ["tender", "supplier", "current_revision"]
    ordering = ["-created_at"]
    sortable_by = ["id", "status", "created_at"]
    inlines = [RevisionInline]

    def get_fields(self, request: HttpRequest, obj: Quote | None = None) -> list[str]:
        return META_FIELDS + (OFFER_FIELDS if obj is not None and is_opened(obj) else [])

    def get_readonly_fields(self, request: HttpRequest, obj: Quote | None = None) -> list[str]:
        return self.get_fields(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Quote | None):
        return self.inlines if obj is not None and is_opened(obj) else []

    @admin.display(description="submitted at")
    def submitted_at(self, quote: Quote):
        return quote.current_revision.submitted_at if quote.current_revision else None

    @admin.display(description="total")
    def total_display(self, quote: Quote) -> str:
        if not is_opened(quote):
            return SEALED
        revision = quote.current_revision
        return f"{money.format_amount(revision.total, revision.currency)} {revision.currency}"

    @admin.display(description="receipt (current revision)")
    def receipt(self, quote: Quote) -> str:
        revision = quote.current_revision
        if revision is None:
            return "-"
        return f"revision {revision.number}, {revision.submitted_at.isoformat()}, SHA-256 {revision.content_sha256}"

    @admin.display(description="lines (opened revision)")
    def opened_lines(self, quote: Quote) -> SafeString | str:
        if not is_opened(quote):
            return SEALED
        lines = quote.current_revision.content.get("lines", [])
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    line["item_number"],
                    line["item_description"],
                    line["unit_price"],
                    line["quantity"],
                    line["brand_model"],
                    line["total"],
                )
                for line in lines
            ),
        )
        return format_html(
            "<table><tr><th>item</th><th>description</th><th>unit price</th><th>quantity</th>"
            "<th>brand/model</th><th>total</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="attachments (opened revision)")
    def attachment_list(self, quote: Quote) -> str:
        if not is_opened(quote):
            return SEALED
        listed = quote.current_revision.content.get("attachments", [])
        return ", ".join(html.escape(f"{item['filename']} ({item['sha256'][:12]}...)") for item in listed) or "-"


@admin.register(QuoteRevision)
class QuoteRevisionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Receipts. The content (prices, lines) shows only for the revision that was opened."""

    list_display = ["quote", "number", "submitted_at", "content_sha256"]
    list_select_related = ["quote"]
    search_fields = ["content_sha256", "quote__tender__number"]
    sortable_by = ["number", "submitted_at"]

    def _opened(self, revision: QuoteRevision | None) -> bool:
        return (
            revision is not None
            and is_opened(revision.quote)
            and OpeningEntry.objects.filter(revision=revision).exists()
        )

    def get_fields(self, request: HttpRequest, obj: QuoteRevision | None = None) -> list[str]:
        fields = ["quote", "number", "submitted_at", "content_sha256", "tender_version", "currency"]
        if self._opened(obj):
            fields += ["subtotal", "discount_total", "tax_total", "total", "line_count", "content"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: QuoteRevision | None = None) -> list[str]:
        return self.get_fields(request, obj)


class OpeningEntryInline(ViewOnlyMixin, admin.TabularInline):
    model = OpeningEntry
    fields = ["quote", "supplier", "revision_number", "submitted_at", "content_sha256"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(TenderOpening)
class TenderOpeningAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["tender", "opened_at", "method", "quote_count"]
    fields = ["tender", "opened_at", "method", "opened_by", "openers", "quote_count"]
    readonly_fields = fields
    inlines = [OpeningEntryInline]


@admin.register(Award)
class AwardAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["tender", "quote", "item", "amount", "currency", "awarded_at"]
    list_select_related = ["tender", "quote", "item"]
    fields = ["tender", "quote", "revision", "item", "amount", "currency", "note", "awarded_by", "awarded_at"]
    readonly_fields = fields


@admin.register(QuoteScore)
class QuoteScoreAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Scores exist only for opened quotes (the service refuses others), so nothing here is sealed."""

    list_display = ["quote", "criterion", "evaluator", "score", "updated_at"]
    list_select_related = ["quote", "criterion", "evaluator"]
    fields = ["quote", "criterion", "evaluator", "score", "comment", "created_at", "updated_at"]
    readonly_fields = fields
