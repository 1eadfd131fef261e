"""One FilterSet per list, shared by the pages and the API (same parameters, same meaning)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from companies.choices import CompanyKind, InvitationStatus, Role
from companies.models import Category, Company, Invitation, Membership


class CompanyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=CompanyKind.choices)
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")
    is_verified = django_filters.BooleanFilter()
    category = django_filters.CharFilter(method="in_category", label="Category code (includes subcategories)")

    class Meta:
        model = Company
        fields = ["q", "kind", "country", "is_verified", "category"]

    def search(self, queryset: QuerySet[Company], name: str, value: str) -> QuerySet[Company]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(legal_name__icontains=value) | Q(trade_name__icontains=value) | Q(tax_id__icontains=value)
        )

    def in_category(self, queryset: QuerySet[Company], name: str, value: str) -> QuerySet[Company]:
        value = value.strip()
        if not value:
            return queryset
        codes = Category.objects.filter(Q(code=value) | Q(code__startswith=f"{value}.")).values("pk")
        return queryset.filter(pk__in=Company.objects.filter(categories__in=codes).values("pk"))


class MembershipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["q", "role"]

    def search(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Membership]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(user__email__icontains=value) | Q(user__full_name__icontains=value))


class InvitationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="email", lookup_expr="icontains", label="Email")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    status = django_filters.ChoiceFilter(choices=InvitationStatus.choices, method="with_status")

    class Meta:
        model = Invitation
        fields = ["q", "role", "status"]

    def with_status(self, queryset: QuerySet[Invitation], name: str, value: str) -> QuerySet[Invitation]:
        if not value:
            return queryset
        return queryset.with_status(value, timezone.now())


class CategoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    parent = django_filters.ModelChoiceFilter(queryset=Category.objects.all())
    root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label="Top level only")
    under = django_filters.CharFilter(method="in_subtree", label="Code of a category whose subtree to list")

    class Meta:
        model = Category
        fields = ["q", "parent", "root", "under"]

    def search(self, queryset: QuerySet[Category], name: str, value: str) -> QuerySet[Category]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def in_subtree(self, queryset: QuerySet[Category], name: str, value: str) -> QuerySet[Category]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code=value) | Q(code__startswith=f"{value}."))
