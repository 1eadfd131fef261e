"""A URL configuration for tests only: the project's URLs plus an endpoint that needs one scope.

Used with ``@pytest.mark.urls("accounts.tests.urls")``; never mounted in the project.
"""

from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import HasApiKeyScopes

SCOPED_URL = "/test-only/companies-read"


class CompaniesReadView(APIView):
    """Answers who is calling; an API key needs the companies:read scope."""

    permission_classes = [IsAuthenticated, HasApiKeyScopes]
    required_scopes = ("companies:read",)

    def get(self, request):
        return Response({"principal": str(request.user), "company_id": getattr(request.user, "company_id", None)})


class NoScopeView(APIView):
    """Names no scope: API keys are refused, people pass."""

    permission_classes = [IsAuthenticated, HasApiKeyScopes]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("test-only/companies-read", CompaniesReadView.as_view(), name="test-companies-read"),
    path("test-only/no-scope", NoScopeView.as_view(), name="test-no-scope"),
    path("", include("cotai.urls")),
]
