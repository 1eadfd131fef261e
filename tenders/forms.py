"""Forms of the tender pages. They only parse input into Python values; tenders.services decides
what is valid for a tender (the same rules as the API), and its field errors are put back on the
form with ``add_service_errors`` so they show next to the field that caused them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from companies.models import Category, Membership
from tenders.choices import TenderType, Visibility

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """<input type="datetime-local">: the browser shows a picker; the value is in the user's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def local_datetime_field(label: str, *, required: bool = False, help_text: str = "") -> forms.DateTimeField:
    # Parsed in the active time zone (the user's, set per request by accounts' middleware).
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


class TenderForm(forms.Form):
    """The fields of a draft (create and edit)."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    type = forms.ChoiceField(choices=TenderType.choices, initial=TenderType.RFQ)
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True).order_by("code"),
        required=False,
        help_text="Suppliers registered in this category see a public tender.",
    )
    currency = forms.CharField(max_length=3, initial="BRL", help_text="ISO 4217 code, e.g. BRL, EUR, USD.")
    estimated_budget = forms.DecimalField(max_digits=18, decimal_places=2, required=False, min_value=0)
    budget_visible_to_suppliers = forms.BooleanField(required=False, label="Show the budget to suppliers")
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    delivery_place = forms.CharField(max_length=300, required=False)
    delivery_date = forms.DateField(required=False, widget=DateInput())
    payment_terms = forms.CharField(max_length=300, required=False)
    quote_validity_days = forms.IntegerField(min_value=1, max_value=3650, initial=30)
    clarification_deadline = local_datetime_field("Questions until")
    submission_deadline = local_datetime_field("Quotes until (submission deadline)")
    opening_at = local_datetime_field("Opening time", help_text="Empty: at the submission deadline.")
    allow_partial_quotes = forms.BooleanField(required=False, label="Suppliers may quote some items only")
    show_quote_count_before_opening = forms.BooleanField(
        required=False, label="Show me how many quotes arrived before the opening"
    )
    committee_opening_required = forms.BooleanField(required=False, label="A committee must confirm the opening")
    committee_quorum = forms.IntegerField(min_value=1, max_value=50, initial=1)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["currency"] = (data.get("currency") or "").upper()
        return data

    @classmethod
    def initial_from(cls, tender: Any) -> dict[str, Any]:
        return {name: getattr(tender, name) for name in cls.base_fields}


class AmendmentForm(forms.Form):
    """What an amendment may change (tenders.services.AMENDABLE_FIELDS) and why."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Every participant reads it.")
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    delivery_place = forms.CharField(max_length=300, required=False)
    delivery_date = forms.DateField(required=False, widget=DateInput())
    payment_terms = forms.CharField(max_length=300, required=False)
    estimated_budget = forms.DecimalField(max_digits=18, decimal_places=2, required=False, min_value=0)
    budget_visible_to_suppliers = forms.BooleanField(required=False, label="Show the budget to suppliers")
    quote_validity_days = forms.IntegerField(min_value=1, max_value=3650)
    clarification_deadline = local_datetime_field("Questions until")
    submission_deadline = local_datetime_field("Quotes until (submission deadline)", required=True)
    opening_at = local_datetime_field("Opening time")
    allow_partial_quotes = forms.BooleanField(required=False, label="Suppliers may quote some items only")
    show_quote_count_before_opening = forms.BooleanField(
        required=False, label="Show me how many quotes arrived before the opening"
    )

    def changes_against(self, tender: Any) -> dict[str, Any]:
        """Only the fields that differ from the tender (the service refuses an empty amendment)."""
        changes = {}
        for name, value in self.cleaned_data.items():
            if name == "reason":
                continue
            if getattr(tender, name) != value:
                changes[name] = value
        return changes


class TenderItemForm(forms.Form):
    description = forms.CharField(max_length=500)
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    unit = forms.CharField(max_length=20, help_text="pc, kg, m, h, box ...")
    specification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    lot = forms.CharField(max_length=50, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class QuestionForm(forms.Form):
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        label="Your question",
        help_text="The buyer answers everyone; your company's name is not shown to other suppliers.",
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Answer (published to every participant)")


class InvitationForm(forms.Form):
    """Invite a registered supplier (by its CotAi slug or tax id) or an email address."""

    supplier = forms.CharField(
        required=False, max_length=120, label="Supplier on CotAi", help_text="Its CotAi address name (slug)."
    )
    email = forms.EmailField(required=False, label="…or an email address")
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("supplier")) == bool(data.get("email")):
            raise forms.ValidationError("Give either a supplier or an email address.")
        return data


class DocumentForm(forms.Form):
    """A document file: a new document (``title``) or a new version of one. On a published tender the
    change is an amendment, so the view makes ``reason`` required there (the service checks it too)."""

    title = forms.CharField(max_length=200, required=False, help_text="Empty: the file name.")
    file = forms.FileField(label="File")
    note = forms.CharField(max_length=300, required=False, label="Note on this version")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label="Reason for the amendment",
        help_text="Every participant reads it.",
    )
    material = forms.BooleanField(required=False, label="The document changes what is bought (material amendment)")

    def __init__(self, *args: Any, published: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if published:
            self.fields["reason"].required = True
        else:
            # A draft's documents change freely: nobody has seen it, there is nothing to amend.
            del self.fields["reason"]
            del self.fields["material"]


class OpenersForm(forms.Form):
    """The opening committee of a draft: the members of the buying company who open, and how many must."""

    openers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Openers",
        help_text="Members of your company who confirm the opening.",
    )
    committee_quorum = forms.IntegerField(min_value=1, max_value=50, label="Quorum (confirmations needed)")

    def __init__(self, *args: Any, buyer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.active().filter(company=buyer).values("user_id")
        field = self.fields["openers"]
        field.queryset = get_user_model().objects.filter(pk__in=members).order_by("email")
        field.label_from_instance = lambda user: user.get_full_name()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        openers, quorum = data.get("openers"), data.get("committee_quorum")
        if openers is not None and quorum is not None and quorum > len(openers):
            # Publishing needs at least ``quorum`` openers; say so here rather than at the publish step.
            self.add_error("committee_quorum", f"Name at least {quorum} opener(s); {len(openers)} named.")
        return data
