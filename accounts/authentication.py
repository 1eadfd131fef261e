"""DRF authentication: JWT access tokens (with family revocation) and API keys.

Both are in REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]; drf-spectacular documents them as
the security schemes ``jwtAuth`` (HTTP bearer) and ``apiKeyAuth`` (``Authorization: Api-Key <key>``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt import exceptions as simplejwt_exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

from accounts import selectors, services, tokens
from accounts.principals import ApiKeyPrincipal
from cotai.eventstore.request_info import client_ip

API_KEY_KEYWORD = "Api-Key"


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's bearer authentication plus one rule: the token's family must not be revoked.

    simplejwt already refuses a bad signature, another algorithm (``none`` included: only the
    configured one is accepted), an expired token, a token of another type (a refresh token is not
    an access token) and an inactive or deleted user. A family is revoked by logout, by reuse of one
    of its refresh tokens, by a password change or a deactivation; the check costs one cache read.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        family_id = token.get(tokens.FAMILY_CLAIM)
        if not family_id or not tokens.family_is_active(str(family_id)):
            raise AuthenticationFailed("This token has been revoked; sign in again.", code="token_revoked")
        return user, token

    def get_user(self, validated_token: Any) -> Any:
        """simplejwt's lookup, with its refusals (inactive, unknown user) keeping their code in the
        problem document (simplejwt wraps them in a dict the exception handler cannot read)."""
        try:
            return super().get_user(validated_token)
        except simplejwt_exceptions.AuthenticationFailed as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            raise AuthenticationFailed(
                str(detail.get("detail", "Authentication failed.")),
                code=str(detail.get("code", "authentication_failed")),
            ) from exc


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key cotai_<prefix>_<secret>``: request.user becomes an ApiKeyPrincipal
    (one company, a set of scopes), request.auth the ApiKey. Revoked and expired keys are refused."""

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != API_KEY_KEYWORD.lower().encode(HTTP_HEADER_ENCODING):
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                "The Authorization header must be 'Api-Key <key>'.", code="bad_authorization_header"
            )
        try:
            raw = parts[1].decode(HTTP_HEADER_ENCODING)
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("The API key is not valid.", code="api_key_invalid") from exc
        api_key = selectors.api_key_for_raw(raw)
        if api_key is None:
            raise AuthenticationFailed("The API key is not valid.", code="api_key_invalid")
        if api_key.revoked_at is not None:
            raise AuthenticationFailed("This API key has been revoked.", code="api_key_revoked")
        if api_key.is_expired():
            raise AuthenticationFailed("This API key has expired.", code="api_key_expired")
        services.api_key_record_use(api_key=api_key, ip=client_ip(request))
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{API_KEY_KEYWORD} realm="api"'


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106 - the scheme name, not a secret
            bearer_format="JWT",
        )
        scheme["description"] = (
            "Access token from POST /api/v1/auth/login (or /auth/refresh), sent as "
            "`Authorization: Bearer <access>`. Short-lived; refused after logout."
        )
        return scheme


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Service-to-service key created by a company administrator, sent as "
                "`Authorization: Api-Key cotai_<prefix>_<secret>`. Acts for one company, limited to the "
                "key's scopes."
            ),
        }
