"""The one FilterSet of tenders, used by the API (and by the pages, when they come).

It filters a queryset that tenders.selectors has already scoped to the company asking, so no
filter can widen what a company sees.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from companies.models import Category, Company
from tenders.choices import TenderStatus, TenderType, Visibility
from tenders.models import Tender


class TenderFilter(django_filters.FilterSet):
    """status (repeatable), type, visibility, category (its subtree too), buyer, deadline ranges, text ``q``."""

    q = django_filters.CharFilter(method="filter_q", label="Text in the number, title or description")
    status = django_filters.MultipleChoiceFilter(choices=TenderStatus.choices)
    type = django_filters.ChoiceFilter(choices=TenderType.choices)
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="code",
        method="filter_category",
        label="Category code, e.g. goods.it (the categories below it are included)",
    )
    buyer = django_filters.ModelChoiceFilter(queryset=Company.objects.all(), label="Buyer company id")
    submission_deadline = django_filters.IsoDateTimeFromToRangeFilter(
        label="Submission deadline range (submission_deadline_after / submission_deadline_before, ISO 8601)"
    )
    clarification_deadline = django_filters.IsoDateTimeFromToRangeFilter(
        label="Clarification deadline range (clarification_deadline_after / _before)"
    )
    opening_at = django_filters.IsoDateTimeFromToRangeFilter(label="Opening time range (opening_at_after / _before)")
    created_at = django_filters.IsoDateTimeFromToRangeFilter(label="Creation time range (created_at_after / _before)")

    class Meta:
        model = Tender
        fields = ["q", "status", "type", "visibility", "category", "buyer"]

    def filter_q(self, queryset: QuerySet[Tender], name: str, value: str) -> QuerySet[Tender]:
        condition = Q()
        for word in value.split()[:10]:
            condition &= Q(number__icontains=word) | Q(title__icontains=word) | Q(description__icontains=word)
        return queryset.filter(condition)

    def filter_category(self, queryset: QuerySet[Tender], name: str, value: Category) -> QuerySet[Tender]:
        return queryset.filter(Q(category=value) | Q(category__code__startswith=f"{value.code}."))
