"""Data for the benchmark "tender list of a buyer with 10,000 tenders" (bench/, scenario tender-list-10k).

``build()`` makes a buyer company with one buyer member, ``tenders`` tenders of that buyer (a mix of
draft, published and closed) with ``items_per_tender`` items each, signs the member in through the
real API sign-in service (accounts.services.auth_login: a token family, an access token) and
returns the access token and the company id.

The tenders and items are inserted with bulk_create, straight into the tables, not through
tenders.services: ten thousand service calls (numbering lock, events, audit) would take minutes,
and only the rows matter to a list. This is benchmark data, not a business change; run it on a
benchmark database only. The buyer's number sequence is moved past the inserted numbers, so a
tender created afterwards through the service still gets a free number.

Idempotent: a second call adds only the tenders that are missing and signs in again.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from companies.choices import CompanyKind, Role
from companies.models import Category, Company, Membership
from companies.validators import cnpj_check_digits
from tenders.choices import TenderStatus
from tenders.models import Tender, TenderItem, TenderSequence

EMAIL = "bench-tender-list@cotai.localhost"
# Only signs in the benchmark's own throwaway user, on the benchmark's own database.
PASSWORD = "bench-tender-list-password"  # noqa: S105
CODE = "BTL"
UNITS = ("pc", "kg", "box", "m", "h")


def _buyer() -> tuple[Company, Any]:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    body = "91000000" + "0001"
    company, _ = Company.objects.get_or_create(
        slug="bench-tender-list-buyer",
        defaults={
            "legal_name": "Bench Tender List Buyer",
            "trade_name": "Bench Tender List Buyer",
            "code": CODE,
            "tax_id": body + cnpj_check_digits(body),
            "country": "BR",
            "kind": CompanyKind.BUYER,
        },
    )
    user, created = get_user_model().objects.get_or_create(email=EMAIL, defaults={"full_name": "Bench Buyer"})
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    # The API sign-in refuses unverified addresses (ACCOUNT_EMAIL_VERIFICATION=mandatory).
    EmailAddress.objects.get_or_create(user=user, email=EMAIL, defaults={"verified": True, "primary": True})
    Membership.objects.get_or_create(user=user, company=company, defaults={"role": Role.BUYER})
    return company, user


def _status_fields(index: int, now: Any) -> dict[str, Any]:
    """Three tenders in five published, one draft, one closed; deadlines spread over weeks."""
    submission = now + timedelta(days=(index % 60) - 20, hours=index % 24)
    fields: dict[str, Any] = {
        "clarification_deadline": submission - timedelta(days=3),
        "submission_deadline": submission,
        "opening_at": submission,
    }
    kind = index % 5
    if kind == 0:
        fields["status"] = TenderStatus.DRAFT
    elif kind == 1:
        fields.update(status=TenderStatus.CLOSED, published_at=submission - timedelta(days=10), closed_at=submission)
    else:
        fields.update(status=TenderStatus.PUBLISHED, published_at=submission - timedelta(days=10))
    return fields


def build(*, tenders: int = 10_000, items_per_tender: int = 3) -> dict[str, Any]:
    """Make (or complete) the buyer's ``tenders`` tenders; return ``{"access", "company", "tenders"}``."""
    from accounts.services import auth_login

    company, user = _buyer()
    category = Category.objects.filter(is_active=True).order_by("code").first()
    now = timezone.now()
    year = timezone.localtime(now).year
    with transaction.atomic():
        existing = Tender.objects.filter(buyer=company).count()
        rows = [
            Tender(
                buyer=company,
                number=f"{CODE}-{year}-{index:04d}",
                title=f"Benchmark tender {index}: office supplies lot {index % 97}",
                description="Benchmark data.",
                category=category,
                currency="BRL",
                estimated_budget=Decimal(1000 + index % 50_000),
                budget_visible_to_suppliers=index % 2 == 0,
                created_by=user,
                **_status_fields(index, now),
            )
            for index in range(existing + 1, tenders + 1)
        ]
        Tender.objects.bulk_create(rows, batch_size=1000)
        # Re-read the ids: bulk_create does not return primary keys on every database backend.
        new_ids = list(
            Tender.objects.filter(buyer=company, number__in=[row.number for row in rows]).values_list("pk", flat=True)
        )
        TenderItem.objects.bulk_create(
            [
                TenderItem(
                    tender_id=tender_id,
                    number=number,
                    description=f"Item {number}",
                    quantity=Decimal(1 + (tender_id + number) % 40),
                    unit=UNITS[(tender_id + number) % len(UNITS)],
                )
                for tender_id in new_ids
                for number in range(1, items_per_tender + 1)
            ],
            batch_size=2000,
        )
        sequence, _ = TenderSequence.objects.get_or_create(buyer=company, year=year)
        if sequence.last < tenders:
            TenderSequence.objects.filter(pk=sequence.pk).update(last=tenders)
    request = RequestFactory().post("/api/v1/auth/login", REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="cotai-bench")
    pair = auth_login(request=request, email=EMAIL, password=PASSWORD)
    return {"access": pair.access, "company": company.pk, "tenders": Tender.objects.filter(buyer=company).count()}
