"""The one FilterSet of quotes (API, and pages when they come).

It filters a queryset that quotes.selectors has already limited to quotes the company may read —
its own, and opened quotes of its tenders — so filtering or ordering by price can never reveal a
sealed price: a sealed quote of another company is simply not in the queryset being filtered.
Ids are plain numbers (not model choices), so a filter never says whether an id exists.
"""

from __future__ import annotations

import django_filters
from django.db.models import F, Q, QuerySet

from quotes.choices import QuoteStatus
from quotes.models import Quote

# ?ordering= fields: public name -> ORM path. "total" and "submitted_at" are those of the current revision.
ORDERING_FIELDS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "status": "status",
    "total": "current_revision__total",
    "submitted_at": "current_revision__submitted_at",
    "validity_date": "validity_date",
    "delivery_days": "delivery_days",
}


class QuoteFilter(django_filters.FilterSet):
    """tender, supplier, status (repeatable), total_min/total_max, submitted_after/_before, needs_confirmation."""

    tender = django_filters.NumberFilter(field_name="tender_id", label="Tender id")
    supplier = django_filters.NumberFilter(field_name="supplier_id", label="Supplier company id")
    status = django_filters.MultipleChoiceFilter(choices=QuoteStatus.choices)
    total_min = django_filters.NumberFilter(field_name="current_revision__total", lookup_expr="gte")
    total_max = django_filters.NumberFilter(field_name="current_revision__total", lookup_expr="lte")
    submitted = django_filters.IsoDateTimeFromToRangeFilter(
        field_name="current_revision__submitted_at",
        label="Submission time range of the current revision (submitted_after / submitted_before)",
    )
    needs_confirmation = django_filters.BooleanFilter(method="filter_needs_confirmation")
    ordering = django_filters.OrderingFilter(fields=tuple((path, name) for name, path in ORDERING_FIELDS.items()))

    class Meta:
        model = Quote
        fields = ["tender", "supplier", "status"]

    def filter_needs_confirmation(self, queryset: QuerySet[Quote], name: str, value: bool | None) -> QuerySet[Quote]:
        if value is None:
            return queryset
        condition = Q(status=QuoteStatus.SUBMITTED, confirmed_version__lt=F("tender__material_version"))
        return queryset.filter(condition) if value else queryset.exclude(condition)
