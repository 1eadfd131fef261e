"""Audit trail API routes, included under /api/v1/ by cotai.api_router (names: api:audit-event-list ...)."""

from django.urls import path

from cotai.eventstore.api import views

urlpatterns = [
    path("audit-events", views.AuditEventListView.as_view(), name="audit-event-list"),
    path("staff/audit-events", views.StaffAuditEventListView.as_view(), name="staff-audit-event-list"),
]
