"""Test support for everything that belongs to a company: the route permission matrix.

tests/test_route_permissions.py calls every named URL of the project as each persona and checks
the status code. Each app declares its routes in ``<app>/tests/routes.py``::

    from companies.testing import RouteCase, for_roles

    ROUTES = [
        RouteCase("tenders:list", for_roles(200)),
        RouteCase("tenders:publish", for_roles(302, roles=("owner", "admin", "buyer")), method="post",
                  kwargs=lambda world: {"pk": TenderFactory(buyer=world.company).pk}),
        RouteCase("api:tender-list", for_roles(200, anonymous=401, outsider=200)),
    ]
    PUBLIC = {"tenders:public-feed": "the public list of open tenders"}   # optional

and is picked up automatically (every installed project app's ``tests.routes`` is imported).
One line per route; a route that is neither in ROUTES nor in PUBLIC makes the test fail.

Personas (``PERSONAS``): ``anonymous``; ``outsider``, the owner of an unrelated company (API calls
send ``X-Company`` with *their own* company, so they meet another company's ids, which must
answer 404); and one person per role in the target company ``world.company`` (kind "both", so every
action of the role applies). API requests of role personas send ``X-Company: world.company.id``.

``kwargs(world)`` builds the URL arguments (and any objects they need) after the persona exists;
``data(world)`` the body of a POST/PUT/PATCH (JSON for the API, a form for pages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from companies.choices import CompanyKind, Role

ROLE_PERSONAS: tuple[str, ...] = tuple(role.value for role in Role)
PERSONAS: tuple[str, ...] = ("anonymous", "outsider", *ROLE_PERSONAS)
METHODS = frozenset({"get", "post", "put", "patch", "delete"})


@dataclass
class RouteWorld:
    """What one route check runs against: the target company, the persona and a few builders."""

    persona: str
    company: Any
    outsider_company: Any
    user: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def acting_company(self) -> Any:
        """The company this persona's API calls name in X-Company (None for anonymous)."""
        if self.persona == "anonymous":
            return None
        return self.outsider_company if self.persona == "outsider" else self.company

    def member(self, role: Role | str = Role.VIEWER) -> Any:
        """Another person with ``role`` in the target company."""
        from companies.tests.factories import member

        return member(self.company, role)

    def invitation(self, *, role: Role | str = Role.VIEWER, email: str = "", **fields: Any) -> tuple[Any, str]:
        """An open invitation of the target company and its token."""
        from companies.tests.factories import InvitationFactory

        token = f"route-token-{self.persona}-{len(self.extras)}"
        self.extras[token] = True
        extra = {"email": email} if email else {}
        invitation = InvitationFactory(company=self.company, role=role, token=token, **extra, **fields)
        return invitation, token


@dataclass(frozen=True)
class RouteCase:
    """One route and the status code every persona must get from it."""

    url_name: str
    expect: Mapping[str, int]
    method: str = "get"
    kwargs: Callable[[RouteWorld], dict[str, Any]] | None = None
    data: Callable[[RouteWorld], dict[str, Any]] | None = None
    note: str = ""
    # A 302 for anonymous must lead to the sign-in page (a page's success is a 302 too, so the status
    # alone cannot tell refused from done). False for routes an anonymous visitor may really use.
    anonymous_to_login: bool = True

    def __post_init__(self) -> None:
        missing = set(PERSONAS) - set(self.expect)
        unknown = set(self.expect) - set(PERSONAS)
        if missing or unknown:
            raise ValueError(f"{self.url_name}: expectations missing for {sorted(missing)}, unknown {sorted(unknown)}")
        if self.method not in METHODS:
            raise ValueError(f"{self.url_name}: unknown method {self.method!r}")

    @property
    def is_api(self) -> bool:
        return self.url_name.startswith("api:")

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}" + (f" ({self.note})" if self.note else "")


def for_roles(
    ok: int,
    roles: Iterable[str] = ROLE_PERSONAS,
    *,
    denied: int = 403,
    anonymous: int | None = None,
    outsider: int = 404,
) -> dict[str, int]:
    """Expectations: ``ok`` for ``roles``, ``denied`` for the other roles, 404 for the outsider, and
    for anonymous 302 (to the sign-in page) or 401 — pass ``anonymous=401`` for API routes."""
    allowed = {str(role) for role in roles}
    unknown = allowed - set(ROLE_PERSONAS)
    if unknown:
        raise ValueError(f"Unknown roles {sorted(unknown)}")
    result = {"anonymous": 302 if anonymous is None else anonymous, "outsider": outsider}
    result.update({role: ok if role in allowed else denied for role in ROLE_PERSONAS})
    return result


def everyone(status: int) -> dict[str, int]:
    """The same status for every persona (public routes that still deserve a check)."""
    return dict.fromkeys(PERSONAS, status)


def build_world(persona: str) -> RouteWorld:
    """The target company, an unrelated company owned by the outsider, and the persona's user."""
    from companies.tests.factories import CompanyFactory, member

    if persona not in PERSONAS:
        raise ValueError(f"Unknown persona {persona!r}")
    company = CompanyFactory(kind=CompanyKind.BOTH)
    outsider_company = CompanyFactory(kind=CompanyKind.BOTH)
    # Every company has an owner; the target's is someone other than the persona under test.
    member(company, Role.OWNER)
    outsider_owner = member(outsider_company, Role.OWNER).user
    world = RouteWorld(persona=persona, company=company, outsider_company=outsider_company)
    if persona == "outsider":
        world.user = outsider_owner
    elif persona != "anonymous":
        world.user = member(company, persona).user
    return world
