"""Factories for accounts. Passwords are hashed once per test run (Argon2 is slow on purpose)."""

from __future__ import annotations

from functools import lru_cache

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


@lru_cache(maxsize=1)
def _default_password_hash() -> str:
    return make_password(DEFAULT_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.LazyFunction(_default_password_hash)
    is_active = True
