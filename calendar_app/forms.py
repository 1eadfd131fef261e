"""Forms of the calendar pages. They parse input; the services validate and decide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import TIME_ZONE_CHOICES
from calendar_app.choices import OWN_KINDS, EventKind
from calendar_app.services import OWNER_COMPANY, OWNER_USER

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class WallClockDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` value as typed (naive): the event's own time zone gives it meaning."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        result = super().to_python(value)
        return timezone.make_naive(result) if result is not None and timezone.is_aware(result) else result


class EventForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=[(kind.value, kind.label) for kind in EventKind if kind in OWN_KINDS])
    start = WallClockDateTimeField(label="Starts")
    end = WallClockDateTimeField(label="Ends", required=False)
    all_day = forms.BooleanField(label="All day", required=False)
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)
    location = forms.CharField(max_length=300, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    rrule = forms.CharField(
        label="Repeats (RRULE)",
        max_length=500,
        required=False,
        help_text="Custom events only, e.g. FREQ=WEEKLY;BYDAY=MO or FREQ=MONTHLY;COUNT=6.",
    )
    tender = forms.TypedChoiceField(label="Tender", coerce=int, required=False, empty_value=None)
    owner = forms.ChoiceField(
        label="Who sees it",
        widget=forms.RadioSelect,
        choices=[(OWNER_USER, "Only me")],
        initial=OWNER_USER,
    )
    reminders = forms.CharField(
        label="Remind me", required=False, help_text="Before each occurrence, e.g. 1d, 2h, 15m.", max_length=100
    )

    def __init__(self, *args: Any, tenders: list[tuple[int, str]], company_label: str | None, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender"].choices = [("", "—"), *tenders]
        if company_label:
            self.fields["owner"].choices = [(OWNER_USER, "Only me"), (OWNER_COMPANY, f"Everyone at {company_label}")]
        if editing:
            del self.fields["owner"]
            del self.fields["reminders"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("owner", None)
        if not data.get("reminders"):
            data.pop("reminders", None)
        return data


class RemindersForm(forms.Form):
    reminders = forms.CharField(
        label="Remind me", required=False, max_length=100, help_text="e.g. 1d, 2h, 15m — empty for none."
    )


class ReminderSettingsForm(forms.Form):
    submission_offsets = forms.CharField(
        label="Before submission deadlines",
        required=False,
        max_length=100,
        help_text="For suppliers that were invited or started a quote and have not submitted. e.g. 3d, 1d.",
    )
    clarification_offsets = forms.CharField(
        label="Before clarification deadlines", required=False, max_length=100, help_text="e.g. 1d. Empty: no reminder."
    )
