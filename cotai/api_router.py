"""Everything under /api/v1: each domain adds its ``api/urls.py`` here with one line.

Read-only ViewSets go into ``router``; actions and non-resource endpoints come in through the
domains' own url modules listed in ``urlpatterns``.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cotai import health

router = DefaultRouter(trailing_slash=False)
router.include_root_view = False

app_name = "api"

urlpatterns = [
    path("health", health.health, name="health"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("companies.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("tenders.api.urls")),
    path("", include("quotes.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("calendar_app.api.urls")),
    path("", include("cotai.eventstore.api.urls")),
    path("", include(router.urls)),
]
