"""The back office: staff verify companies (audited), memberships and invitations are read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from companies.choices import Role
from companies.tests.factories import CompanyFactory, InvitationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_verify_companies_with_an_audited_action(superuser_client, audit_log):
    company = CompanyFactory()
    response = superuser_client.post(
        reverse("admin:companies_company_changelist"),
        {"action": "mark_verified", "_selected_action": [company.pk]},
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.is_verified
    (event,) = audit_log(company=company, type="company.verified")
    assert event.ip == "127.0.0.1"


def test_profile_changes_in_the_admin_are_audited(superuser_client, audit_log):
    company = CompanyFactory(city="Recife")
    url = reverse("admin:companies_company_change", args=[company.pk])
    assert superuser_client.get(url).status_code == 200
    data = {
        "legal_name": company.legal_name, "trade_name": company.trade_name, "code": company.code,
        "tax_id": "12.345.678/0001-95", "country": "BR", "kind": company.kind, "city": "Natal",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    company.refresh_from_db()
    assert (company.city, company.tax_id) == ("Natal", "12345678000195")
    (event,) = audit_log(company=company, type="company.updated")
    assert event.data["after"]["city"] == "Natal"
    assert event.data["via"] == "admin"


def test_admin_pages_render_and_membership_rows_are_read_only(superuser_client):
    company = CompanyFactory()
    membership = member(company, Role.OWNER)
    InvitationFactory(company=company)
    for name in ("company", "membership", "invitation", "category"):
        assert superuser_client.get(reverse(f"admin:companies_{name}_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:companies_membership_add")).status_code == 403
    response = superuser_client.post(
        reverse("admin:companies_membership_change", args=[membership.pk]), {"role": "viewer"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
