"""Company pages: registering, profile and settings, members, invitations, the switcher, the link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from companies import services
from companies.choices import Role
from companies.models import Company, Invitation, Membership
from companies.tests.factories import CompanyFactory, InvitationFactory, member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _signed_in(client, user):
    client.force_login(user)
    return client


def _assert_csp_clean(response):
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), "inline <script> is forbidden by the CSP"
    assert " style=" not in html
    assert " onclick=" not in html


# --- registering -----------------------------------------------------------------------------------------
def test_registering_a_company_makes_me_its_owner_and_active_company(client):
    me = UserFactory()
    _signed_in(client, me)
    response = client.post(
        reverse("companies:create"),
        {"legal_name": "Acme Indústria Ltda", "tax_id": "12.345.678/0001-95", "country": "BR", "kind": "supplier"},
    )
    company = Company.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("companies:profile", args=[company.slug])
    assert company.tax_id == "12345678000195"
    assert Membership.objects.get(user=me, company=company).role == Role.OWNER
    assert client.session[services.SESSION_ACTIVE_COMPANY] == company.pk


def test_a_malformed_cnpj_is_shown_on_its_field_and_nothing_is_created(client):
    _signed_in(client, UserFactory())
    response = client.post(
        reverse("companies:create"),
        {"legal_name": "Acme Ltda", "tax_id": "12.345.678/0001-00", "country": "BR", "kind": "supplier"},
    )
    assert response.status_code == 400
    assert "check digits do not match" in response.context["form"].errors["tax_id"][0]
    assert "check digits do not match" in response.content.decode()
    assert not Company.objects.exists()
    assert not Membership.objects.exists()
    _assert_csp_clean(response)


def test_the_registration_form_renders(client):
    _signed_in(client, UserFactory())
    response = client.get(reverse("companies:create"))
    assert response.status_code == 200
    assert 'name="tax_id"' in response.content.decode()
    _assert_csp_clean(response)


# --- list, profile, settings --------------------------------------------------------------------------
def test_my_companies_page_lists_only_mine(client):
    mine, foreign = CompanyFactory(trade_name="Mine Co"), CompanyFactory(trade_name="Foreign Co")
    me = member(mine, Role.BUYER).user
    member(foreign, Role.OWNER)
    html = _signed_in(client, me).get(reverse("companies:list")).content.decode()
    assert "Mine Co" in html
    assert "Foreign Co" not in html
    assert "Buyer" in html


def test_profile_shows_the_company_and_another_companys_is_404(client):
    mine = CompanyFactory(trade_name="Mine Co", tax_id="12345678000195")
    foreign = CompanyFactory()
    me = member(mine, Role.VIEWER).user
    _signed_in(client, me)
    response = client.get(reverse("companies:profile", args=[mine.slug]))
    assert response.status_code == 200
    assert "12.345.678/0001-95" in response.content.decode()
    _assert_csp_clean(response)
    assert client.get(reverse("companies:profile", args=[foreign.slug])).status_code == 404
    assert client.get(reverse("companies:members", args=[foreign.slug])).status_code == 404
    assert client.get(reverse("companies:profile", args=["no-such-company"])).status_code == 404


def test_settings_save_the_profile_for_an_admin(client):
    company = CompanyFactory(city="Recife")
    admin = member(company, Role.ADMIN).user
    _signed_in(client, admin)
    url = reverse("companies:settings", args=[company.slug])
    assert client.get(url).status_code == 200
    data = {
        "legal_name": company.legal_name, "trade_name": "New Trade Name", "tax_id": company.tax_id,
        "country": "BR", "kind": "both", "city": "Natal", "mfa_required": "on",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.trade_name, company.city, company.mfa_required) == ("New Trade Name", "Natal", True)


def test_settings_show_a_bad_cnpj_on_its_field_and_change_nothing(client):
    company = CompanyFactory(city="Recife")
    before = company.tax_id
    _signed_in(client, member(company, Role.OWNER).user)
    response = client.post(
        reverse("companies:settings", args=[company.slug]),
        {"legal_name": "X", "tax_id": "11.111.111/1111-11", "country": "BR", "kind": "both", "city": "Natal"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["tax_id"]
    company.refresh_from_db()
    assert (company.tax_id, company.city) == (before, "Recife")


def test_settings_are_refused_to_a_viewer(client):
    company = CompanyFactory()
    _signed_in(client, member(company, Role.VIEWER).user)
    assert client.get(reverse("companies:settings", args=[company.slug])).status_code == 403


# --- members ----------------------------------------------------------------------------------------------
def test_members_page_lists_members_with_controls_for_managers_only(client):
    company = CompanyFactory()
    owner = member(company, Role.OWNER, email="owner@example.com").user
    viewer = member(company, Role.VIEWER, email="viewer@example.com").user
    url = reverse("companies:members", args=[company.slug])
    html = _signed_in(client, owner).get(url).content.decode()
    assert "viewer@example.com" in html
    assert "Change role" in html
    assert "Send invitation" in html
    client.logout()
    html = _signed_in(client, viewer).get(url).content.decode()
    assert "owner@example.com" in html
    assert "Change role" not in html
    assert "Send invitation" not in html


def test_admin_does_not_see_controls_for_owners(client):
    company = CompanyFactory()
    owner = member(company, Role.OWNER)
    admin = member(company, Role.ADMIN).user
    response = _signed_in(client, admin).get(reverse("companies:members", args=[company.slug]))
    row = re.search(rf'<tr id="member-{owner.pk}">(.*?)</tr>', response.content.decode(), re.S).group(1)
    assert "Change role" not in row
    assert "Remove" not in row


def test_members_filter_and_htmx_partial(client):
    company = CompanyFactory()
    owner = member(company, Role.OWNER, email="owner@example.com").user
    member(company, Role.BUYER, email="buyer@example.com")
    _signed_in(client, owner)
    response = client.get(reverse("companies:members", args=[company.slug]), {"role": "buyer"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "buyer@example.com" in html
    assert "owner@example.com" not in html


@pytest.mark.parametrize("page", ["companies:members", "companies:list"])
def test_list_pages_do_the_same_number_of_queries_for_5_and_50_rows(client, page, django_assert_num_queries):
    def prepare(size: int) -> str:
        me = UserFactory()
        home = CompanyFactory()
        Membership.objects.create(user=me, company=home, role=Role.OWNER)
        for _ in range(size - 1):
            if page == "companies:members":
                member(home, Role.VIEWER)
            else:
                Membership.objects.create(user=me, company=CompanyFactory(), role=Role.BUYER)
        client.force_login(me)
        return reverse(page, args=[home.slug]) if page == "companies:members" else reverse(page)

    def check(response, size: int) -> None:
        assert response.status_code == 200
        assert response.content.decode().count("<tr") == size + 1  # header row + one per row

    url = prepare(5)
    with CaptureQueriesContext(connection) as five:
        check(client.get(url), 5)
    url = prepare(50)
    with django_assert_num_queries(len(five)):
        check(client.get(url), 50)


def test_owner_changes_a_role_and_admin_cannot_make_owners(client):
    company = CompanyFactory()
    owner = member(company, Role.OWNER).user
    admin = member(company, Role.ADMIN).user
    buyer = member(company, Role.BUYER)
    url = reverse("companies:member-role", args=[company.slug, buyer.pk])
    assert _signed_in(client, admin).post(url, {"role": "owner"}).status_code == 403
    buyer.refresh_from_db()
    assert buyer.role == Role.BUYER
    assert _signed_in(client, owner).post(url, {"role": "evaluator"}).status_code == 302
    buyer.refresh_from_db()
    assert buyer.role == Role.EVALUATOR


def test_the_last_owner_is_told_they_cannot_leave(client):
    company = CompanyFactory()
    owner = member(company, Role.OWNER).user
    _signed_in(client, owner)
    response = client.post(reverse("companies:leave", args=[company.slug]), follow=True)
    assert "last owner cannot leave" in response.content.decode()
    assert Membership.objects.get(user=owner).is_active


def test_a_member_of_another_company_cannot_touch_mine_by_guessing_ids(client):
    mine, theirs = CompanyFactory(), CompanyFactory()
    member(mine, Role.OWNER)
    victim = member(mine, Role.BUYER)
    invitation = InvitationFactory(company=mine)
    attacker = member(theirs, Role.OWNER).user
    _signed_in(client, attacker)
    for name, args in [
        ("companies:member-role", [mine.slug, victim.pk]),
        ("companies:member-remove", [mine.slug, victim.pk]),
        ("companies:member-role", [theirs.slug, victim.pk]),  # my company's slug, their member's id
        ("companies:member-remove", [theirs.slug, victim.pk]),
        ("companies:invitation-revoke", [theirs.slug, invitation.pk]),
        ("companies:invitation-revoke", [mine.slug, invitation.pk]),
        ("companies:settings", [mine.slug]),
        ("companies:leave", [mine.slug]),
    ]:
        assert client.post(reverse(name, args=args), {"role": "viewer"}).status_code == 404, name
    victim.refresh_from_db()
    invitation.refresh_from_db()
    assert (victim.role, victim.is_active, invitation.revoked_at) == (Role.BUYER, True, None)


# --- invitations ----------------------------------------------------------------------------------------
def test_inviting_from_the_page_sends_the_email(client, django_capture_on_commit_callbacks):
    company = CompanyFactory()
    _signed_in(client, member(company, Role.ADMIN).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("companies:invitations", args=[company.slug]), {"email": "new@example.com", "role": "buyer"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("new@example.com", Role.BUYER)
    assert len(mail.outbox) == 1
    assert "/companies/invitations/" in mail.outbox[0].body
    html = client.get(reverse("companies:invitations", args=[company.slug])).content.decode()
    assert "new@example.com" in html
    assert "Pending" in html


def test_an_admin_is_not_offered_the_owner_role_and_cannot_force_it(client):
    company = CompanyFactory()
    _signed_in(client, member(company, Role.ADMIN).user)
    url = reverse("companies:invitations", args=[company.slug])
    response = client.get(url)
    assert 'value="owner"' not in response.content.decode()
    response = client.post(url, {"email": "boss@example.com", "role": "owner"})
    assert response.status_code == 400
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_revoking_from_the_page(client):
    company = CompanyFactory()
    owner = member(company, Role.OWNER).user
    invitation = InvitationFactory(company=company)
    _signed_in(client, owner)
    response = client.post(reverse("companies:invitation-revoke", args=[company.slug, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


# --- the invitation link ----------------------------------------------------------------------------------
def _accept_url(token):
    return reverse("companies:invitation-accept", args=[token])


def test_a_new_person_creates_the_account_and_joins_in_one_step(client):
    company = CompanyFactory()
    InvitationFactory(company=company, email="fresh@example.com", role=Role.EVALUATOR, token="tok-new")
    page = client.get(_accept_url("tok-new"))
    assert page.status_code == 200
    assert "Create my account" in page.content.decode()
    _assert_csp_clean(page)
    response = client.post(
        _accept_url("tok-new"), {"full_name": "Fresh", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("companies:profile", args=[company.slug])
    user = User.objects.get(email="fresh@example.com")
    assert Membership.objects.get(user=user).role == Role.EVALUATOR
    assert client.get(reverse("companies:profile", args=[company.slug])).status_code == 200  # signed in


def test_mismatched_passwords_create_nothing(client):
    InvitationFactory(email="fresh@example.com", token="tok-pw")
    response = client.post(_accept_url("tok-pw"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert response.status_code == 400
    assert not User.objects.filter(email="fresh@example.com").exists()


def test_a_known_address_is_asked_to_sign_in(client):
    UserFactory(email="known@example.com")
    InvitationFactory(email="known@example.com", token="tok-known")
    response = client.get(_accept_url("tok-known"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sign in to accept" in html
    assert reverse("account_login") in html


def test_a_signed_in_invitee_accepts_with_one_click(client):
    company = CompanyFactory()
    user = UserFactory(email="known@example.com")
    InvitationFactory(company=company, email="known@example.com", role=Role.BUYER, token="tok-click")
    _signed_in(client, user)
    assert client.get(_accept_url("tok-click")).status_code == 200
    response = client.post(_accept_url("tok-click"))
    assert response.status_code == 302
    assert Membership.objects.get(user=user, company=company).role == Role.BUYER
    assert client.session[services.SESSION_ACTIVE_COMPANY] == company.pk
    # Single use: the link is spent.
    assert client.get(_accept_url("tok-click")).status_code == 410


def test_someone_else_signed_in_is_refused(client):
    InvitationFactory(email="invited@example.com", token="tok-other")
    intruder = UserFactory(email="intruder@example.com")
    _signed_in(client, intruder)
    assert client.post(_accept_url("tok-other")).status_code == 403
    assert not Membership.objects.filter(user=intruder).exists()


def test_expired_revoked_and_unknown_links(client):
    InvitationFactory(token="tok-expired", expires_at=timezone.now() - timedelta(minutes=1))
    InvitationFactory(token="tok-revoked", revoked_at=timezone.now())
    expired = client.get(_accept_url("tok-expired"))
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert client.get(_accept_url("tok-revoked")).status_code == 410
    assert client.get(_accept_url("tok-unknown")).status_code == 404
    response = client.post(_accept_url("tok-expired"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert not User.objects.exists()


# --- switcher and active company ---------------------------------------------------------------------------
def test_the_header_switcher_changes_the_active_company(client):
    first, second = CompanyFactory(trade_name="First Co"), CompanyFactory(trade_name="Second Co")
    me = UserFactory()
    Membership.objects.create(user=me, company=first, role=Role.OWNER)
    Membership.objects.create(user=me, company=second, role=Role.VIEWER)
    _signed_in(client, me)
    page = client.get(reverse("companies:list"))
    assert page.wsgi_request.company == first  # the oldest membership by default
    html = page.content.decode()
    assert 'id="company-switcher-select"' in html
    assert "Second Co" in html
    _assert_csp_clean(page)
    response = client.post(reverse("companies:switch"), {"company": second.pk, "next": "/companies/"})
    assert response.status_code == 302
    assert response["Location"] == "/companies/"
    assert client.get(reverse("companies:list")).wsgi_request.company == second


def test_switching_to_a_foreign_company_is_404_and_unsafe_next_is_ignored(client):
    mine, foreign = CompanyFactory(), CompanyFactory()
    me = member(mine, Role.OWNER).user
    _signed_in(client, me)
    assert client.post(reverse("companies:switch"), {"company": foreign.pk}).status_code == 404
    response = client.post(reverse("companies:switch"), {"company": mine.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_a_stale_active_company_falls_back_to_a_current_one(client):
    first, second = CompanyFactory(), CompanyFactory()
    me = UserFactory()
    Membership.objects.create(user=me, company=first, role=Role.OWNER)
    left = Membership.objects.create(user=me, company=second, role=Role.VIEWER)
    _signed_in(client, me)
    client.post(reverse("companies:switch"), {"company": second.pk})
    Membership.objects.filter(pk=left.pk).update(is_active=False)
    response = client.get(reverse("companies:list"))
    assert response.wsgi_request.company == first
    assert services.SESSION_ACTIVE_COMPANY not in client.session


def test_people_without_company_have_none_active(client):
    _signed_in(client, UserFactory())
    response = client.get(reverse("companies:list"))
    assert response.wsgi_request.company is None
    assert "Register your company" in response.content.decode()
