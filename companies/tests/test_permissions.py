"""The role -> action map, API-key scopes, company kinds and the people it never lets through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.principals import ApiKeyPrincipal
from accounts.scopes import SCOPES
from accounts.tests.factories import ApiKeyFactory, UserFactory
from companies import permissions
from companies.choices import CompanyKind, Role
from companies.models import Membership
from companies.tests.factories import CompanyFactory, member
from cotai.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db

CONTRACT_ACTIONS = {
    "company.view", "company.edit", "company.manage_members", "company.manage_api_keys", "company.view_audit",
    "tender.view", "tender.create", "tender.edit", "tender.publish", "tender.amend", "tender.cancel",
    "tender.invite", "clarification.answer", "clarification.ask", "quote.view", "quote.edit", "quote.submit",
    "quote.withdraw", "evaluation.view", "evaluation.score", "award.make", "notifications.view",
    "webhooks.manage", "reports.view",
}  # fmt: skip


def test_every_action_of_the_contract_exists():
    assert CONTRACT_ACTIONS <= permissions.ALL_ACTIONS


def test_every_scope_named_by_an_action_exists():
    assert set(permissions.ACTION_SCOPES.values()) <= set(SCOPES)
    assert set(permissions.ACTION_SCOPES) <= permissions.ALL_ACTIONS


def test_every_role_has_actions_and_owner_has_all():
    assert set(permissions.ROLE_ACTIONS) == set(Role)
    assert permissions.ROLE_ACTIONS[Role.OWNER] == permissions.ALL_ACTIONS
    assert permissions.ROLE_ACTIONS[Role.ADMIN] == permissions.ALL_ACTIONS - {"company.manage_owners"}


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.BUYER, {"tender.create", "tender.publish", "award.make", "clarification.answer"},
         {"quote.submit", "evaluation.score", "company.edit", "company.manage_members"}),
        (Role.EVALUATOR, {"evaluation.score", "evaluation.view", "quote.view"},
         {"tender.create", "award.make", "quote.submit", "company.manage_members"}),
        (Role.SUPPLIER_REP, {"quote.edit", "quote.submit", "quote.withdraw", "clarification.ask"},
         {"tender.create", "award.make", "evaluation.view", "company.edit"}),
        (Role.VIEWER, {"company.view", "tender.view", "quote.view", "company.view_members"},
         {"tender.create", "quote.submit", "evaluation.score", "company.manage_members", "webhooks.manage"}),
        (Role.ADMIN, {"company.edit", "company.manage_members", "company.manage_api_keys", "webhooks.manage"},
         {"company.manage_owners"}),
    ],
)  # fmt: skip
def test_each_role_may_do_its_work_and_nothing_else(role, allowed, refused):
    company = CompanyFactory(kind=CompanyKind.BOTH)
    user = member(company, role).user
    for action in allowed:
        assert permissions.can(user, action, company), action
    for action in refused:
        assert not permissions.can(user, action, company), action


def test_a_member_has_no_rights_in_another_company():
    company, other = CompanyFactory(), CompanyFactory()
    owner = member(company, Role.OWNER).user
    assert not any(permissions.can(owner, action, other) for action in permissions.ALL_ACTIONS)


def test_inactive_membership_or_user_grants_nothing():
    company = CompanyFactory()
    membership = member(company, Role.OWNER)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert not permissions.can(membership.user, "company.view", company)
    active = member(company, Role.OWNER)
    active.user.is_active = False
    active.user.save()
    assert not permissions.can(active.user, "company.view", company)


def test_anonymous_none_and_staff_get_nothing():
    company = CompanyFactory()
    staff = UserFactory(is_staff=True, is_superuser=True)
    for actor in (None, AnonymousUser(), staff):
        assert not permissions.can(actor, "company.view", company)
    with pytest.raises(PermissionDenied):
        permissions.require(staff, "company.edit", company)


def test_unknown_action_is_a_programming_error():
    company = CompanyFactory()
    with pytest.raises(ValueError, match="Unknown action"):
        permissions.can(member(company, Role.OWNER).user, "company.fly", company)


def test_company_kind_limits_the_side_a_company_can_take():
    supplier = CompanyFactory(kind=CompanyKind.SUPPLIER)
    buyer = CompanyFactory(kind=CompanyKind.BUYER)
    supplier_owner = member(supplier, Role.OWNER).user
    buyer_owner = member(buyer, Role.OWNER).user
    assert not permissions.can(supplier_owner, "tender.create", supplier)
    assert permissions.can(supplier_owner, "quote.submit", supplier)
    assert permissions.can(buyer_owner, "tender.create", buyer)
    assert not permissions.can(buyer_owner, "quote.submit", buyer)
    assert permissions.can(buyer_owner, "tender.view", buyer)
    assert permissions.can(supplier_owner, "tender.view", supplier)


def test_api_key_acts_within_its_company_and_scopes():
    company, other = CompanyFactory(kind=CompanyKind.BOTH), CompanyFactory(kind=CompanyKind.BOTH)
    key = ApiKeyPrincipal(ApiKeyFactory(company=company, scopes=["tenders:read", "tenders:write", "companies:read"]))
    assert permissions.can(key, "tender.view", company)
    assert permissions.can(key, "tender.publish", company)
    assert permissions.can(key, "company.view", company)
    assert not permissions.can(key, "quote.submit", company)  # no quotes:write scope
    assert not permissions.can(key, "tender.view", other)  # not its company
    # Actions without a scope are for people only, whatever the key carries.
    full = ApiKeyPrincipal(ApiKeyFactory(company=company, scopes=list(SCOPES)))
    for action in ("company.edit", "company.manage_members", "company.manage_api_keys", "company.manage_owners"):
        assert not permissions.can(full, action, company)
    assert permissions.membership_for(full, company) is None


def test_require_raises_permission_denied_naming_the_action():
    company = CompanyFactory()
    viewer = member(company, Role.VIEWER).user
    with pytest.raises(PermissionDenied) as info:
        permissions.require(viewer, "company.edit", company)
    assert info.value.extra == {"action": "company.edit"}


def test_assignable_roles_include_owner_only_for_owners():
    company = CompanyFactory()
    owner, admin, buyer = (member(company, role).user for role in (Role.OWNER, Role.ADMIN, Role.BUYER))
    assert Role.OWNER in permissions.assignable_roles(owner, company)
    assert Role.OWNER not in permissions.assignable_roles(admin, company)
    assert Role.ADMIN in permissions.assignable_roles(admin, company)
    assert permissions.assignable_roles(buyer, company) == []


def test_the_request_cache_answers_without_queries(django_assert_num_queries):
    company = CompanyFactory()
    user = member(company, Role.OWNER).user
    permissions.prime_membership_cache(user, list(Membership.objects.filter(user=user)))
    with django_assert_num_queries(0):
        assert permissions.actions_for(user, company) == permissions.ALL_ACTIONS
    permissions.clear_membership_cache(user)
    with django_assert_num_queries(1):
        assert permissions.can(user, "company.view", company)
