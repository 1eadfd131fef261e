"""Notifications API: the caller's notifications, preferences and devices; the acting company's
webhook endpoints and deliveries.

Notifications, preferences and devices belong to a person (JWT or session); an API key is refused
with 403 (integrations receive events through webhooks). Webhook endpoints and deliveries need the
action webhooks.manage in the acting company (owners and admins, or an API key with the scope
webhooks:manage); another company's ids answer 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies import permissions
from companies.api.context import X_COMPANY, acting_company
from cotai.api.openapi import ERRORS, PROBLEM
from notifications import catalog, selectors, services
from notifications.api.serializers import (
    DeviceCreateSerializer,
    DeviceSerializer,
    MarkedSerializer,
    NotificationSerializer,
    PreferencesSerializer,
    PreferencesUpdateSerializer,
    UnreadCountSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointSecretSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWriteSerializer,
)


class IsPerson(BasePermission):
    """Signed in as a person: API keys have no notifications of their own."""

    message = "Notifications belong to a person; API keys receive events through webhooks."

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and getattr(request.user, "pk", None) is not None)


class ManagesWebhooks(BasePermission):
    """webhooks.manage in the acting company (resolved from X-Company or the API key)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        permissions.require(request.user, "webhooks.manage", acting_company(request))
        return True


# --- notifications --------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Your notifications",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=list(selectors.STATUS_FILTERS),
                description="unread, all (not archived; the default) or archived",
            ),
            OpenApiParameter("type", str, enum=list(catalog.TYPES), description="Only this notification type"),
        ],
        responses={200: NotificationSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One notification", responses={200: NotificationSerializer, 404: PROBLEM, **ERRORS}),
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated, IsPerson]
    filter_backends: list = []

    def get_queryset(self) -> Any:
        status_ = self.request.query_params.get("status", "all")
        if status_ not in selectors.STATUS_FILTERS:
            status_ = "all"
        event_type = self.request.query_params.get("type", "")
        return selectors.notification_list_for(
            user=self.request.user, status=status_, event_type=event_type if event_type in catalog.TYPES else ""
        )

    def get_object(self) -> Any:
        return selectors.notification_get_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(summary="Mark read", request=None, responses={200: NotificationSerializer, 404: PROBLEM, **ERRORS})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        return Response(
            NotificationSerializer(services.notification_mark_read(actor=request.user, notification_id=pk)).data
        )

    @extend_schema(summary="Mark unread", request=None, responses={200: NotificationSerializer, 404: PROBLEM, **ERRORS})
    @action(detail=True, methods=["post"])
    def unread(self, request: Request, pk: str) -> Response:
        return Response(
            NotificationSerializer(services.notification_mark_unread(actor=request.user, notification_id=pk)).data
        )

    @extend_schema(summary="Archive", request=None, responses={200: NotificationSerializer, 404: PROBLEM, **ERRORS})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        return Response(
            NotificationSerializer(services.notification_archive(actor=request.user, notification_id=pk)).data
        )

    @extend_schema(
        summary="Mark all read",
        request=None,
        parameters=[OpenApiParameter("type", str, enum=list(catalog.TYPES), description="Only this type")],
        responses={200: MarkedSerializer, **ERRORS},
        examples=[OpenApiExample("Marked", value={"marked": 12}, response_only=True)],
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        event_type = request.query_params.get("type") or None
        return Response({"marked": services.notification_mark_all_read(actor=request.user, event_type=event_type)})

    @extend_schema(summary="Unread count (the bell)", responses={200: UnreadCountSerializer, **ERRORS})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(request.user)})


# --- preferences ----------------------------------------------------------------------------------------
def _preferences_body(user: Any) -> dict[str, Any]:
    matrix = services.preference_matrix(user)
    row = services.settings_for(user)
    return {
        "types": [
            {
                "type": name,
                "label": spec.label,
                "description": spec.description,
                "mandatory": spec.mandatory,
                "channels": matrix[name],
            }
            for name, spec in catalog.TYPES.items()
        ],
        "settings": {
            "digest_frequency": row.digest_frequency,
            "digest_hour": row.digest_hour,
            "digest_weekday": row.digest_weekday,
            "quiet_hours_start": row.quiet_hours_start.isoformat() if row.quiet_hours_start else None,
            "quiet_hours_end": row.quiet_hours_end.isoformat() if row.quiet_hours_end else None,
            "time_zone": getattr(user, "time_zone", "UTC"),
        },
    }


class PreferencesView(APIView):
    permission_classes = [IsAuthenticated, IsPerson]

    @extend_schema(summary="Your notification preferences", responses={200: PreferencesSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(_preferences_body(request.user))

    @extend_schema(
        summary="Change notification preferences",
        request=PreferencesUpdateSerializer,
        responses={200: PreferencesSerializer, 400: PROBLEM, **ERRORS},
        examples=[
            OpenApiExample(
                "SMS for invitations, daily digest, quiet nights",
                value={
                    "choices": [{"type": "tender.invited", "channel": "sms", "enabled": True}],
                    "settings": {"digest_frequency": "daily", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
                },
                request_only=True,
            )
        ],
    )
    def patch(self, request: Request) -> Response:
        data = PreferencesUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        choices = {(c["type"], c["channel"]): c["enabled"] for c in data.validated_data.get("choices", [])}
        if choices:
            services.preferences_update(actor=request.user, choices=choices)
        settings_data = dict(data.validated_data.get("settings") or {})
        if settings_data:
            services.settings_update(
                actor=request.user,
                digest_frequency=settings_data.get("digest_frequency"),
                digest_hour=settings_data.get("digest_hour"),
                digest_weekday=settings_data.get("digest_weekday"),
                quiet_hours_start=settings_data.get("quiet_hours_start", ""),
                quiet_hours_end=settings_data.get("quiet_hours_end", ""),
            )
        return Response(_preferences_body(request.user))


# --- devices ----------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Your push devices", responses={200: DeviceSerializer(many=True), **ERRORS}),
    destroy=extend_schema(summary="Stop pushing to a device", responses={204: None, 404: PROBLEM, **ERRORS}),
)
class DeviceViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = DeviceSerializer
    permission_classes = [IsAuthenticated, IsPerson]
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return selectors.devices_for(self.request.user)

    @extend_schema(
        summary="Register a device",
        request=DeviceCreateSerializer,
        responses={201: DeviceSerializer, 400: PROBLEM, **ERRORS},
        examples=[
            OpenApiExample(
                "A browser (Web Push)",
                value={
                    "platform": "web",
                    "subscription": {
                        "endpoint": "https://push.example/abc",
                        "keys": {"p256dh": "BNc...", "auth": "tBH..."},
                    },
                },
                request_only=True,
            ),
            OpenApiExample(
                "An Android phone (FCM)", value={"platform": "android", "token": "fcm-token"}, request_only=True
            ),
        ],
    )
    def create(self, request: Request) -> Response:
        data = DeviceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.device_register(actor=request.user, **data.validated_data)
        return Response(DeviceSerializer(device).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.device_revoke(actor=request.user, device_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- webhooks -----------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Webhook endpoints of the company",
        parameters=[X_COMPANY],
        responses={200: WebhookEndpointSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One webhook endpoint",
        parameters=[X_COMPANY],
        responses={200: WebhookEndpointSerializer, 404: PROBLEM, **ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete an endpoint", parameters=[X_COMPANY], responses={204: None, 404: PROBLEM, **ERRORS}
    ),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = r"\d+"
    serializer_class = WebhookEndpointSerializer
    permission_classes = [IsAuthenticated, ManagesWebhooks]
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return selectors.endpoints_for(actor=self.request.user, company=acting_company(self.request))

    def get_object(self) -> Any:
        return selectors.endpoint_get_for(
            actor=self.request.user, company=acting_company(self.request), pk=self.kwargs["pk"]
        )

    @extend_schema(
        summary="Register an endpoint",
        parameters=[X_COMPANY],
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointSecretSerializer, 400: PROBLEM, **ERRORS},
        description="The URL must resolve to public addresses only. The answer carries the signing secret.",
        examples=[
            OpenApiExample(
                "ERP receiver",
                value={
                    "url": "https://erp.example.com/cotai/webhooks",
                    "event_types": ["tender.published", "award.won"],
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        data = WebhookEndpointWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(
            actor=request.user,
            company=acting_company(request),
            url=data.validated_data["url"],
            event_types=data.validated_data["event_types"],
            description=data.validated_data.get("description", ""),
            request=request,
        )
        return Response(WebhookEndpointSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an endpoint",
        parameters=[X_COMPANY],
        request=WebhookEndpointWriteSerializer(partial=True),
        responses={200: WebhookEndpointSerializer, 400: PROBLEM, 404: PROBLEM, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = WebhookEndpointWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(
            actor=request.user, endpoint=self.get_object(), request=request, **data.validated_data
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.webhook_endpoint_delete(actor=request.user, endpoint=self.get_object(), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a test event",
        parameters=[X_COMPANY],
        request=None,
        responses={202: WebhookDeliverySerializer, 404: PROBLEM, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        delivery = services.webhook_send_test(actor=request.user, endpoint=self.get_object(), request=request)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Rotate the signing secret",
        parameters=[X_COMPANY],
        request=None,
        description="The previous secret keeps signing (alongside) for NOTIFICATIONS_WEBHOOK_ROTATION_HOURS.",
        responses={200: WebhookEndpointSecretSerializer, 404: PROBLEM, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        endpoint = services.webhook_endpoint_rotate_secret(
            actor=request.user, endpoint=self.get_object(), request=request
        )
        return Response(WebhookEndpointSecretSerializer(endpoint).data)

    @extend_schema(
        summary="The signing secrets",
        parameters=[X_COMPANY],
        responses={200: WebhookEndpointSecretSerializer, 404: PROBLEM, **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def secret(self, request: Request, pk: str) -> Response:
        return Response(WebhookEndpointSecretSerializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(
        summary="Webhook deliveries of the company",
        parameters=[X_COMPANY, OpenApiParameter("endpoint", int, description="Only this endpoint")],
        responses={200: WebhookDeliverySerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One webhook delivery",
        parameters=[X_COMPANY],
        responses={200: WebhookDeliverySerializer, 404: PROBLEM, **ERRORS},
    ),
)
class WebhookDeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = WebhookDeliverySerializer
    permission_classes = [IsAuthenticated, ManagesWebhooks]
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return selectors.deliveries_for(
            actor=self.request.user,
            company=acting_company(self.request),
            endpoint_id=self.request.query_params.get("endpoint"),
        )

    def get_object(self) -> Any:
        return selectors.delivery_get_for(
            actor=self.request.user, company=acting_company(self.request), pk=self.kwargs["pk"]
        )

    @extend_schema(
        summary="Deliver again",
        parameters=[X_COMPANY],
        request=None,
        description="A new delivery of the same payload with the same webhook-id.",
        responses={202: WebhookDeliverySerializer, 404: PROBLEM, 409: PROBLEM, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str) -> Response:
        copy = services.webhook_redeliver(actor=request.user, delivery=self.get_object(), request=request)
        return Response(WebhookDeliverySerializer(copy).data, status=status.HTTP_202_ACCEPTED)
