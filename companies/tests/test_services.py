"""Services: registering companies, owner rules, invitations (expiry, single use), audit and events."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from accounts.principals import ApiKeyPrincipal
from accounts.tests.factories import ApiKeyFactory, UserFactory
from companies import services
from companies.choices import CompanyKind, InvitationStatus, Role
from companies.models import Category, Company, Invitation, Membership
from companies.tests.factories import CompanyFactory, InvitationFactory, member
from cotai.context import reset_correlation_id, set_correlation_id
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from cotai.testing import need_service, using_postgres

pytestmark = pytest.mark.django_db

VALID = {"legal_name": "Acme Indústria Ltda", "tax_id": "12.345.678/0001-95", "country": "BR", "kind": "supplier"}


@pytest.fixture
def traced_request():
    """A request from a known address and browser, under a known correlation id."""
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="TestBrowser/1.0")
    token = set_correlation_id("corr-test-42")
    yield request
    reset_correlation_id(token)


def _trace_of(event):
    return (event.ip, event.user_agent, event.correlation_id)


# --- companies ----------------------------------------------------------------------------------------
class TestCompanyCreate:
    def test_creates_the_company_with_the_actor_as_owner(self, audit_log, outbox, traced_request):
        user = UserFactory()
        steel = Category.objects.get(code="goods.construction.steel")
        company = services.company_create(actor=user, categories=[steel], request=traced_request, **VALID)
        assert company.tax_id == "12345678000195"
        assert company.slug == "acme-industria-ltda"
        assert company.code == "ACME"
        assert list(company.categories.all()) == [steel]
        assert Membership.objects.get(company=company).role == Role.OWNER
        created = audit_log(company=company, type="company.created")
        assert len(created) == 1
        assert created[0].actor_id == user.pk
        assert _trace_of(created[0]) == ("203.0.113.7", "TestBrowser/1.0", "corr-test-42")
        assert created[0].data["after"]["tax_id"] == "12345678000195"
        assert len(audit_log(company=company, type="membership.created")) == 1
        assert [event.company_id for event in outbox("company.created")] == [company.pk]

    @pytest.mark.parametrize("bad", ["12.345.678/0001-00", "11111111111111", "1234", "12.345.678/0001-9A"])
    def test_malformed_cnpj_gives_a_field_error_and_creates_nothing(self, bad, audit_log, outbox):
        with pytest.raises(ValidationFailed) as info:
            services.company_create(actor=UserFactory(), **(VALID | {"tax_id": bad}))
        assert set(info.value.errors) == {"tax_id"}
        assert not Company.objects.exists()
        assert not Membership.objects.exists()
        assert audit_log() == []
        assert outbox("company.created") == []

    def test_other_countries_follow_the_generic_rule(self):
        company = services.company_create(actor=UserFactory(), **(VALID | {"country": "de", "tax_id": "de-123.456"}))
        assert (str(company.country), company.tax_id) == ("DE", "DE-123.456")
        with pytest.raises(ValidationFailed) as info:
            services.company_create(actor=UserFactory(), **(VALID | {"country": "US", "tax_id": "1!"}))
        assert set(info.value.errors) == {"tax_id"}

    def test_several_field_errors_come_together(self):
        with pytest.raises(ValidationFailed) as info:
            services.company_create(actor=UserFactory(), **(VALID | {"legal_name": "", "country": "XX"}))
        assert {"legal_name", "country"} <= set(info.value.errors)

    def test_a_registered_tax_id_is_refused_on_the_field(self):
        services.company_create(actor=UserFactory(), **VALID)
        with pytest.raises(ValidationFailed) as info:
            services.company_create(actor=UserFactory(), **(VALID | {"tax_id": "12345678000195", "legal_name": "X"}))
        assert "tax_id" in info.value.errors
        assert Company.objects.count() == 1

    def test_same_names_get_distinct_slugs_and_codes(self):
        first = services.company_create(actor=UserFactory(), **VALID)
        second = services.company_create(actor=UserFactory(), **(VALID | {"tax_id": "11.222.333/0001-81"}))
        assert first.slug != second.slug
        assert first.code != second.code
        assert second.code == "ACME2"

    def test_a_slug_that_would_shadow_a_page_is_avoided(self):
        company = services.company_create(actor=UserFactory(), **(VALID | {"legal_name": "New"}))
        assert company.slug == "new-company"

    def test_a_chosen_code_is_kept_and_must_be_free(self):
        services.company_create(actor=UserFactory(), code="acx", **VALID)
        assert Company.objects.get().code == "ACX"
        with pytest.raises(ValidationFailed) as info:
            services.company_create(actor=UserFactory(), code="ACX", **(VALID | {"tax_id": "11.222.333/0001-81"}))
        assert "code" in info.value.errors

    def test_api_keys_cannot_register_companies(self):
        key = ApiKeyPrincipal(ApiKeyFactory())
        with pytest.raises(PermissionDenied):
            services.company_create(actor=key, **VALID)


class TestCompanyUpdate:
    def test_owner_changes_the_profile_and_it_is_audited(self, audit_log, traced_request):
        company = CompanyFactory(city="Recife")
        owner = member(company, Role.OWNER).user
        services.company_update(actor=owner, company=company, data={"city": "Natal"}, request=traced_request)
        company.refresh_from_db()
        assert company.city == "Natal"
        (event,) = audit_log(company=company, type="company.updated")
        assert event.data["before"] == {"city": "Recife"}
        assert event.data["after"] == {"city": "Natal"}
        assert _trace_of(event) == ("203.0.113.7", "TestBrowser/1.0", "corr-test-42")

    def test_roles_without_company_edit_are_refused(self):
        company = CompanyFactory()
        for role in (Role.BUYER, Role.EVALUATOR, Role.SUPPLIER_REP, Role.VIEWER):
            with pytest.raises(PermissionDenied):
                services.company_update(actor=member(company, role).user, company=company, data={"city": "X"})

    def test_changing_the_tax_id_removes_the_verified_mark(self):
        company = CompanyFactory(is_verified=True, verified_at=timezone.now())
        admin = member(company, Role.ADMIN).user
        services.company_update(actor=admin, company=company, data={"tax_id": "11.222.333/0001-81"})
        company.refresh_from_db()
        assert company.tax_id == "11222333000181"
        assert not company.is_verified
        assert company.verified_at is None

    def test_changing_the_address_keeps_the_verified_mark(self):
        company = CompanyFactory(is_verified=True, verified_at=timezone.now())
        services.company_update(actor=member(company, Role.OWNER).user, company=company, data={"city": "Natal"})
        company.refresh_from_db()
        assert company.is_verified

    def test_a_bad_cnpj_changes_nothing(self):
        company = CompanyFactory()
        before = company.tax_id
        with pytest.raises(ValidationFailed) as info:
            services.company_update(
                actor=member(company, Role.OWNER).user, company=company, data={"tax_id": "12.345.678/0001-00"}
            )
        assert "tax_id" in info.value.errors
        company.refresh_from_db()
        assert company.tax_id == before

    def test_fields_outside_the_profile_cannot_be_changed(self):
        company = CompanyFactory()
        with pytest.raises(ValidationFailed) as info:
            services.company_update(
                actor=member(company, Role.OWNER).user, company=company, data={"is_verified": True, "slug": "x"}
            )
        assert set(info.value.errors) == {"is_verified", "slug"}


class TestCompanyVerify:
    def test_staff_verify_and_it_is_audited(self, audit_log):
        company = CompanyFactory()
        staff = UserFactory(is_staff=True)
        services.company_set_verified(actor=staff, company=company, verified=True)
        assert company.is_verified
        assert company.verified_at is not None
        assert [event.actor_id for event in audit_log(company=company, type="company.verified")] == [staff.pk]
        services.company_set_verified(actor=staff, company=company, verified=True)  # no change, no event
        assert len(audit_log(company=company, type="company.verified")) == 1

    def test_members_cannot_verify_their_own_company(self):
        company = CompanyFactory()
        with pytest.raises(PermissionDenied):
            services.company_set_verified(actor=member(company, Role.OWNER).user, company=company, verified=True)
        company.refresh_from_db()
        assert not company.is_verified


class TestCompanySwitch:
    def test_switching_to_a_company_of_mine_sets_the_session(self):
        company = CompanyFactory()
        user = member(company, Role.VIEWER).user
        request = RequestFactory().post("/")
        request.session = {}
        services.company_switch(actor=user, company=company, request=request)
        assert request.session[services.SESSION_ACTIVE_COMPANY] == company.pk

    def test_switching_to_someone_elses_company_is_not_found(self):
        user = member(CompanyFactory(), Role.OWNER).user
        request = RequestFactory().post("/")
        request.session = {}
        with pytest.raises(NotFound):
            services.company_switch(actor=user, company=CompanyFactory(), request=request)
        assert request.session == {}


# --- owner rules ------------------------------------------------------------------------------------------
class TestOwnerRules:
    def test_admins_cannot_remove_demote_or_make_owners(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER)
        admin = member(company, Role.ADMIN).user
        viewer = member(company, Role.VIEWER)
        with pytest.raises(PermissionDenied):
            services.membership_remove(actor=admin, membership=owner)
        with pytest.raises(PermissionDenied):
            services.membership_change_role(actor=admin, membership=owner, role=Role.VIEWER)
        with pytest.raises(PermissionDenied):
            services.membership_change_role(actor=admin, membership=viewer, role=Role.OWNER)
        owner.refresh_from_db()
        viewer.refresh_from_db()
        assert (owner.role, owner.is_active, viewer.role) == (Role.OWNER, True, Role.VIEWER)

    def test_admins_manage_everyone_else(self):
        company = CompanyFactory()
        member(company, Role.OWNER)
        admin = member(company, Role.ADMIN).user
        buyer = member(company, Role.BUYER)
        services.membership_change_role(actor=admin, membership=buyer, role=Role.EVALUATOR)
        buyer.refresh_from_db()
        assert buyer.role == Role.EVALUATOR
        services.membership_remove(actor=admin, membership=buyer)
        buyer.refresh_from_db()
        assert not buyer.is_active

    def test_the_last_owner_cannot_leave(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER)
        with pytest.raises(InvalidState, match="last owner"):
            services.membership_leave(actor=owner.user, company=company)
        owner.refresh_from_db()
        assert owner.is_active

    def test_the_last_owner_cannot_be_demoted_even_by_themselves(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER)
        with pytest.raises(InvalidState):
            services.membership_change_role(actor=owner.user, membership=owner, role=Role.ADMIN)
        owner.refresh_from_db()
        assert owner.role == Role.OWNER

    def test_an_owner_may_leave_or_be_removed_while_another_owner_stays(self):
        company = CompanyFactory()
        first, second, third = (member(company, Role.OWNER) for _ in range(3))
        services.membership_remove(actor=first.user, membership=second)
        services.membership_leave(actor=third.user, company=company)
        assert list(Membership.objects.owners().filter(company=company)) == [first]
        with pytest.raises(InvalidState):
            services.membership_leave(actor=first.user, company=company)

    def test_an_inactive_owner_does_not_count(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER)
        gone = member(company, Role.OWNER)
        Membership.objects.filter(pk=gone.pk).update(is_active=False)
        with pytest.raises(InvalidState):
            services.membership_leave(actor=owner.user, company=company)

    def test_owners_promote_others_to_owner(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        admin = member(company, Role.ADMIN)
        services.membership_change_role(actor=owner, membership=admin, role=Role.OWNER)
        admin.refresh_from_db()
        assert admin.role == Role.OWNER

    def test_removing_someone_takes_their_rights_away(self):
        from companies import permissions

        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        buyer = member(company, Role.BUYER)
        services.membership_remove(actor=owner, membership=buyer)
        assert not permissions.can(buyer.user, "company.view", company)

    def test_leaving_a_company_i_do_not_belong_to_is_not_found(self):
        with pytest.raises(NotFound):
            services.membership_leave(actor=UserFactory(), company=CompanyFactory())

    @pytest.mark.django_db(transaction=True)
    def test_two_owners_leaving_at_once_leave_one_behind(self):
        need_service("PostgreSQL", using_postgres(), "row locks are what this test is about")
        company = CompanyFactory()
        owners = [member(company, Role.OWNER).user for _ in range(2)]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def leave(user):
            barrier.wait()
            try:
                services.membership_leave(actor=user, company=company)
                outcomes.append("left")
            except InvalidState:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=leave, args=(user,)) for user in owners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["left", "refused"]
        assert Membership.objects.owners().filter(company=company).count() == 1


class TestMembershipAudit:
    def test_role_change_is_audited_and_announced(self, audit_log, outbox, traced_request):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        buyer = member(company, Role.BUYER)
        services.membership_change_role(actor=owner, membership=buyer, role=Role.VIEWER, request=traced_request)
        (event,) = audit_log(company=company, type="membership.role_changed")
        assert event.actor_id == owner.pk
        assert event.object_id == str(buyer.pk)
        assert event.data["before"]["role"] == "buyer"
        assert event.data["after"]["role"] == "viewer"
        assert _trace_of(event) == ("203.0.113.7", "TestBrowser/1.0", "corr-test-42")
        (emitted,) = outbox("member.role_changed")
        assert emitted.payload["new_role"] == "viewer"
        assert emitted.company_id == company.pk

    def test_the_same_role_again_changes_and_records_nothing(self, audit_log, outbox):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        buyer = member(company, Role.BUYER)
        services.membership_change_role(actor=owner, membership=buyer, role=Role.BUYER)
        assert audit_log(type="membership.role_changed") == []
        assert outbox("member.role_changed") == []

    def test_removal_and_leaving_are_audited(self, audit_log, outbox):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        buyer, viewer = member(company, Role.BUYER), member(company, Role.VIEWER)
        services.membership_remove(actor=owner, membership=buyer)
        services.membership_leave(actor=viewer.user, company=company)
        assert [e.object_id for e in audit_log(company=company, type="membership.removed")] == [str(buyer.pk)]
        assert [e.actor_id for e in audit_log(company=company, type="membership.left")] == [viewer.user_id]
        assert sorted(e.payload["reason"] for e in outbox("member.removed")) == ["left", "removed"]


# --- invitations -------------------------------------------------------------------------------------------
def _invite(company, *, actor=None, email="new.person@example.com", role=Role.BUYER, request=None):
    actor = actor or member(company, Role.OWNER).user
    return services.invitation_create(actor=actor, company=company, email=email, role=role, request=request)


class TestInvitationCreate:
    def test_invitation_is_stored_hashed_audited_announced_and_emailed(
        self, audit_log, outbox, traced_request, django_capture_on_commit_callbacks
    ):
        company = CompanyFactory()
        with django_capture_on_commit_callbacks(execute=True):
            invitation, token = _invite(company, email=" New.Person@Example.com ", request=traced_request)
        assert invitation.email == "new.person@example.com"
        assert token not in invitation.token_hash
        assert len(invitation.token_hash) == 64
        assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
        (event,) = audit_log(company=company, type="invitation.created")
        assert event.data["after"]["email"] == "new.person@example.com"
        assert _trace_of(event) == ("203.0.113.7", "TestBrowser/1.0", "corr-test-42")
        (emitted,) = outbox("member.invited")
        assert emitted.payload["invitation_id"] == invitation.pk
        assert token not in str(emitted.payload)
        (message,) = mail.outbox
        assert message.to == ["new.person@example.com"]
        assert f"/companies/invitations/{token}/" in message.body

    def test_only_managers_invite_and_only_owners_invite_owners(self):
        company = CompanyFactory()
        member(company, Role.OWNER)
        admin = member(company, Role.ADMIN).user
        for role in (Role.BUYER, Role.EVALUATOR, Role.SUPPLIER_REP, Role.VIEWER):
            with pytest.raises(PermissionDenied):
                _invite(company, actor=member(company, role).user)
        with pytest.raises(PermissionDenied):
            _invite(company, actor=admin, role=Role.OWNER)
        _invite(company, actor=admin, role=Role.ADMIN)
        assert Invitation.objects.count() == 1

    def test_an_active_member_cannot_be_invited_again(self):
        company = CompanyFactory()
        existing = member(company, Role.VIEWER, email="here@example.com")
        with pytest.raises(ValidationFailed) as info:
            _invite(company, email="HERE@example.com")
        assert "email" in info.value.errors
        assert existing.is_active

    def test_an_invalid_address_or_role_is_a_field_error(self):
        company = CompanyFactory()
        with pytest.raises(ValidationFailed) as info:
            _invite(company, email="not-an-address")
        assert "email" in info.value.errors
        with pytest.raises(ValidationFailed) as info:
            _invite(company, role="king")
        assert "role" in info.value.errors

    def test_a_new_invitation_replaces_the_open_one(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        first, first_token = _invite(company, actor=owner)
        second, _second_token = _invite(company, actor=owner, role=Role.VIEWER)
        first.refresh_from_db()
        assert first.status == InvitationStatus.REVOKED
        assert second.status == InvitationStatus.PENDING
        with pytest.raises(InvalidState):
            services.invitation_accept(token=first_token, actor=UserFactory(email="new.person@example.com"))


class TestInvitationAccept:
    def test_accepting_creates_the_membership_with_the_invited_role(self, audit_log, outbox):
        company = CompanyFactory()
        _invitation, token = _invite(company, role=Role.EVALUATOR)
        user = UserFactory(email="new.person@example.com")
        membership = services.invitation_accept(token=token, actor=user)
        assert (membership.company, membership.role, membership.is_active) == (company, Role.EVALUATOR, True)
        assert len(audit_log(company=company, type="invitation.accepted")) == 1
        assert [e.actor_id for e in audit_log(company=company, type="membership.created")][-1] == user.pk
        assert [e.payload["member_id"] for e in outbox("member.joined")] == [membership.pk]

    def test_an_invitation_works_only_once(self):
        company = CompanyFactory()
        invitation, token = _invite(company)
        user = UserFactory(email="new.person@example.com")
        services.invitation_accept(token=token, actor=user)
        with pytest.raises(InvalidState, match="accepted"):
            services.invitation_accept(token=token, actor=user)
        invitation.refresh_from_db()
        assert invitation.accepted_by == user
        assert Membership.objects.filter(company=company, user=user).count() == 1

    def test_an_expired_invitation_is_refused_and_creates_nothing(self, time_machine):
        company = CompanyFactory()
        _invitation, token = _invite(company)
        user = UserFactory(email="new.person@example.com")
        time_machine.move_to(timezone.now() + services.INVITATION_LIFETIME + timedelta(seconds=1))
        with pytest.raises(InvalidState, match="expired"):
            services.invitation_accept(token=token, actor=user)
        assert not Membership.objects.filter(user=user).exists()

    def test_it_still_works_just_before_it_expires(self, time_machine):
        company = CompanyFactory()
        _invitation, token = _invite(company)
        time_machine.move_to(timezone.now() + services.INVITATION_LIFETIME - timedelta(seconds=5))
        assert services.invitation_accept(token=token, actor=UserFactory(email="new.person@example.com"))

    def test_a_revoked_invitation_is_refused(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        invitation, token = _invite(company, actor=owner)
        services.invitation_revoke(actor=owner, invitation=invitation)
        with pytest.raises(InvalidState, match="revoked"):
            services.invitation_accept(token=token, actor=UserFactory(email="new.person@example.com"))
        with pytest.raises(InvalidState):
            services.invitation_revoke(actor=owner, invitation=invitation)

    def test_someone_else_cannot_use_the_invitation(self):
        company = CompanyFactory()
        invitation, token = _invite(company)
        intruder = UserFactory(email="intruder@example.com")
        with pytest.raises(PermissionDenied):
            services.invitation_accept(token=token, actor=intruder)
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.PENDING
        assert not Membership.objects.filter(user=intruder).exists()

    def test_an_unknown_token_is_not_found(self):
        with pytest.raises(NotFound):
            services.invitation_accept(token="nope", actor=UserFactory())

    def test_an_existing_member_keeps_their_role(self):
        company = CompanyFactory()
        owner = member(company, Role.OWNER)
        invitation = InvitationFactory(company=company, email=owner.user.email, role=Role.VIEWER, token="t-1")
        membership = services.invitation_accept(token="t-1", actor=owner.user)
        assert membership.role == Role.OWNER
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.ACCEPTED

    def test_a_former_member_comes_back_with_the_invited_role(self):
        company = CompanyFactory()
        former = member(company, Role.ADMIN)
        Membership.objects.filter(pk=former.pk).update(is_active=False)
        InvitationFactory(company=company, email=former.user.email, role=Role.VIEWER, token="t-2")
        membership = services.invitation_accept(token="t-2", actor=former.user)
        assert (membership.pk, membership.role, membership.is_active) == (former.pk, Role.VIEWER, True)

    def test_resending_replaces_the_link_and_restarts_the_clock(self, time_machine):
        company = CompanyFactory()
        owner = member(company, Role.OWNER).user
        invitation, old_token = _invite(company, actor=owner)
        time_machine.move_to(timezone.now() + timedelta(days=6))
        invitation, new_token = services.invitation_resend(actor=owner, invitation=invitation)
        assert new_token != old_token
        assert invitation.expires_at > timezone.now() + timedelta(days=6)
        with pytest.raises(NotFound):
            services.invitation_accept(token=old_token, actor=UserFactory(email="new.person@example.com"))
        assert services.invitation_accept(token=new_token, actor=User.objects.get(email="new.person@example.com"))


class TestInvitationAcceptNewAccount:
    def test_creates_a_verified_account_and_the_membership(self, audit_log):
        from allauth.account.models import EmailAddress

        company = CompanyFactory()
        _invitation, token = _invite(company, email="fresh@example.com", role=Role.SUPPLIER_REP)
        membership = services.invitation_accept_new_account(
            token=token, password="a-long-and-unusual-passphrase-42", full_name="Fresh Person"
        )
        user = membership.user
        assert (user.email, user.full_name, membership.role) == ("fresh@example.com", "Fresh Person", Role.SUPPLIER_REP)
        assert user.check_password("a-long-and-unusual-passphrase-42")
        assert EmailAddress.objects.get(user=user).verified
        assert len(audit_log(company=company, type="invitation.accepted")) == 1

    def test_a_weak_password_creates_nothing(self):
        company = CompanyFactory()
        _invitation, token = _invite(company, email="fresh@example.com")
        with pytest.raises(ValidationFailed) as info:
            services.invitation_accept_new_account(token=token, password="123")
        assert "password" in info.value.errors
        assert not User.objects.filter(email="fresh@example.com").exists()
        assert Invitation.objects.get().status == InvitationStatus.PENDING

    def test_an_existing_account_must_sign_in_instead(self):
        company = CompanyFactory()
        UserFactory(email="fresh@example.com")
        _invitation, token = _invite(company, email="fresh@example.com")
        with pytest.raises(InvalidState, match="sign in"):
            services.invitation_accept_new_account(token=token, password="a-long-and-unusual-passphrase-42")

    def test_an_expired_invitation_creates_no_account(self, time_machine):
        company = CompanyFactory()
        _invitation, token = _invite(company, email="fresh@example.com")
        time_machine.move_to(timezone.now() + timedelta(days=8))
        with pytest.raises(InvalidState):
            services.invitation_accept_new_account(token=token, password="a-long-and-unusual-passphrase-42")
        assert not User.objects.filter(email="fresh@example.com").exists()


def test_company_kind_choices_cover_the_requirement():
    assert {kind.value for kind in CompanyKind} == {"buyer", "supplier", "both"}
    assert {role.value for role in Role} == {"owner", "admin", "buyer", "evaluator", "supplier_rep", "viewer"}
