"""Back office for staff: verify companies, look at memberships and invitations, keep the taxonomy.

Memberships and invitations are read-only here: they change through the company's own pages and
API, where the owner rules and the audit trail apply. Verifying is an audited admin action, and
every profile change made here is audited too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from companies import services
from companies.models import Category, Company, Invitation, Membership
from cotai import audit


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Membership
    fields = ["user", "role", "is_active", "created_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["display_name", "legal_name", "tax_id_display", "country", "kind", "is_verified", "created_at"]
    list_filter = ["is_verified", "kind", "country", "mfa_required"]
    search_fields = ["legal_name", "trade_name", "tax_id", "slug", "code"]
    readonly_fields = ["slug", "is_verified", "verified_at", "created_at", "updated_at"]
    filter_horizontal = ["categories"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [MembershipInline]
    actions = ["mark_verified", "mark_unverified"]
    date_hierarchy = "created_at"

    @admin.display(description="tax id")
    def tax_id_display(self, obj: Company) -> str:
        return obj.tax_id_display

    def _set_verified(self, request: HttpRequest, queryset: QuerySet[Company], verified: bool) -> None:
        changed = 0
        for company in queryset:
            if company.is_verified != verified:
                services.company_set_verified(actor=request.user, company=company, verified=verified, request=request)
                changed += 1
        word = "verified" if verified else "no longer verified"
        self.message_user(request, f"{changed} compan{'y' if changed == 1 else 'ies'} {word}.", messages.SUCCESS)

    @admin.action(description="Mark selected companies as verified")
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[Company]) -> None:
        self._set_verified(request, queryset, True)

    @admin.action(description="Remove the verified mark")
    def mark_unverified(self, request: HttpRequest, queryset: QuerySet[Company]) -> None:
        self._set_verified(request, queryset, False)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Companies are registered by people, who become their first owner; staff only look after them.
        return False

    def save_model(self, request: HttpRequest, obj: Company, form: Any, change: bool) -> None:
        # Kept on the request (the admin object is shared by every request) until save_related has
        # saved the categories too, so the audit event sees the whole change.
        request._companies_before = services.company_snapshot(Company.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_companies_before", {})
        after = services.company_snapshot(form.instance)
        changed = sorted(name for name in after if before.get(name) != after[name])
        if changed:
            audit.record(
                action="company.updated",
                actor=request.user,
                company=form.instance,
                obj=form.instance,
                before={name: before.get(name) for name in changed},
                after={name: after[name] for name in changed},
                request=request,
                data={"via": "admin"},
            )


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "company", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__full_name", "company__legal_name", "company__trade_name"]
    list_select_related = ["user", "company"]
    raw_id_fields = ["user", "company"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "company", "role", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["email", "company__legal_name", "company__trade_name"]
    list_select_related = ["company", "invited_by"]
    exclude = ["token_hash"]  # useless to staff, and only the hash anyway


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["code"]}
    raw_id_fields = ["parent"]
