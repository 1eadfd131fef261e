"""URLs for the event store tests: API routes of both kinds, /ping, the health check and the admin.

The tests use this URLconf rather than the project's so that they depend on nothing but the event store."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.urls import include, path
from rest_framework import authentication, permissions, viewsets
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from cotai import health


class HeaderCompanyAuthentication(authentication.BaseAuthentication):
    """Authenticates X-Test-User and hands DRF an auth object carrying X-Test-Company as company_id."""

    class Credentials:
        def __init__(self, company_id: int):
            self.company_id = company_id

    def authenticate(self, request):
        user_id = request.headers.get("X-Test-User")
        if not user_id:
            return None
        user = get_user_model().objects.get(pk=int(user_id))
        return user, self.Credentials(int(request.headers["X-Test-Company"]))


class ThingViewSet(viewsets.ViewSet):
    authentication_classes = [HeaderCompanyAuthentication]
    permission_classes = [permissions.AllowAny]

    def retrieve(self, request, pk=None):
        return Response({"id": pk})


def item(request, pk):
    return JsonResponse({"id": pk})


# Plain error answers: the project's error pages link to URLs this URLconf does not have.
def not_found(request, exception):
    return JsonResponse({"detail": "not found"}, status=404)


def forbidden(request, exception):
    return JsonResponse({"detail": "forbidden"}, status=403)


def company_scoped(request):
    request.company = type("Company", (), {"pk": 3})()
    return JsonResponse({}, status=201)


router = DefaultRouter(trailing_slash=False)
router.register("things", ThingViewSet, basename="thing")

urlpatterns = [
    path("ping", health.ping, name="ping"),
    path("api/v1/health", health.health, name="health"),
    path("api/v1/items/<int:pk>", item),
    path("api/v1/scoped", company_scoped),
    path("api/v1/", include(router.urls)),
    path("admin/", admin.site.urls),
]

handler403 = forbidden
handler404 = not_found
