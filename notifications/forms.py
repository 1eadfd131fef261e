"""Forms of the notification pages."""

from __future__ import annotations

from django import forms

from notifications import catalog
from notifications.choices import DigestFrequency

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class NotificationSettingsForm(forms.Form):
    digest_frequency = forms.ChoiceField(label="Email rhythm", choices=DigestFrequency.choices)
    digest_hour = forms.TypedChoiceField(
        label="Digest hour (your time)", choices=[(h, f"{h:02d}:00") for h in range(24)], coerce=int
    )
    digest_weekday = forms.TypedChoiceField(label="Weekly digest day", choices=WEEKDAYS, coerce=int)
    quiet_hours_start = forms.TimeField(
        label="Quiet from", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_hours_end = forms.TimeField(
        label="Quiet until", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Event types", choices=catalog.webhook_choices(), widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
