"""Reads of the accounts domain, always scoped to who is asking."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import API_KEY_PREFIX, ApiKey, TokenFamily, User
from cotai.exceptions import NotFound

if TYPE_CHECKING:
    from allauth.usersessions.models import UserSession

    from companies.models import Company


def hash_api_key(raw: str) -> str:
    """SHA-256 hex of the whole key (the secret part is 32 random bytes: a fast hash is right)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def split_api_key(raw: str) -> tuple[str, str] | None:
    """``cotai_<prefix>_<secret>`` -> (prefix, secret), or None if the text is not shaped like a key."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def api_key_for_raw(raw: str) -> ApiKey | None:
    """The key row a presented key belongs to, whatever its state (revoked and expired included),
    or None. Found by its public prefix, then compared in constant time on the hash."""
    split = split_api_key(raw)
    if split is None:
        return None
    api_key = ApiKey.objects.filter(prefix=split[0]).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_api_key(raw)):
        return None
    return api_key


def api_key_list_for(*, actor: Any, company: Company) -> QuerySet[ApiKey]:
    """Every key of ``company`` (revoked and expired ones too), for people who may manage them."""
    from companies import permissions

    permissions.require(actor, permissions.COMPANY_MANAGE_API_KEYS, company)
    return ApiKey.objects.filter(company=company).select_related("created_by", "revoked_by")


def api_key_get_for(*, actor: Any, company: Company, pk: int) -> ApiKey:
    """One key of ``company``; NotFound for a key of another company (ids leak nothing)."""
    api_key = api_key_list_for(actor=actor, company=company).filter(pk=pk).first()
    if api_key is None:
        raise NotFound("No such API key.")
    return api_key


def user_mfa_setup_required(user: Any) -> bool:
    """True if ``user`` is an active member of a company that requires two-factor authentication
    and has no authenticator (an authenticator app or a security key) yet. One query."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return False
    from allauth.mfa.models import Authenticator

    from companies.models import Membership

    has_authenticator = Authenticator.objects.filter(user_id=OuterRef("user_id")).exclude(
        type=Authenticator.Type.RECOVERY_CODES
    )
    return (
        Membership.objects.filter(user_id=user.pk, is_active=True, company__mfa_required=True)
        .exclude(Exists(has_authenticator))
        .exists()
    )


def token_families_for(*, user: User) -> QuerySet[TokenFamily]:
    """The user's API sign-ins that can still be used (not revoked, not expired), newest first."""
    return TokenFamily.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def user_sessions_for(*, user: User) -> list[UserSession]:
    """The user's browser sessions that still exist (allauth purges ended ones), oldest first."""
    from allauth.usersessions.models import UserSession

    return sorted(UserSession.objects.purge_and_list(user), key=lambda session: session.created_at)
