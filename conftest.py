"""Root test configuration: shared fixtures and per-test isolation."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Every test starts with an empty cache, so throttle counters and cached reads never leak."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path_factory):
    """Uploaded files of a test land in a temporary folder, never in var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _memory_broker(request):
    """Tasks published by a test go to an in-process broker, not to var/celery or the real Redis.

    Tests that exercise the configured broker itself are marked ``real_broker``.
    """
    if request.node.get_closest_marker("real_broker"):
        yield
        return
    from cotai.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None


# --- personas ---------------------------------------------------------------------------------------
# One buying company with an owner (buyer_admin) and a buyer; two supplying companies with a
# representative each; an outsider who owns an unrelated company; and staff without any company.
@pytest.fixture
def buyer_company(db):
    from companies.choices import CompanyKind
    from companies.tests.factories import CompanyFactory

    return CompanyFactory(legal_name="Buyer Company S.A.", trade_name="Buyer Company", kind=CompanyKind.BUYER)


@pytest.fixture
def supplier_a_company(db):
    from companies.choices import CompanyKind
    from companies.tests.factories import CompanyFactory

    return CompanyFactory(legal_name="Supplier A Ltda", trade_name="Supplier A", kind=CompanyKind.SUPPLIER)


@pytest.fixture
def supplier_b_company(db):
    from companies.choices import CompanyKind
    from companies.tests.factories import CompanyFactory

    return CompanyFactory(legal_name="Supplier B Ltda", trade_name="Supplier B", kind=CompanyKind.SUPPLIER)


@pytest.fixture
def outsider_company(db):
    from companies.choices import CompanyKind
    from companies.tests.factories import CompanyFactory

    return CompanyFactory(legal_name="Unrelated Company Ltda", trade_name="Unrelated", kind=CompanyKind.BOTH)


def _persona(company, role, email):
    from accounts.tests.factories import UserFactory
    from companies.tests.factories import MembershipFactory

    return MembershipFactory(company=company, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def buyer_admin(buyer_company):
    """Owner of buyer_company."""
    return _persona(buyer_company, "owner", "buyer.admin@example.com")


@pytest.fixture
def buyer(buyer_company, buyer_admin):
    """Buyer (writes and awards tenders) in buyer_company, which also has its owner buyer_admin."""
    return _persona(buyer_company, "buyer", "buyer@example.com")


@pytest.fixture
def supplier_a(supplier_a_company):
    """Supplier representative of supplier_a_company."""
    return _persona(supplier_a_company, "supplier_rep", "supplier.a@example.com")


@pytest.fixture
def supplier_b(supplier_b_company):
    return _persona(supplier_b_company, "supplier_rep", "supplier.b@example.com")


@pytest.fixture
def outsider(outsider_company):
    """Owner of a company with no relation to any other persona's."""
    return _persona(outsider_company, "owner", "outsider@example.com")


@pytest.fixture
def staff(db):
    """A back-office operator: is_staff, no company."""
    from accounts.tests.factories import UserFactory

    return UserFactory(email="staff@example.com", is_staff=True)
