"""Every page and API route of the companies app, with the status each persona must get.

Checked by tests/test_route_permissions.py; see companies/testing.py for how cases are written.
"""

from __future__ import annotations

from typing import Any

from companies.choices import Role
from companies.models import Category
from companies.testing import RouteCase, RouteWorld, for_roles

MANAGERS = ("owner", "admin")  # roles with company.manage_members / company.edit
NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def _slug(world: RouteWorld) -> dict[str, Any]:
    return {"slug": world.company.slug}


def _member(world: RouteWorld) -> dict[str, Any]:
    return {"slug": world.company.slug, "pk": world.member(Role.VIEWER).pk}


def _invitation(world: RouteWorld) -> dict[str, Any]:
    invitation, _token = world.invitation()
    return {"slug": world.company.slug, "pk": invitation.pk}


def _someone_elses_token(world: RouteWorld) -> dict[str, Any]:
    _invitation, token = world.invitation(email="someone.else@example.com")
    return {"token": token}


def _profile_form(world: RouteWorld) -> dict[str, Any]:
    company = world.company
    return {
        "legal_name": company.legal_name,
        "trade_name": company.trade_name,
        "tax_id": company.tax_id,
        "country": str(company.country),
        "kind": company.kind,
        "city": "Recife",
    }


def _new_company(world: RouteWorld) -> dict[str, Any]:
    return {"legal_name": "Nova Empresa Ltda", "tax_id": "11.222.333/0001-81", "country": "BR", "kind": "supplier"}


def _pk(world: RouteWorld) -> dict[str, Any]:
    return {"pk": world.company.pk}


def _member_pk(world: RouteWorld) -> dict[str, Any]:
    return {"pk": world.member(Role.VIEWER).pk}


def _invitation_pk(world: RouteWorld) -> dict[str, Any]:
    invitation, _token = world.invitation()
    return {"pk": invitation.pk}


def _own_invitation_token(world: RouteWorld) -> dict[str, Any]:
    email = world.user.email if world.user is not None else "nobody@example.com"
    _invitation, token = world.invitation(email=email)
    return {"token": token}


def _category(world: RouteWorld) -> dict[str, Any]:
    return {"pk": Category.objects.get(code="goods.it").pk}


ROUTES: list[RouteCase] = [
    # --- pages ---------------------------------------------------------------------------------------
    RouteCase("companies:list", for_roles(200, outsider=200)),
    RouteCase("companies:create", for_roles(200, outsider=200)),
    RouteCase("companies:create", for_roles(302, outsider=302), method="post", data=_new_company),
    RouteCase("companies:switch", for_roles(302), method="post", data=lambda world: {"company": world.company.pk}),
    RouteCase("companies:profile", for_roles(200), kwargs=_slug),
    RouteCase("companies:settings", for_roles(200, MANAGERS), kwargs=_slug),
    RouteCase("companies:settings", for_roles(302, MANAGERS), method="post", kwargs=_slug, data=_profile_form),
    # The target company has another owner, so even its owner persona may leave.
    RouteCase("companies:leave", for_roles(302), method="post", kwargs=_slug),
    RouteCase("companies:members", for_roles(200), kwargs=_slug),
    RouteCase(
        "companies:member-role",
        for_roles(302, MANAGERS),
        method="post",
        kwargs=_member,
        data=lambda world: {"role": "evaluator"},
    ),
    RouteCase("companies:member-remove", for_roles(302, MANAGERS), method="post", kwargs=_member),
    RouteCase("companies:invitations", for_roles(200, MANAGERS), kwargs=_slug),
    RouteCase(
        "companies:invitations",
        for_roles(302, MANAGERS),
        method="post",
        kwargs=_slug,
        data=lambda world: {"email": "new.person@example.com", "role": "viewer"},
    ),
    RouteCase("companies:invitation-revoke", for_roles(302, MANAGERS), method="post", kwargs=_invitation),
    RouteCase("companies:invitation-resend", for_roles(302, MANAGERS), method="post", kwargs=_invitation),
    # Anyone holding the link may open it: anonymous visitors get the sign-up form, a signed-in
    # person whose address is not the invited one is refused.
    RouteCase(
        "companies:invitation-accept",
        {**for_roles(403, outsider=403), "anonymous": 200},
        kwargs=_someone_elses_token,
        note="invited address is someone else's",
    ),
    RouteCase(
        "companies:invitation-accept",
        for_roles(302, outsider=302),
        method="post",
        kwargs=_own_invitation_token,
        data=lambda world: {"full_name": "New Person", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        note="invited address is the persona's; anonymous creates the account",
        anonymous_to_login=False,
    ),
    # --- API -----------------------------------------------------------------------------------------
    RouteCase("api:company-list", for_roles(200, anonymous=401, outsider=200)),
    RouteCase("api:company-list", for_roles(201, anonymous=401, outsider=201), method="post", data=_new_company),
    RouteCase("api:company-detail", for_roles(200, anonymous=401), kwargs=_pk),
    RouteCase(
        "api:company-detail",
        for_roles(200, MANAGERS, anonymous=401),
        method="patch",
        kwargs=_pk,
        data=lambda world: {"city": "Recife"},
    ),
    RouteCase("api:company-leave", for_roles(204, anonymous=401), method="post", kwargs=_pk),
    RouteCase("api:membership-list", for_roles(200, anonymous=401, outsider=200)),
    RouteCase("api:membership-detail", for_roles(200, anonymous=401), kwargs=_member_pk),
    RouteCase(
        "api:membership-detail",
        for_roles(200, MANAGERS, anonymous=401),
        method="patch",
        kwargs=_member_pk,
        data=lambda world: {"role": "evaluator"},
    ),
    RouteCase("api:membership-detail", for_roles(204, MANAGERS, anonymous=401), method="delete", kwargs=_member_pk),
    # The outsider owns their own company, so listing and inviting work there (and only there).
    RouteCase("api:invitation-list", for_roles(200, MANAGERS, anonymous=401, outsider=200)),
    RouteCase(
        "api:invitation-list",
        for_roles(201, MANAGERS, anonymous=401, outsider=201),
        method="post",
        data=lambda world: {"email": "new.person@example.com", "role": "viewer"},
    ),
    RouteCase("api:invitation-detail", for_roles(200, MANAGERS, anonymous=401), kwargs=_invitation_pk),
    RouteCase("api:invitation-revoke", for_roles(200, MANAGERS, anonymous=401), method="post", kwargs=_invitation_pk),
    RouteCase("api:invitation-resend", for_roles(200, MANAGERS, anonymous=401), method="post", kwargs=_invitation_pk),
    RouteCase(
        "api:invitation-accept",
        for_roles(201, anonymous=401, outsider=201),
        method="post",
        data=_own_invitation_token,
        note="invited address is the persona's",
    ),
    RouteCase("api:category-list", for_roles(200, anonymous=401, outsider=200)),
    RouteCase("api:category-detail", for_roles(200, anonymous=401, outsider=200), kwargs=_category),
]
