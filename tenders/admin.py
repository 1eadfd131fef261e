"""Back office for tenders: staff look at tenders, items, questions and amendments, and act only through
services.

Nothing is edited by hand here: a tender's content belongs to its buyer (changed through the pages
and the API, where the amendment rules apply) and its status changes only in tenders.services.
The two things staff may do are admin actions that call services: close tenders whose deadline has
passed (what the beat task does every minute) and cancel tenders with a reason (a complaint, a
fraudulent buyer), both audited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from cotai.exceptions import ApplicationError
from tenders import services
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


class ViewOnlyMixin:
    """Staff may look; nobody — superusers included — adds, changes or deletes rows here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ItemInline(ViewOnlyMixin, admin.TabularInline):
    model = TenderItem
    fields = ["number", "description", "quantity", "unit", "lot"]
    readonly_fields = fields
    extra = 0


class CriterionInline(ViewOnlyMixin, admin.TabularInline):
    model = TenderCriterion
    fields = ["kind", "name", "weight"]
    readonly_fields = fields
    extra = 0


class DocumentInline(ViewOnlyMixin, admin.TabularInline):
    model = TenderDocument
    fields = ["title", "current_version", "created_at", "updated_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


class InvitationInline(ViewOnlyMixin, admin.TabularInline):
    model = TenderInvitation
    fields = ["supplier", "email", "status", "decline_reason", "invited_at", "responded_at"]
    readonly_fields = fields
    extra = 0


class AmendmentInline(ViewOnlyMixin, admin.TabularInline):
    model = Amendment
    fields = ["version", "material", "reason", "changed_by_label", "created_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Shown to the buyer and to every supplier that could see the tender.",
    )


@admin.register(Tender)
class TenderAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "title", "buyer", "status", "visibility", "submission_deadline", "version"]
    list_filter = ["status", "type", "visibility", "currency"]
    search_fields = ["number", "title", "buyer__legal_name", "buyer__trade_name", "buyer__code"]
    list_select_related = ["buyer"]
    date_hierarchy = "created_at"
    inlines = [ItemInline, CriterionInline, DocumentInline, InvitationInline, AmendmentInline]
    actions = ["close_due", "cancel_tenders"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Tender._meta.fields]

    @admin.action(description="Close selected tenders whose submission deadline has passed")
    def close_due(self, request: HttpRequest, queryset: QuerySet[Tender]) -> None:
        closed = sum(1 for tender in queryset if services.tender_close(tender=tender))
        skipped = queryset.count() - closed
        self.message_user(
            request,
            f"{closed} tender(s) closed; {skipped} left as they were (not published, or deadline not reached).",
            messages.SUCCESS,
        )

    @admin.action(description="Cancel selected tenders (asks for a reason)")
    def cancel_tenders(self, request: HttpRequest, queryset: QuerySet[Tender]) -> HttpResponse | None:
        form = CancelForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            done, refused = 0, []
            for tender in queryset:
                try:
                    services.tender_cancel(
                        tender=tender,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        as_staff=True,
                        request=request,
                    )
                    done += 1
                except ApplicationError as exc:
                    refused.append(f"{tender.number}: {exc.message}")
            self.message_user(request, f"{done} tender(s) cancelled.", messages.SUCCESS)
            for message in refused:
                self.message_user(request, message, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel tenders",
            "opts": self.model._meta,
            "tenders": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "tenders/admin/cancel_tenders.html", context)


@admin.register(TenderItem)
class TenderItemAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["tender", "number", "description", "quantity", "unit", "lot"]
    search_fields = ["description", "tender__number"]
    list_select_related = ["tender"]


class DocumentVersionInline(ViewOnlyMixin, admin.TabularInline):
    model = TenderDocumentVersion
    fields = ["number", "filename", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(TenderDocument)
class TenderDocumentAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "tender", "current_version", "updated_at"]
    search_fields = ["title", "tender__number"]
    list_select_related = ["tender"]
    inlines = [DocumentVersionInline]


@admin.register(Clarification)
class ClarificationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["tender", "asked_at", "asked_by_company", "published", "answered_at"]
    list_filter = ["published"]
    search_fields = ["question", "answer", "tender__number"]
    list_select_related = ["tender", "asked_by_company"]


@admin.register(Amendment)
class AmendmentAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["tender", "version", "material", "changed_by_label", "created_at"]
    list_filter = ["material"]
    search_fields = ["tender__number", "reason"]
    list_select_related = ["tender"]
    fields = ["tender", "version", "material", "reason", "changed_by_label", "created_at", "diff_text", "diff"]
