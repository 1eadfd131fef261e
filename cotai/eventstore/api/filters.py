"""The audit trail's filters: one form read by the page (/audit/) and the API (/api/v1/audit-events).

Filters: ``actor`` (user id), ``object_type`` (``app_label.model``), ``object_id``, ``type`` (exact)
and ``type_prefix`` (e.g. ``tender.``), ``since`` (inclusive) and ``until`` (exclusive), ``page``
and ``page_size``; staff also get ``company`` (a company id). None of them can widen what the caller
sees: the company condition is set by the selectors, never by a filter of a company member.

Times: the API takes ISO 8601 with a UTC offset (``2026-03-01T09:30:00-03:00`` or ``...Z``) and
refuses a time without one, because it would be read in an unknown zone. The page also takes the
browser's ``datetime-local`` value (no offset) and reads it in the person's own time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cotai.eventstore.base import OBJECT_ID_MAX_LENGTH, OBJECT_TYPE_MAX_LENGTH, TYPE_MAX_LENGTH

MAX_PAGE_SIZE = 200
API_PAGE_SIZE = 25  # as cotai.api.pagination.DefaultPagination
PAGE_PAGE_SIZE = 50

# The characters an event type may have (cotai.eventstore.base refuses any other on append).
_TYPE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_.:-]+$", "An event type has only letters, digits and . _ : - (e.g. tender.published)."
)
# In a query string "+" means a space, so an unencoded "...T09:30:00+03:00" arrives as "... 03:00".
_SPACE_FOR_PLUS = re.compile(r" (\d{2}(?::?\d{2})?)$")
EXAMPLE_TIME = "2026-03-01T09:30:00-03:00"


class AwareDateTimeField(forms.Field):
    """An ISO 8601 date and time, returned timezone-aware.

    ``require_offset``: refuse a value without a UTC offset (the API). Otherwise such a value is
    read in the current time zone, which the pages set to the person's own.
    """

    def __init__(self, *, require_offset: bool = True, **kwargs: Any):
        self.require_offset = require_offset
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        text = _SPACE_FOR_PLUS.sub(r"+\1", str(value).strip())
        try:
            parsed = parse_datetime(text)
        except ValueError:  # well formed but impossible, e.g. 2026-02-30
            parsed = None
        if parsed is None:
            raise forms.ValidationError(f"Enter a date and time in ISO 8601, e.g. {EXAMPLE_TIME}.", code="invalid")
        if timezone.is_naive(parsed):
            if self.require_offset:
                raise forms.ValidationError(
                    f"Include the UTC offset, e.g. {EXAMPLE_TIME} or 2026-03-01T12:30:00Z.", code="offset_required"
                )
            try:
                parsed = timezone.make_aware(parsed)
            except (ValueError, OverflowError) as exc:  # a local time skipped by a DST change
                raise forms.ValidationError("This time does not exist in your time zone.", code="invalid") from exc
        try:
            parsed.astimezone(UTC)  # the stores compare in UTC; year 1 at +01:00 has no UTC value
        except OverflowError as exc:
            raise forms.ValidationError("This time is out of range.", code="invalid") from exc
        return parsed


@dataclass(frozen=True)
class AuditFilters:
    """Validated filters; ``None`` means "no condition". ``company_id`` is only ever set for staff."""

    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    type: str | None = None
    type_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    company_id: int | None = None
    page: int = 1
    page_size: int = API_PAGE_SIZE


class AuditEventFilterForm(forms.Form):
    """The filters of the audit trail; ``staff=True`` adds the ``company`` filter.

    Bound to ``request.GET`` (pages) or ``request.query_params`` (API); unknown parameters are ignored.
    """

    actor = forms.IntegerField(label="Who", min_value=1, required=False, help_text="A user id.")
    type = forms.CharField(
        label="Event",
        max_length=TYPE_MAX_LENGTH,
        required=False,
        validators=[_TYPE_VALIDATOR],
        help_text="Exact event type, e.g. tender.published.",
    )
    type_prefix = forms.CharField(
        label="Event starts with",
        max_length=TYPE_MAX_LENGTH,
        required=False,
        validators=[_TYPE_VALIDATOR],
        help_text="e.g. tender. for every tender event.",
    )
    object_type = forms.CharField(
        label="Object type", max_length=OBJECT_TYPE_MAX_LENGTH, required=False, help_text="e.g. tenders.tender"
    )
    object_id = forms.CharField(label="Object id", max_length=OBJECT_ID_MAX_LENGTH, required=False)
    since = AwareDateTimeField(label="From", required=False, help_text="Inclusive.")
    until = AwareDateTimeField(label="Until", required=False, help_text="Exclusive.")
    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        staff: bool = False,
        require_offset: bool = True,
        default_page_size: int = API_PAGE_SIZE,
        **kwargs: Any,
    ):
        super().__init__(data, **kwargs)
        self.staff = staff
        self.default_page_size = default_page_size
        for name in ("since", "until"):
            self.fields[name].require_offset = require_offset
        if staff:
            self.fields["company"] = forms.IntegerField(
                label="Company", min_value=1, required=False, help_text="A company id; empty for every company."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since is not None and until is not None and since > until:
            self.add_error("until", "Until must not be before From (since).")
        return cleaned

    def filters(self) -> AuditFilters:
        """The validated filters; call after ``is_valid()`` returned True."""
        data = self.cleaned_data
        return AuditFilters(
            actor_id=data.get("actor"),
            object_type=data.get("object_type") or None,
            object_id=data.get("object_id") or None,
            type=data.get("type") or None,
            type_prefix=data.get("type_prefix") or None,
            since=data.get("since"),
            until=data.get("until"),
            company_id=data.get("company") if self.staff else None,
            page=data.get("page") or 1,
            page_size=data.get("page_size") or self.default_page_size,
        )

    def error_dict(self) -> dict[str, list[str]]:
        """Field errors as plain lists of messages (the API's problem details ``errors``)."""
        return {field: [str(message) for message in messages] for field, messages in self.errors.items()}
