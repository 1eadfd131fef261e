"""Forms of the accounts pages: sign-up (allauth's, with the full name), profile, API key."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import TIME_ZONE_CHOICES, User
from accounts.scopes import SCOPES

TAKEN_EMAIL_MESSAGE = "An account with this email address already exists. Sign in, or reset your password."


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the person's full name, and a field error for a taken email.

    allauth would hide a taken address (it pretends to send a verification email, so that nobody
    can learn who has an account). CotAi answers in place instead, as people expect: the sign-up
    rate limit (ACCOUNT_RATE_LIMITS "signup") keeps anyone from testing addresses in bulk.
    Password reset still never tells whether an address has an account.
    """

    full_name = forms.CharField(
        label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def clean_email(self) -> str:
        email = super().clean_email()
        if getattr(self, "account_already_exists", False) or User.objects.filter(email__iexact=email).exists():
            self.account_already_exists = False
            raise forms.ValidationError(TAKEN_EMAIL_MESSAGE, code="email_taken")
        return email

    def signup(self, request: HttpRequest, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class ProfileForm(forms.Form):
    """The person's own profile; saved through accounts.services.user_update_profile."""

    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    phone = forms.CharField(
        label="Phone",
        max_length=32,
        required=False,
        help_text="With the country code, e.g. +55 11 91234-5678.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label="Language", choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label="Time zone", choices=TIME_ZONE_CHOICES, help_text="Dates and deadlines are shown in this time zone."
    )


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="What the key is for, e.g. 'ERP integration'.")
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=[(name, f"{name} — {description}") for name, description in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="Give the key only what the integration needs.",
    )
    expires_at = forms.DateTimeField(
        label="Expires at",
        required=False,
        help_text="Optional. In your time zone. Leave empty for a key that lasts until it is revoked.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    def clean_expires_at(self) -> Any:
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return value
