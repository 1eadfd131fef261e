"""Calendar pages, under /calendar/ (names: calendar_app:month, calendar_app:feed-ics ...)."""

from django.urls import path

from calendar_app import views

app_name = "calendar_app"

urlpatterns = [
    path("", views.month, name="month"),
    path("week/", views.week, name="week"),
    path("agenda/", views.agenda, name="agenda"),
    path("next-deadlines/", views.next_deadlines, name="next-deadlines"),
    path("events/new/", views.event_create, name="event-create"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/cancel/", views.event_cancel, name="event-cancel"),
    path("events/<int:pk>/reminders/", views.event_reminders, name="event-reminders"),
    path("events/<int:pk>.ics", views.event_ics, name="event-ics"),
    path("feed/", views.feed_page, name="feed"),
    path("feed/regenerate/", views.feed_regenerate, name="feed-regenerate"),
    path("feed/<uuid:key>/<str:secret>.ics", views.feed_ics, name="feed-ics"),
    path("settings/", views.reminder_settings, name="reminder-settings"),
]
