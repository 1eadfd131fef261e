"""Back office for people, API keys and API sign-ins.

API keys are read-only here: only their public prefix and hash exist, and creating or revoking one
goes through the services (which check the company role and audit) from the company's pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest

from accounts.models import ApiKey, TokenFamily, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "language")
    search_fields = ("email", "full_name", "phone")
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone", "language", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "display_prefix", "company", "status", "created_at", "expires_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "company__legal_name", "company__trade_name")
    list_select_related = ("company",)
    # The hash is never shown: it is of no use to anyone reading the back office.
    fields = readonly_fields = [field.name for field in ApiKey._meta.fields if field.name != "secret_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False


@admin.register(TokenFamily)
class TokenFamilyAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_refreshed_at", "expires_at", "revoked_at", "revoke_reason", "ip")
    list_filter = ("revoke_reason",)
    search_fields = ("user__email", "ip")
    list_select_related = ("user",)
    readonly_fields = [field.name for field in TokenFamily._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TokenFamily | None = None) -> bool:
        return False
