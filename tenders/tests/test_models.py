"""Row-level invariants (database constraints) and the pure helpers: diffs and file checks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from companies.tests.factories import CompanyFactory
from tenders import diff, documents
from tenders.currencies import is_currency
from tenders.models import TenderCriterion, TenderInvitation, TenderItem
from tenders.tests.factories import TenderFactory


@pytest.mark.django_db
def test_a_number_is_unique_per_buyer_but_may_repeat_across_buyers():
    first = TenderFactory(number="ACME-2026-0001")
    TenderFactory(number="ACME-2026-0001")  # another buyer
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderFactory(buyer=first.buyer, number="ACME-2026-0001")


@pytest.mark.django_db
def test_the_database_refuses_an_opening_before_the_deadline():
    tender = TenderFactory()
    tender.opening_at = tender.submission_deadline - timedelta(seconds=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        tender.save()


@pytest.mark.django_db
def test_items_are_numbered_once_per_tender_and_have_positive_quantities():
    tender = TenderFactory(items=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderItem.objects.create(tender=tender, number=1, description="dup", quantity=1, unit="pc")
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderItem.objects.create(tender=tender, number=2, description="zero", quantity=0, unit="pc")


@pytest.mark.django_db
def test_a_tender_has_at_most_one_price_criterion_with_a_weight_in_range():
    tender = TenderFactory()  # price 70, delivery 20, warranty 10
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderCriterion.objects.create(tender=tender, kind="price", name="Price again", weight=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderCriterion.objects.create(tender=tender, kind="quality", name="Too heavy", weight=Decimal("101"))


@pytest.mark.django_db
def test_an_invitation_names_a_supplier_or_an_email_never_both_and_never_twice():
    tender = TenderFactory()
    supplier = CompanyFactory(kind="supplier")
    TenderInvitation.objects.create(tender=tender, supplier=supplier)
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderInvitation.objects.create(tender=tender, supplier=supplier)
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderInvitation.objects.create(tender=tender, supplier=CompanyFactory(), email="a@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderInvitation.objects.create(tender=tender)
    TenderInvitation.objects.create(tender=tender, email="a@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        TenderInvitation.objects.create(tender=tender, email="a@example.com")


def _snapshot(**fields):
    return {
        "fields": fields,
        "items": [
            {
                "id": 1,
                "number": 1,
                "description": "Rebar",
                "quantity": "10.0000",
                "unit": "kg",
                "specification": "",
                "lot": "",
            },
            {
                "id": 2,
                "number": 2,
                "description": "Wire",
                "quantity": "5.0000",
                "unit": "m",
                "specification": "",
                "lot": "",
            },
        ],
        "criteria": [{"kind": "price", "name": "Price", "weight": "100.00"}],
    }


def test_the_diff_lists_only_what_changed_and_reads_well():
    before = _snapshot(title="Old", budget_visible_to_suppliers=False)
    after = {
        "fields": {"title": "New", "budget_visible_to_suppliers": False},
        "items": [
            {**before["items"][1], "number": 1},
            {
                "id": None,
                "number": 2,
                "description": "Nails",
                "quantity": "3.0000",
                "unit": "kg",
                "specification": "",
                "lot": "A",
            },
        ],
        "criteria": [{"kind": "price", "name": "Price", "weight": "100"}],
    }
    change = diff.compute(before, after)
    assert change["fields"] == {"title": {"before": "Old", "after": "New"}}
    assert [item["description"] for item in change["items"]["removed"]] == ["Rebar"]
    assert [item["description"] for item in change["items"]["added"]] == ["Nails"]
    assert change["items"]["changed"] == [
        {"id": 2, "number": 1, "description": "Wire", "changes": {"number": {"before": 2, "after": 1}}}
    ]
    assert "criteria" not in change, "100 and 100.00 are the same weight"
    assert diff.readable(change).splitlines() == [
        "Title: Old → New",
        "Added item 2 'Nails': 3.0000 kg",
        "Removed item 1 'Rebar'",
        "Changed item 1 'Wire': number 2 → 1",
    ]


def test_no_change_gives_an_empty_diff():
    before = _snapshot(title="Same")
    assert (
        diff.compute(before, {"fields": {"title": "Same"}, "items": before["items"], "criteria": before["criteria"]})
        == {}
    )


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("spec.pdf", b"%PDF-1.4 ...", True),
        ("SPEC.PDF", b"%PDF-1.4 ...", True),
        ("photo.png", b"\x89PNG\r\n\x1a\n....", True),
        ("sheet.xlsx", b"PK\x03\x04....", True),
        ("notes.txt", "São Paulo, preço unitário".encode(), True),
        ("fake.pdf", b"MZ\x90\x00", False),
        ("binary.txt", b"abc\x00def", False),
        ("script.exe", b"MZ\x90\x00", False),
        ("no-extension", b"%PDF-1.4", False),
        ("empty.pdf", b"", False),
    ],
)
def test_uploads_are_checked_by_extension_and_content(name, content, ok):
    checked, errors = documents.check_upload(SimpleUploadedFile(name, content))
    assert (checked is not None) is ok
    assert bool(errors) is not ok


def test_the_stored_filename_is_never_a_path():
    assert documents.safe_filename("../../etc/passwd") == "passwd"
    assert documents.safe_filename("C:\\Users\\x\\spec.pdf") == "spec.pdf"
    assert documents.safe_filename("") == "document"


def test_currencies_are_iso_4217_codes():
    assert is_currency("BRL")
    assert is_currency("eur")
    assert not is_currency("XXX")
    assert not is_currency("REAL")
