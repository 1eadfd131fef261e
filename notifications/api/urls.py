"""Notifications API routes, included under /api/v1/ by cotai.api_router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from notifications.api import views

router = SimpleRouter(trailing_slash=False)
router.register("notifications/devices", views.DeviceViewSet, basename="notification-device")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("webhooks/endpoints", views.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = [
    # Before the router: "notifications/{pk}" would otherwise take "preferences" for an id.
    path("notifications/preferences", views.PreferencesView.as_view(), name="notification-preferences"),
    *router.urls,
]
