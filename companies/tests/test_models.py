"""Tax ids (CNPJ check digits, the generic rule), the category taxonomy and model invariants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from companies.choices import InvitationStatus
from companies.models import Category, Company, Invitation
from companies.tests.factories import CategoryFactory, CompanyFactory, InvitationFactory, cnpj_for
from companies.validators import (
    cnpj_check_digits,
    format_cnpj,
    normalize_cnpj,
    normalize_generic_tax_id,
    normalize_tax_id,
)


class TestCnpj:
    @pytest.mark.parametrize(
        ("value", "stored"),
        [
            ("12.345.678/0001-95", "12345678000195"),
            ("12345678000195", "12345678000195"),
            (" 11.222.333/0001-81 ", "11222333000181"),
            ("11 222 333 0001 81", "11222333000181"),
            ("11.444.777/0001-61", "11444777000161"),
            # The alphanumeric CNPJ issued from July 2026 (the Receita Federal's own example).
            ("12.ABC.345/01DE-35", "12ABC34501DE35"),
            ("12.abc.345/01de-35", "12ABC34501DE35"),
        ],
    )
    def test_valid_cnpj_is_stored_without_punctuation(self, value, stored):
        assert normalize_cnpj(value) == stored

    @pytest.mark.parametrize(
        "value",
        [
            "12.345.678/0001-96",  # second check digit wrong
            "12.345.678/0001-05",  # first check digit wrong
            "12345678000159",  # digits swapped
            "12.ABC.345/01DE-36",
        ],
    )
    def test_wrong_check_digits_are_refused(self, value):
        with pytest.raises(ValidationError) as info:
            normalize_cnpj(value)
        assert info.value.code == "cnpj_check_digits"

    @pytest.mark.parametrize("digit", "0123456789")
    def test_all_same_digits_are_refused(self, digit):
        with pytest.raises(ValidationError) as info:
            normalize_cnpj(digit * 14)
        assert info.value.code == "cnpj_repeated"

    def test_zero_cnpj_would_pass_the_arithmetic(self):
        # Why the repetition rule exists: 00.000.000/0000-00 has "valid" check digits.
        assert cnpj_check_digits("0" * 12) == "00"

    @pytest.mark.parametrize(
        "value",
        ["", "1234567800019", "123456780001950", "12.345.678/0001-9X", "12-345-678-0001-95!", "ABCDEFGHIJKLMN"],
    )
    def test_malformed_cnpj_is_refused(self, value):
        with pytest.raises(ValidationError):
            normalize_cnpj(value)

    def test_format_cnpj_adds_the_mask(self):
        assert format_cnpj("12345678000195") == "12.345.678/0001-95"
        assert format_cnpj("123") == "123"

    def test_factory_cnpjs_are_valid(self):
        for number in (0, 1, 99, 123456):
            assert normalize_cnpj(cnpj_for(number)) == cnpj_for(number)


class TestGenericTaxId:
    @pytest.mark.parametrize(
        ("value", "stored"),
        [("de123456789", "DE123456789"), ("  12-345.67/8 ", "12-345.67/8"), ("ABC", "ABC"), ("A" * 32, "A" * 32)],
    )
    def test_valid_values_are_upper_cased_and_trimmed(self, value, stored):
        assert normalize_generic_tax_id(value) == stored

    @pytest.mark.parametrize("value", ["", "AB", "A" * 33, "-ABC", "ABC-", "AB C", "ABC_123", "ÀBC", "12;34"])
    def test_invalid_values_are_refused(self, value):
        with pytest.raises(ValidationError):
            normalize_generic_tax_id(value)

    def test_country_decides_the_rule(self):
        assert normalize_tax_id(country="US", value="12-3456789") == "12-3456789"
        with pytest.raises(ValidationError):
            normalize_tax_id(country="BR", value="12-3456789")
        assert normalize_tax_id(country="br", value="12.345.678/0001-95") == "12345678000195"


@pytest.mark.django_db
class TestCompany:
    def test_clean_normalizes_the_tax_id(self):
        company = CompanyFactory.build(tax_id="12.345.678/0001-95", country="BR")
        company.clean()
        assert company.tax_id == "12345678000195"
        assert company.tax_id_display == "12.345.678/0001-95"

    def test_clean_reports_a_bad_cnpj_on_the_tax_id_field(self):
        company = CompanyFactory.build(tax_id="12.345.678/0001-00", country="BR")
        with pytest.raises(ValidationError) as info:
            company.clean()
        assert "tax_id" in info.value.message_dict

    def test_tax_id_is_unique_per_country_only(self):
        CompanyFactory(country="US", tax_id="12-3456789")
        CompanyFactory(country="CA", tax_id="12-3456789")
        with pytest.raises(IntegrityError):
            CompanyFactory(country="US", tax_id="12-3456789")

    def test_display_name_prefers_the_trade_name(self):
        assert CompanyFactory.build(legal_name="Acme Ltda", trade_name="Acme").display_name == "Acme"
        assert CompanyFactory.build(legal_name="Acme Ltda", trade_name="").display_name == "Acme Ltda"

    def test_kind_tells_which_side_it_takes(self):
        assert CompanyFactory.build(kind="buyer").buys
        assert not CompanyFactory.build(kind="buyer").supplies
        assert CompanyFactory.build(kind="both").buys
        assert CompanyFactory.build(kind="both").supplies


@pytest.mark.django_db
class TestCategories:
    def test_the_taxonomy_is_seeded_with_goods_and_services(self):
        roots = set(Category.objects.roots().values_list("code", flat=True))
        assert roots == {"goods", "services"}
        assert Category.objects.count() > 60
        steel = Category.objects.get(code="goods.construction.steel")
        assert steel.parent.code == "goods.construction"
        assert steel.parent.parent.code == "goods"
        assert steel.depth == 2

    def test_every_seeded_code_extends_its_parent(self):
        for category in Category.objects.select_related("parent"):
            category.full_clean()  # raises if a code does not extend its parent's

    def test_subtree_is_the_category_and_its_descendants(self):
        it = Category.objects.get(code="goods.it")
        codes = set(Category.objects.subtree(it).values_list("code", flat=True))
        assert "goods.it" in codes
        assert "goods.it.networking" in codes
        assert all(code == "goods.it" or code.startswith("goods.it.") for code in codes)
        assert "services.it" not in codes

    def test_code_must_extend_the_parent_code(self):
        parent = Category.objects.get(code="goods.it")
        with pytest.raises(ValidationError):
            CategoryFactory.build(parent=parent, code="services.it.other", slug="x").full_clean()
        with pytest.raises(ValidationError):
            CategoryFactory.build(parent=None, code="goods.orphan", slug="y").full_clean()
        CategoryFactory.build(parent=parent, code="goods.it.tablets", slug="goods-it-tablets").full_clean()


@pytest.mark.django_db
class TestInvitationStatus:
    def test_status_follows_the_timestamps(self):
        now = timezone.now()
        assert InvitationFactory().status == InvitationStatus.PENDING
        assert InvitationFactory(expires_at=now - timedelta(seconds=1)).status == InvitationStatus.EXPIRED
        assert InvitationFactory(accepted_at=now).status == InvitationStatus.ACCEPTED
        assert InvitationFactory(revoked_at=now).status == InvitationStatus.REVOKED

    def test_with_status_filters_like_the_property(self):
        now = timezone.now()
        pending = InvitationFactory()
        expired = InvitationFactory(expires_at=now - timedelta(seconds=1))
        accepted = InvitationFactory(accepted_at=now)
        revoked = InvitationFactory(revoked_at=now)
        for invitation in (pending, expired, accepted, revoked):
            assert list(Invitation.objects.with_status(invitation.status)) == [invitation]

    def test_only_one_open_invitation_per_company_and_address(self):
        first = InvitationFactory(email="x@example.com")
        with pytest.raises(IntegrityError):
            InvitationFactory(company=first.company, email="X@example.com")

    def test_a_closed_invitation_does_not_block_a_new_one(self):
        first = InvitationFactory(email="x@example.com", revoked_at=timezone.now())
        InvitationFactory(company=first.company, email="x@example.com")
        assert Company.objects.count() == 1
