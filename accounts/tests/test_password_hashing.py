"""Passwords: Argon2 for new ones; bcrypt hashes of imported users verify and become Argon2 at sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import api_login

pytestmark = pytest.mark.django_db


def test_new_passwords_are_hashed_with_argon2():
    user = services.user_create(email="Gil@Example.com", password=DEFAULT_PASSWORD)

    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.email == "gil@example.com"
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("algorithm", ["bcrypt", "bcrypt_sha256"])
def test_an_imported_bcrypt_hash_verifies_and_is_upgraded_on_website_sign_in(client, algorithm):
    user = UserFactory(email="imported@example.com", password=make_password(DEFAULT_PASSWORD, hasher=algorithm))
    assert identify_hasher(user.password).algorithm == algorithm

    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    stored = User.objects.get(pk=user.pk).password
    assert identify_hasher(stored).algorithm == "argon2"
    assert check_password(DEFAULT_PASSWORD, stored)


@pytest.mark.parametrize("algorithm", ["bcrypt", "bcrypt_sha256"])
def test_an_imported_bcrypt_hash_is_upgraded_on_api_sign_in(algorithm):
    user = UserFactory(email="imported@example.com", password=make_password(DEFAULT_PASSWORD, hasher=algorithm))

    response = api_login(APIClient(), user.email)

    assert response.status_code == 200
    assert identify_hasher(User.objects.get(pk=user.pk).password).algorithm == "argon2"


def test_a_wrong_password_does_not_touch_a_bcrypt_hash(client):
    original = make_password(DEFAULT_PASSWORD, hasher="bcrypt")
    user = UserFactory(email="imported@example.com", password=original)

    client.post(reverse("account_login"), {"login": user.email, "password": "not-the-password"})
    api_login(APIClient(), user.email, "not-the-password")

    assert User.objects.get(pk=user.pk).password == original
