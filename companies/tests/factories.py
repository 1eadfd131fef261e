"""Factories of the companies domain. Tax ids are valid CNPJs made from a sequence."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from companies.choices import CompanyKind, Role
from companies.models import Category, Company, Invitation, Membership, hash_token
from companies.validators import cnpj_check_digits


def cnpj_for(number: int) -> str:
    """A valid CNPJ (digits only) whose first 12 digits come from ``number``."""
    body = f"{(number % 10**8) + 10**7:08d}0001"
    return body + cnpj_check_digits(body)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    parent = None
    code = factory.Sequence(lambda n: f"test-category-{n}")
    name = factory.Sequence(lambda n: f"Test category {n}")
    slug = factory.LazyAttribute(lambda obj: obj.code.replace(".", "-"))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    legal_name = factory.Sequence(lambda n: f"Company {n} Ltda")
    trade_name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    code = factory.Sequence(lambda n: f"C{n:04d}")
    tax_id = factory.Sequence(cnpj_for)
    country = "BR"
    kind = CompanyKind.BOTH
    city = "São Paulo"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Role.VIEWER
    is_active = True


class InvitationFactory(factory.django.DjangoModelFactory):
    """``InvitationFactory(token="...")`` stores the hash of that token (default: a sequence)."""

    class Meta:
        model = Invitation
        exclude = ["token"]

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.VIEWER
    token = factory.Sequence(lambda n: f"test-invitation-token-{n}")
    token_hash = factory.LazyAttribute(lambda obj: hash_token(obj.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def member(company: Company, role: Role | str = Role.VIEWER, **user_fields: object) -> Membership:
    """A new person with ``role`` in ``company``."""
    return MembershipFactory(company=company, role=role, user=UserFactory(**user_fields))
