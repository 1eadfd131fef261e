"""Input and output shapes of the accounts API. Validation of rules lives in accounts.services."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from accounts.models import TIME_ZONE_CHOICES, ApiKey, ApiKeyStatus, User
from accounts.scopes import SCOPES


class LoginInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The code of the authenticator app (or a recovery code), for accounts with two-factor "
        "authentication.",
    )


class TokenPairSerializer(serializers.Serializer):
    token_type = serializers.CharField(default="Bearer")
    access = serializers.CharField(help_text="Send as 'Authorization: Bearer <access>'.")
    access_expires_at = serializers.DateTimeField()
    refresh = serializers.CharField(help_text="Single use: POST it to /auth/refresh for a new pair.")
    refresh_expires_at = serializers.DateTimeField()


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(
        max_length=4096,
        required=False,
        allow_blank=True,
        help_text="The refresh token to end. Optional when an access token of the same sign-in is sent.",
    )


class MeSerializer(serializers.ModelSerializer):
    """The signed-in person. The email is read-only here: it changes through the verified flow."""

    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    time_zone = serializers.ChoiceField(choices=TIME_ZONE_CHOICES, required=False)
    mfa_enabled = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "phone", "language", "time_zone", "date_joined", "mfa_enabled"]
        read_only_fields = ["id", "email", "date_joined", "mfa_enabled"]

    def get_mfa_enabled(self, user: User) -> bool:
        from allauth.mfa.utils import is_mfa_enabled

        return is_mfa_enabled(user)


class ApiKeySerializer(serializers.ModelSerializer):
    """A key as listed: never its secret."""

    prefix = serializers.CharField(source="display_prefix", help_text="The public start of the key.")
    status = serializers.ChoiceField(choices=ApiKeyStatus.choices)
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "status",
            "created_at",
            "created_by",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "last_used_ip",
        ]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(SCOPES)), allow_empty=False, max_length=len(SCOPES)
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The whole key. Shown this once: store it now, it cannot be read again.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields
