"""Forms of the quote pages. They parse what was typed; quotes.services decide (deadline, items,
completeness) and compute every total — a form never does money arithmetic."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from cotai.exceptions import ValidationFailed
from tenders.forms import DateInput

LINE_FIELDS = ("unit_price", "quantity", "discount", "tax_rate", "lead_time_days", "brand_model")
MAX_PRICE = Decimal("99999999999999.9999")


def _decimal_field(label: str, *, high: Decimal = MAX_PRICE) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=high,
        max_digits=18,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "num"}),
    )


class QuoteForm(forms.Form):
    """The working copy: terms, and per tender item a line (a line counts when it has a unit price)."""

    delivery_days = forms.IntegerField(required=False, min_value=0, max_value=36500, label="Delivery (days)")
    validity_date = forms.DateField(required=False, widget=DateInput(), label="Valid until")
    payment_terms = forms.CharField(required=False, max_length=300)
    notes = forms.CharField(required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            prefix = f"line-{item.pk}-"
            self.fields[prefix + "unit_price"] = _decimal_field(f"Unit price, item {item.number}")
            self.fields[prefix + "quantity"] = _decimal_field(f"Quantity offered, item {item.number}")
            self.fields[prefix + "discount"] = _decimal_field(f"Discount %, item {item.number}", high=Decimal(100))
            self.fields[prefix + "tax_rate"] = _decimal_field(f"Tax %, item {item.number}", high=Decimal(100))
            self.fields[prefix + "lead_time_days"] = forms.IntegerField(
                required=False, min_value=0, max_value=36500, label=f"Lead time (days), item {item.number}"
            )
            self.fields[prefix + "brand_model"] = forms.CharField(
                required=False, max_length=200, label=f"Brand / model, item {item.number}"
            )

    @staticmethod
    def initial_for(quote: Any, items: list[Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "delivery_days": quote.delivery_days,
            "validity_date": quote.validity_date,
            "payment_terms": quote.payment_terms,
            "notes": quote.notes,
        }
        lines = {line.item_id: line for line in quote.lines.all()}
        for item in items:
            prefix = f"line-{item.pk}-"
            line = lines.get(item.pk)
            if line is None:
                initial[prefix + "quantity"] = f"{item.quantity.normalize():f}"
                continue
            for name in LINE_FIELDS:
                value = getattr(line, name)
                initial[prefix + name] = f"{value.normalize():f}" if isinstance(value, Decimal) else value
        return initial

    def rows(self) -> list[tuple[Any, dict[str, Any]]]:
        """(item, {field name: bound field}) per item, for the template."""
        return [(item, {name: self[f"line-{item.pk}-{name}"] for name in LINE_FIELDS}) for item in self.items]

    def _priced_items(self) -> list[tuple[Any, dict[str, Any]]]:
        data = getattr(self, "cleaned_data", {})
        result = []
        for item in self.items:
            prefix = f"line-{item.pk}-"
            if data.get(prefix + "unit_price") is None:
                continue
            result.append((item, {name: data.get(prefix + name) for name in LINE_FIELDS}))
        return result

    def service_data(self) -> dict[str, Any]:
        """Terms and the full list of lines, as quotes.services take them."""
        data = {name: self.cleaned_data.get(name) for name in ("delivery_days", "validity_date")}
        data["payment_terms"] = self.cleaned_data.get("payment_terms") or ""
        data["notes"] = self.cleaned_data.get("notes") or ""
        lines = []
        for item, values in self._priced_items():
            line = {"item": item.pk, **values}
            line["brand_model"] = line["brand_model"] or ""
            lines.append(line)
        data["lines"] = lines
        return data

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Service errors name lines by position ("lines.2.unit_price"): put them on that item's field."""
        priced = [item for item, _values in self._priced_items()]
        for name, messages in exc.errors.items():
            field = name
            parts = name.split(".")
            if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(priced):
                candidate = f"line-{priced[int(parts[1])].pk}-{parts[2]}"
                field = candidate if candidate in self.fields else name
            for message in messages:
                if field in self.fields:
                    self.add_error(field, message)
                else:
                    self.add_error(None, message)
        if not exc.errors:
            self.add_error(None, exc.message)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason (optional)"
    )


class RejectForm(forms.Form):
    """The buyer's reason for rejecting an opened quote; the supplier reads it."""

    reason = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label="Why is this quote rejected?"
    )


class AttachmentForm(forms.Form):
    """A file for the working copy; quotes.services check its size and type and hash it."""

    file = forms.FileField(label="File")
