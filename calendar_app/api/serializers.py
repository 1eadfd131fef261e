"""Calendar API shapes. Times are ISO 8601 with their offset; every field is always present."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calendar_app.choices import OWN_KIND_CHOICES, EventKind, EventStatus
from calendar_app.models import CalendarEvent
from calendar_app.recurrence import Occurrence
from calendar_app.services import OWNER_COMPANY, OWNER_USER


class CalendarEventSerializer(serializers.ModelSerializer):
    uid = serializers.CharField(read_only=True, help_text="Stable iCalendar UID.")
    owner = serializers.SerializerMethodField(help_text="“user” (personal) or “company”.")
    company = serializers.IntegerField(source="owner_company_id", read_only=True, allow_null=True)
    tender = serializers.IntegerField(source="tender_id", read_only=True, allow_null=True)
    quote = serializers.IntegerField(source="quote_id", read_only=True, allow_null=True)
    my_reminders = serializers.SerializerMethodField(help_text="Your own reminders, minutes before the start.")
    page_url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = CalendarEvent
        fields = (
            "id",
            "uid",
            "kind",
            "title",
            "description",
            "location",
            "start",
            "end",
            "all_day",
            "time_zone",
            "rrule",
            "status",
            "sequence",
            "derived",
            "owner",
            "company",
            "tender",
            "quote",
            "my_reminders",
            "page_url",
            "ics_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_owner(self, event: CalendarEvent) -> str:
        return OWNER_USER if event.owner_user_id else OWNER_COMPANY

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_my_reminders(self, event: CalendarEvent) -> list[int]:
        mine = getattr(event, "mine", None)
        if mine is None:
            return []
        return sorted((row.minutes_before for row in mine), reverse=True)

    def get_page_url(self, event: CalendarEvent) -> str:
        return reverse("calendar_app:event-detail", kwargs={"pk": event.pk})

    def get_ics_url(self, event: CalendarEvent) -> str:
        return reverse("calendar_app:event-ics", kwargs={"pk": event.pk})


class CalendarEventWriteSerializer(serializers.Serializer):
    """Input of own events. Validation beyond types happens in the service (all errors at once)."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=OWN_KIND_CHOICES, required=False)
    start = serializers.CharField(
        required=False, help_text="ISO 8601; without an offset it is read in time_zone (e.g. 2027-03-29T09:00)."
    )
    end = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    all_day = serializers.BooleanField(required=False)
    time_zone = serializers.CharField(max_length=64, required=False, help_text="IANA name, e.g. Europe/Berlin.")
    rrule = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text="Custom events only.")
    tender = serializers.IntegerField(required=False, allow_null=True)
    quote = serializers.IntegerField(required=False, allow_null=True)


class CalendarEventCreateSerializer(CalendarEventWriteSerializer):
    title = serializers.CharField(max_length=200)
    start = serializers.CharField(help_text="ISO 8601; without an offset it is read in time_zone.")
    owner = serializers.ChoiceField(choices=[OWNER_USER, OWNER_COMPANY], default=OWNER_USER)
    reminders = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text="Your reminders, minutes before."
    )


class RemindersSerializer(serializers.Serializer):
    minutes = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True)


class OccurrenceSerializer(serializers.Serializer):
    event = serializers.IntegerField(source="event.pk")
    uid = serializers.CharField(source="event.uid")
    kind = serializers.ChoiceField(source="event.kind", choices=EventKind.choices)
    title = serializers.CharField(source="event.title")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True)
    all_day = serializers.BooleanField()
    status = serializers.ChoiceField(source="event.status", choices=EventStatus.choices)
    derived = serializers.BooleanField(source="event.derived")
    tender = serializers.IntegerField(source="event.tender_id", allow_null=True)
    page_url = serializers.SerializerMethodField()

    def get_page_url(self, occ: Occurrence) -> str:
        return reverse("calendar_app:event-detail", kwargs={"pk": occ.event.pk})


class FeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The private iCalendar address; whoever has it can read your calendar.")
    webcal_url = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class ReminderSettingsSerializer(serializers.Serializer):
    submission_offsets = serializers.ListField(
        child=serializers.IntegerField(min_value=1), help_text="Minutes before submission deadlines, e.g. [4320, 1440]."
    )
    clarification_offsets = serializers.ListField(
        child=serializers.IntegerField(min_value=1), help_text="Minutes before clarification deadlines, e.g. [1440]."
    )
