"""Calendar API routes, included under /api/v1/ by cotai.api_router (names: api:calendar-event-list ...)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from calendar_app.api import views

router = SimpleRouter(trailing_slash=False)
router.register("calendar/events", views.CalendarEventViewSet, basename="calendar-event")

urlpatterns = [
    path("calendar/occurrences", views.OccurrenceListView.as_view(), name="calendar-occurrences"),
    path("calendar/feed", views.FeedView.as_view(), name="calendar-feed"),
    path("calendar/feed/regenerate", views.FeedRegenerateView.as_view(), name="calendar-feed-regenerate"),
    path("calendar/reminder-settings", views.ReminderSettingsView.as_view(), name="calendar-reminder-settings"),
    *router.urls,
]
