"""Selectors return only what the actor may see; another company's ids are NotFound."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.principals import ApiKeyPrincipal
from accounts.tests.factories import ApiKeyFactory, UserFactory
from companies import selectors
from companies.choices import Role
from companies.models import Category, Membership
from companies.tests.factories import CompanyFactory, InvitationFactory, member
from cotai.exceptions import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_company_list_is_my_active_companies_with_my_role_and_member_count():
    mine, also_mine, left, foreign = CompanyFactory.create_batch(4)
    me = member(mine, Role.OWNER).user
    member(mine, Role.VIEWER)  # a colleague
    Membership.objects.create(user=me, company=also_mine, role=Role.BUYER)
    Membership.objects.create(user=me, company=left, role=Role.ADMIN, is_active=False)
    member(foreign, Role.OWNER)
    companies = {company.pk: company for company in selectors.company_list_for(actor=me)}
    assert set(companies) == {mine.pk, also_mine.pk}
    assert companies[mine.pk].member_count == 2
    assert [m.role for m in companies[also_mine.pk].my_memberships] == [Role.BUYER]


def test_company_get_for_another_company_is_not_found_by_id_or_slug():
    mine, foreign = CompanyFactory(), CompanyFactory()
    me = member(mine, Role.OWNER).user
    assert selectors.company_get_for(actor=me, pk=mine.pk) == mine
    for lookup in ({"pk": foreign.pk}, {"slug": foreign.slug}, {"pk": "not-a-number"}, {"pk": 10**9}):
        with pytest.raises(NotFound):
            selectors.company_get_for(actor=me, **lookup)


def test_nobody_and_inactive_people_see_no_company():
    company = CompanyFactory()
    gone = member(company, Role.OWNER).user
    gone.is_active = False
    gone.save()
    assert not selectors.company_list_for(actor=gone).exists()
    assert not selectors.company_list_for(actor=None).exists()
    with pytest.raises(NotFound):
        selectors.company_get_for(actor=UserFactory(), pk=company.pk)


def test_an_api_key_sees_its_company_only_with_companies_read():
    company, other = CompanyFactory(), CompanyFactory()
    reader = ApiKeyPrincipal(ApiKeyFactory(company=company, scopes=["companies:read"]))
    blind = ApiKeyPrincipal(ApiKeyFactory(company=company, scopes=["tenders:read"]))
    assert list(selectors.company_list_for(actor=reader)) == [company]
    assert not selectors.company_list_for(actor=blind).exists()
    with pytest.raises(NotFound):
        selectors.company_get_for(actor=reader, pk=other.pk)
    with pytest.raises(PermissionDenied):
        selectors.company_get_for(actor=blind, pk=company.pk)


def test_members_of_another_company_are_not_found():
    mine, foreign = CompanyFactory(), CompanyFactory()
    me = member(mine, Role.VIEWER).user
    stranger = member(foreign, Role.VIEWER)
    with pytest.raises(NotFound):
        selectors.membership_get_for(actor=me, company=mine, pk=stranger.pk)
    # Asking "as" the other company is refused outright: the actor is not a member there.
    with pytest.raises(PermissionDenied):
        selectors.membership_list_for(actor=me, company=foreign)


def test_member_list_hides_people_who_left():
    company = CompanyFactory()
    me = member(company, Role.OWNER).user
    left = member(company, Role.VIEWER)
    Membership.objects.filter(pk=left.pk).update(is_active=False)
    assert [m.user for m in selectors.membership_list_for(actor=me, company=company)] == [me]
    with pytest.raises(NotFound):
        selectors.membership_get_for(actor=me, company=company, pk=left.pk)


def test_invitations_are_for_member_managers_and_scoped_to_the_company():
    mine, foreign = CompanyFactory(), CompanyFactory()
    admin = member(mine, Role.ADMIN).user
    viewer = member(mine, Role.VIEWER).user
    own = InvitationFactory(company=mine)
    theirs = InvitationFactory(company=foreign)
    assert list(selectors.invitation_list_for(actor=admin, company=mine)) == [own]
    with pytest.raises(PermissionDenied):
        selectors.invitation_list_for(actor=viewer, company=mine)
    with pytest.raises(NotFound):
        selectors.invitation_get_for(actor=admin, company=mine, pk=theirs.pk)


def test_category_list_is_active_and_in_tree_order():
    Category.objects.filter(code="services.catering").update(is_active=False)
    codes = [category.code for category in selectors.category_list()]
    assert codes == sorted(codes)
    assert "services.catering" not in codes
    assert codes.index("goods") < codes.index("goods.it") < codes.index("goods.it.computers")
    choices = dict(selectors.category_choices())
    assert choices[Category.objects.get(code="goods.it.computers").pk].startswith("— — ")


@pytest.mark.parametrize("selector", ["companies", "members"])
def test_query_count_does_not_grow_with_the_rows(selector, django_assert_num_queries):
    def prepare(size: int):
        me = UserFactory()
        home = CompanyFactory()
        Membership.objects.create(user=me, company=home, role=Role.OWNER)
        for _ in range(size - 1):
            if selector == "companies":
                company = CompanyFactory()
                company.categories.set(Category.objects.filter(code__startswith="goods.it."))
                Membership.objects.create(user=me, company=company, role=Role.VIEWER)
            else:
                member(home, Role.VIEWER)
        return me, home

    def read(me, home) -> int:
        if selector == "companies":
            rows = list(selectors.company_list_for(actor=me))
            _ = [(c.member_count, c.my_memberships, list(c.categories.all())) for c in rows]
        else:
            rows = list(selectors.membership_list_for(actor=me, company=home))
            _ = [(m.user.email, m.company.slug) for m in rows]
        return len(rows)

    small = prepare(5)
    with CaptureQueriesContext(connection) as five:
        assert read(*small) == 5
    large = prepare(50)
    with django_assert_num_queries(len(five)):
        assert read(*large) == 50
