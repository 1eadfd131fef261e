"""Demo data: loading twice leaves the same rows; every demo login works with DEMO_PASSWORD."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from accounts.models import User
from companies import demo
from companies.choices import CompanyKind, Role
from companies.models import Company, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # The demo is about which accounts exist and that the password opens them, not about Argon2's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _rows():
    return (
        sorted(Company.objects.values_list("slug", "kind", "is_verified")),
        sorted(Membership.objects.values_list("user__email", "company__slug", "role", "is_active")),
        User.objects.count(),
    )


def test_load_is_idempotent():
    demo.load()
    first = _rows()
    demo.load()
    assert _rows() == first


def test_one_buyer_and_three_suppliers_each_with_an_owner():
    demo.load()
    kinds = sorted(Company.objects.values_list("kind", flat=True))
    assert kinds == [CompanyKind.BUYER, CompanyKind.SUPPLIER, CompanyKind.SUPPLIER, CompanyKind.SUPPLIER]
    buyer = Company.objects.get(kind=CompanyKind.BUYER)
    assert {m.role for m in buyer.memberships.all()} >= {Role.OWNER, Role.BUYER}
    for supplier in Company.objects.filter(kind=CompanyKind.SUPPLIER):
        assert {m.role for m in supplier.memberships.all()} == {Role.OWNER, Role.SUPPLIER_REP}
        assert supplier.categories.exists()


def test_the_project_demo_loader_includes_this_one():
    from cotai.demo import demo_modules

    assert demo in demo_modules()


def test_every_demo_login_signs_in_with_the_demo_password(client):
    demo.load()
    logins = demo.logins()
    assert len(logins) == len({email for email, _ in logins}) == 9
    for email, description in logins:
        assert description
        assert client.login(email=email, password=django_settings.DEMO_PASSWORD), email
        client.logout()


def test_demo_tax_ids_are_valid_cnpjs():
    from companies.validators import normalize_cnpj

    for spec in demo.COMPANIES:
        assert normalize_cnpj(spec.tax_id) == spec.tax_id
