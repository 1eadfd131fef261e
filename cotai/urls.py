"""Root URLs: pages, admin, the API under /api/v1, operations endpoints."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_prometheus import exports

from cotai import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("ping", health.ping, name="ping"),
    path("metrics", exports.ExportToDjangoView, name="prometheus-django-metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("companies/", include("companies.urls")),
    path("notifications/", include("notifications.urls")),
    path("tenders/", include("tenders.urls")),
    path("quotes/", include("quotes.urls")),
    path("dashboard/", include("reports.urls")),
    path("calendar/", include("calendar_app.urls")),
    path("audit/", include("cotai.eventstore.urls")),
    path("api/v1/", include("cotai.api_router")),
]

handler400 = "cotai.views.bad_request"
handler403 = "cotai.views.permission_denied"
handler404 = "cotai.views.page_not_found"
handler500 = "cotai.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
