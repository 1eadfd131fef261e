"""The back office: view-only rows, and status changes only through actions that call services."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.tests.factories import UserFactory
from tenders.choices import TenderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_staff_see_a_tender_but_cannot_change_it(client, operator, published):
    response = client.get(reverse("admin:tenders_tender_change", args=[published.pk]))
    assert response.status_code == 200
    assert published.number in response.content.decode()
    response = client.post(reverse("admin:tenders_tender_change", args=[published.pk]), {"title": "Hijacked"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.title != "Hijacked"
    assert client.get(reverse("admin:tenders_tender_add")).status_code == 403


def test_the_admin_pages_of_every_model_load(client, operator, published, supplier_a, supplier_a_company):
    from tenders import services

    clarification = services.clarification_ask(
        tender=published, actor=supplier_a, company=supplier_a_company, question="?"
    )
    amendment = services.tender_amend(tender=published, actor=published.created_by, reason="r", changes={"title": "T"})
    for name in ("tender", "tenderitem", "tenderdocument", "clarification", "amendment"):
        assert client.get(reverse(f"admin:tenders_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:tenders_clarification_change", args=[clarification.pk])).status_code == 200
    assert client.get(reverse("admin:tenders_amendment_change", args=[amendment.pk])).status_code == 200


def test_cancelling_from_the_admin_asks_for_a_reason_and_calls_the_service(client, operator, published, audit_log):
    url = reverse("admin:tenders_tender_changelist")
    form = client.post(url, {"action": "cancel_tenders", ACTION_CHECKBOX_NAME: [published.pk]})
    assert form.status_code == 200
    assert "reason" in form.content.decode()
    published.refresh_from_db()
    assert published.status == TenderStatus.PUBLISHED

    done = client.post(
        url,
        {"action": "cancel_tenders", ACTION_CHECKBOX_NAME: [published.pk], "confirm": "1", "reason": "Fraud report"},
    )
    assert done.status_code == 302
    published.refresh_from_db()
    assert published.status == TenderStatus.CANCELLED
    assert published.cancel_reason == "Fraud report"
    [record] = audit_log(type="tender.cancelled")
    assert record.actor_id == operator.pk


def test_closing_from_the_admin_closes_only_tenders_past_their_deadline(client, operator, published):
    url = reverse("admin:tenders_tender_changelist")
    client.post(url, {"action": "close_due", ACTION_CHECKBOX_NAME: [published.pk]})
    published.refresh_from_db()
    assert published.status == TenderStatus.PUBLISHED
