"""Factories for accounts. Passwords are hashed once per test run (Argon2 is slow on purpose)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import API_KEY_PREFIX, ApiKey, User
from accounts.selectors import hash_api_key

DEFAULT_PASSWORD = "correct-horse-battery-staple"


@lru_cache(maxsize=1)
def _default_password_hash() -> str:
    return make_password(DEFAULT_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can sign in: active, with a verified primary email address (sign-in requires
    one while ACCOUNT_EMAIL_VERIFICATION is "mandatory"). ``UserFactory(email_verified=False)`` for
    someone who has not confirmed their address yet."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.LazyFunction(_default_password_hash)
    is_active = True

    @factory.post_generation
    def email_verified(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        EmailAddress.objects.create(
            user=obj, email=obj.email, primary=True, verified=True if extracted is None else bool(extracted)
        )


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """``ApiKeyFactory(company=..., scopes=[...])``; the plaintext key is on ``key.plaintext``."""

    class Meta:
        model = ApiKey

    company = factory.SubFactory("companies.tests.factories.CompanyFactory")
    name = factory.Sequence(lambda n: f"Integration {n}")
    prefix = factory.LazyFunction(lambda: secrets.token_hex(6))
    plaintext = factory.LazyAttribute(lambda obj: f"{API_KEY_PREFIX}_{obj.prefix}_{secrets.token_urlsafe(32)}")
    secret_hash = factory.LazyAttribute(lambda obj: hash_api_key(obj.plaintext))
    scopes = factory.LazyFunction(lambda: ["companies:read"])

    @classmethod
    def _create(cls, model_class: type[ApiKey], *args: Any, **kwargs: Any) -> ApiKey:
        plaintext = kwargs.pop("plaintext")
        instance = super()._create(model_class, *args, **kwargs)
        instance.plaintext = plaintext
        return instance
