"""Accounts API: JWT sign-in (login, refresh, logout), the signed-in person, and API keys."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts import selectors, services, tokens
from accounts.api.permissions import IsPerson
from accounts.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    LoginInputSerializer,
    LogoutInputSerializer,
    MeSerializer,
    RefreshInputSerializer,
    TokenPairSerializer,
)
from accounts.authentication import JWTAuthentication
from accounts.exceptions import AuthenticationRefused
from accounts.models import TokenFamily
from accounts.throttles import AnonRateThrottle, LoginEmailThrottle, LoginIPThrottle
from companies.api.context import X_COMPANY, acting_company
from cotai.api.openapi import PROBLEM
from cotai.api.pagination import DefaultPagination
from cotai.exceptions import PermissionDenied

# Endpoints about oneself or managing credentials: people only (API keys are refused).
PEOPLE_AUTH = [{"jwtAuth": []}, {"cookieAuth": []}]


def _pair_data(pair: services.TokenPair) -> dict[str, Any]:
    return TokenPairSerializer(
        {
            "token_type": "Bearer",
            "access": pair.access,
            "access_expires_at": pair.access_expires_at,
            "refresh": pair.refresh,
            "refresh_expires_at": pair.refresh_expires_at,
        }
    ).data


class LoginView(APIView):
    """Exchange email and password (and the MFA code, if the account has MFA) for tokens."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_login",
        auth=[],
        request=LoginInputSerializer,
        responses={
            200: TokenPairSerializer,
            400: PROBLEM,
            401: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="code invalid_credentials, mfa_code_required or invalid_mfa_code.",
            ),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="code email_not_verified or mfa_setup_required."),
            429: OpenApiResponse(OpenApiTypes.OBJECT, description="Too many attempts; see Retry-After."),
        },
        examples=[
            OpenApiExample(
                "Sign in",
                value={"email": "ana@example.com", "password": "correct-horse-battery-staple"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.auth_login(
            request=request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
            otp=serializer.validated_data.get("otp", ""),
        )
        return Response(_pair_data(pair))


class RefreshView(APIView):
    """Rotate a refresh token. Each refresh token works once: using one again revokes the sign-in."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_refresh",
        auth=[],
        request=RefreshInputSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="code token_not_valid, token_revoked, token_reused (the whole sign-in is now "
                "revoked) or user_inactive.",
            ),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="code mfa_setup_required."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.auth_refresh(request=request, refresh=serializer.validated_data["refresh"])
        return Response(_pair_data(pair))


class LogoutView(APIView):
    """End an API sign-in: its refresh tokens are blacklisted and its access tokens stop working.

    Send the access token (Authorization: Bearer), the refresh token (body), or both.
    """

    authentication_classes = [JWTAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_logout",
        request=LogoutInputSerializer,
        responses={204: None, 401: PROBLEM, 403: PROBLEM},
    )
    def post(self, request: Request) -> Response:
        serializer = LogoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        families: set[str] = set()
        user = request.user if request.user and request.user.is_authenticated else None
        if request.auth is not None and request.auth.get(tokens.FAMILY_CLAIM):
            families.add(str(request.auth[tokens.FAMILY_CLAIM]))
        raw_refresh = serializer.validated_data.get("refresh") or ""
        if raw_refresh:
            try:
                refresh = tokens.RotatingRefreshToken(raw_refresh)
            except TokenError as exc:
                raise AuthenticationRefused(str(exc.args[0] if exc.args else exc), code="token_not_valid") from exc
            if user is not None and str(refresh.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
                raise PermissionDenied("This refresh token belongs to another account.")
            if refresh.get(tokens.FAMILY_CLAIM):
                families.add(str(refresh[tokens.FAMILY_CLAIM]))
        if not families:
            raise NotAuthenticated("Send the access token or the refresh token of the sign-in to end.")
        for family_id in sorted(families):
            services.token_family_revoke(family_id=family_id, reason=TokenFamily.RevokeReason.LOGOUT, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in person's profile. PATCH changes full name, phone, language, time zone."""

    permission_classes = [IsAuthenticated, IsPerson]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_me",
        auth=PEOPLE_AUTH,
        responses={200: MeSerializer, 401: PROBLEM, 403: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        tags=["auth"],
        operation_id="auth_me_update",
        auth=PEOPLE_AUTH,
        request=MeSerializer,
        responses={200: MeSerializer, 400: PROBLEM, 401: PROBLEM},
    )
    def patch(self, request: Request) -> Response:
        if "email" in request.data:
            raise ValidationError(
                {"email": ["The email address changes on the website (Account, Email), where the new one is verified."]}
            )
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(
            user=request.user, actor=request.user, request=request, **serializer.validated_data
        )
        return Response(MeSerializer(user).data)


class ApiKeyListCreateView(APIView):
    """The acting company's API keys (company administrators only)."""

    permission_classes = [IsAuthenticated, IsPerson]

    @extend_schema(
        tags=["api keys"],
        operation_id="api_keys_list",
        auth=PEOPLE_AUTH,
        parameters=[X_COMPANY],
        responses={200: ApiKeySerializer(many=True), 403: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        company = acting_company(request)
        queryset = selectors.api_key_list_for(actor=request.user, company=company)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ApiKeySerializer(page, many=True).data)

    @extend_schema(
        tags=["api keys"],
        operation_id="api_keys_create",
        auth=PEOPLE_AUTH,
        parameters=[X_COMPANY],
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer, 400: PROBLEM, 403: PROBLEM},
        description="The response carries the whole key in `key`, this once. Only its hash is stored.",
    )
    def post(self, request: Request) -> Response:
        company = acting_company(request)
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, plaintext = services.api_key_create(
            actor=request.user, company=company, request=request, **serializer.validated_data
        )
        api_key.key = plaintext
        response = Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class ApiKeyDetailView(APIView):
    permission_classes = [IsAuthenticated, IsPerson]

    @extend_schema(
        tags=["api keys"],
        operation_id="api_keys_retrieve",
        auth=PEOPLE_AUTH,
        parameters=[X_COMPANY],
        responses={200: ApiKeySerializer, 403: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        company = acting_company(request)
        return Response(ApiKeySerializer(selectors.api_key_get_for(actor=request.user, company=company, pk=pk)).data)


class ApiKeyRevokeView(APIView):
    permission_classes = [IsAuthenticated, IsPerson]

    @extend_schema(
        tags=["api keys"],
        operation_id="api_keys_revoke",
        auth=PEOPLE_AUTH,
        parameters=[X_COMPANY],
        request=None,
        responses={200: ApiKeySerializer, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        company = acting_company(request)
        api_key = selectors.api_key_get_for(actor=request.user, company=company, pk=pk)
        api_key = services.api_key_revoke(actor=request.user, api_key=api_key, request=request)
        return Response(ApiKeySerializer(api_key).data)
