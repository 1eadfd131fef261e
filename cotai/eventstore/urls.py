"""The audit trail page, mounted at /audit/ by cotai.urls (names: audit:list)."""

from django.urls import path

from cotai.eventstore import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
]
