"""Forms of the company pages. They shape input; the rules (tax ids, owners, roles) live in services,
whose ValidationFailed errors are put back on the form fields by ``add_service_errors``."""

from __future__ import annotations

from typing import Any

from django import forms

from companies import selectors
from companies.choices import Role
from companies.models import Category, Company

PROFILE_FIELDS = [
    "legal_name",
    "trade_name",
    "tax_id",
    "country",
    "kind",
    "website",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "categories",
]


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return "— " * obj.depth + obj.name


class CompanyProfileForm(forms.ModelForm):
    """The company's profile. Uniqueness and tax-id rules are checked by the service."""

    categories = CategoryChoiceField(
        queryset=Category.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="What the company supplies (hold Ctrl or ⌘ to choose several).",
    )
    website = forms.URLField(required=False, assume_scheme="https", max_length=300)

    class Meta:
        model = Company
        fields = PROFILE_FIELDS
        widgets = {"tax_id": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = selectors.category_list()
        self.fields["tax_id"].help_text = "Brazil: CNPJ, e.g. 12.345.678/0001-95. Elsewhere: the national tax number."

    def _post_clean(self) -> None:
        # The model's own clean would normalize tax_id on the instance; the service does that (and the
        # uniqueness checks) once, so the form only checks the shape of each field.
        pass

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in PROFILE_FIELDS if name != "categories"}
        data["country"] = str(data["country"] or "")
        return data


class CompanyCreateForm(CompanyProfileForm):
    code = forms.CharField(
        required=False,
        max_length=10,
        help_text="Optional: 2 to 10 letters or digits used in tender numbers (e.g. ACME-2026-0042). "
        "Chosen for you when left empty; it cannot be changed later.",
    )

    class Meta(CompanyProfileForm.Meta):
        fields = [*PROFILE_FIELDS[:2], "code", *PROFILE_FIELDS[2:]]


class CompanySettingsForm(CompanyProfileForm):
    class Meta(CompanyProfileForm.Meta):
        fields = [*PROFILE_FIELDS, "mfa_required"]

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["mfa_required"] = self.cleaned_data["mfa_required"]
        return data


class SwitchCompanyForm(forms.Form):
    company = forms.IntegerField(min_value=1)
    next = forms.CharField(required=False, max_length=2000)


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=())

    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["role"].initial = Role.VIEWER if Role.VIEWER in roles else None


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=())

    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]


class AcceptWithNewAccountForm(forms.Form):
    """Creates the invited person's account: the email is the invitation's, only a password is chosen."""

    full_name = forms.CharField(max_length=200, required=False, label="Your name")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return data
