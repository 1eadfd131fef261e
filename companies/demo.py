"""Demo companies and people: one buyer and three suppliers, each with an owner and working members.

``load()`` is idempotent (run it again and the same rows are there, updated in place) and is what
gives the demo accounts their password, ``settings.DEMO_PASSWORD``. It runs only when someone asks
for demo data (``manage.py load_demo_data``, which ``make run`` calls for a local setup), so a
deployment that never loads demo data has no demo accounts, and no password that anyone knows.
The email addresses use the reserved ``.example`` domain: no mail can reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from companies.choices import CompanyKind, Role
from companies.models import Category, Company, Membership


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    role: Role
    description: str


@dataclass(frozen=True)
class DemoCompany:
    legal_name: str
    trade_name: str
    code: str
    slug: str
    tax_id: str
    kind: CompanyKind
    city: str
    state: str
    address_line1: str
    postal_code: str
    website: str
    verified: bool
    categories: tuple[str, ...]
    people: tuple[DemoPerson, ...] = field(default=())


COMPANIES: tuple[DemoCompany, ...] = (
    DemoCompany(
        legal_name="Construtora Horizonte S.A.",
        trade_name="Construtora Horizonte",
        code="HRZ",
        slug="construtora-horizonte",
        tax_id="40251837000128",
        kind=CompanyKind.BUYER,
        city="São Paulo",
        state="SP",
        address_line1="Av. Paulista, 1000",
        postal_code="01310-100",
        website="https://horizonte.example",
        verified=True,
        categories=(),
        people=(
            DemoPerson("ana@horizonte.example", "Ana Souza", Role.OWNER, "Buyer company owner (manages members)"),
            DemoPerson(
                "bruno@horizonte.example", "Bruno Lima", Role.BUYER, "Buyer: writes, publishes and awards tenders"
            ),
            DemoPerson("carla@horizonte.example", "Carla Mendes", Role.EVALUATOR, "Evaluator: scores opened quotes"),
        ),
    ),
    DemoCompany(
        legal_name="Aço Forte Distribuidora Ltda",
        trade_name="Aço Forte",
        code="ACOF",
        slug="aco-forte",
        tax_id="28365014000128",
        kind=CompanyKind.SUPPLIER,
        city="Belo Horizonte",
        state="MG",
        address_line1="Rua dos Metalúrgicos, 250",
        postal_code="30150-000",
        website="https://acoforte.example",
        verified=True,
        categories=("goods.construction.steel", "goods.construction.cement-aggregates", "goods.industrial.tools"),
        people=(
            DemoPerson("owner@acoforte.example", "Eduardo Rocha", Role.OWNER, "Supplier owner (Aço Forte)"),
            DemoPerson(
                "diego@acoforte.example",
                "Diego Alves",
                Role.SUPPLIER_REP,
                "Supplier rep: prepares and submits quotes (Aço Forte)",
            ),
        ),
    ),
    DemoCompany(
        legal_name="TechNova Soluções em TI Ltda",
        trade_name="TechNova",
        code="TNOVA",
        slug="technova",
        tax_id="51793026000175",
        kind=CompanyKind.SUPPLIER,
        city="Campinas",
        state="SP",
        address_line1="Rua da Inovação, 42",
        postal_code="13083-970",
        website="https://technova.example",
        verified=True,
        categories=("goods.it.computers", "goods.it.networking", "services.it.support-maintenance"),
        people=(
            DemoPerson("owner@technova.example", "Fernanda Dias", Role.OWNER, "Supplier owner (TechNova)"),
            DemoPerson(
                "gabriel@technova.example",
                "Gabriel Nunes",
                Role.SUPPLIER_REP,
                "Supplier rep: prepares and submits quotes (TechNova)",
            ),
        ),
    ),
    DemoCompany(
        legal_name="LimpaBem Serviços Ltda",
        trade_name="LimpaBem",
        code="LIMPA",
        slug="limpabem",
        tax_id="63918475000181",
        kind=CompanyKind.SUPPLIER,
        city="Curitiba",
        state="PR",
        address_line1="Av. das Araucárias, 77",
        postal_code="80010-000",
        website="https://limpabem.example",
        verified=False,
        categories=("services.facilities.cleaning", "goods.cleaning-hygiene"),
        people=(
            DemoPerson(
                "owner@limpabem.example", "Helena Castro", Role.OWNER, "Supplier owner (LimpaBem, not yet verified)"
            ),
            DemoPerson(
                "igor@limpabem.example",
                "Igor Pereira",
                Role.SUPPLIER_REP,
                "Supplier rep: prepares and submits quotes (LimpaBem)",
            ),
        ),
    ),
)


def _person(spec: DemoPerson, password_hash: str) -> Any:
    User = get_user_model()
    user, _ = User.objects.update_or_create(
        email=spec.email, defaults={"full_name": spec.full_name, "is_active": True, "password": password_hash}
    )
    # Verified, so the mandatory email confirmation does not stand between the demo and its users.
    EmailAddress.objects.update_or_create(user=user, email=spec.email, defaults={"verified": True, "primary": True})
    return user


def _company(spec: DemoCompany) -> Company:
    company, _ = Company.objects.update_or_create(
        country="BR",
        tax_id=spec.tax_id,
        defaults={
            "legal_name": spec.legal_name,
            "trade_name": spec.trade_name,
            "code": spec.code,
            "slug": spec.slug,
            "kind": spec.kind,
            "city": spec.city,
            "state": spec.state,
            "address_line1": spec.address_line1,
            "postal_code": spec.postal_code,
            "website": spec.website,
        },
    )
    if company.is_verified != spec.verified:
        company.is_verified = spec.verified
        company.verified_at = timezone.now() if spec.verified else None
        company.save(update_fields=["is_verified", "verified_at"])
    company.categories.set(Category.objects.filter(code__in=spec.categories))
    return company


def load() -> None:
    """Create or refresh the demo companies, people and memberships (idempotent)."""
    # One hash for everyone: Argon2 is slow on purpose, and the password is the same public one.
    password_hash = make_password(settings.DEMO_PASSWORD)
    with transaction.atomic():
        for spec in COMPANIES:
            company = _company(spec)
            for person in spec.people:
                user = _person(person, password_hash)
                Membership.objects.update_or_create(
                    user=user, company=company, defaults={"role": person.role, "is_active": True}
                )


def logins() -> list[tuple[str, str]]:
    """(email, what the account is for) of every demo person; the password is settings.DEMO_PASSWORD."""
    return [(person.email, person.description) for spec in COMPANIES for person in spec.people]
