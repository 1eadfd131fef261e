"""JWT helpers: token families and their revocation marker in the cache.

A *family* is one API sign-in: the refresh token issued at login and every refresh token rotated
from it carry the same ``fam`` claim, and so do the access tokens made from them. Revoking a
family (accounts.services.token_family_revoke) blacklists its refresh tokens in the database and
writes a "revoked" marker in the shared cache, so that access tokens of the family are refused on
the next request instead of living on until they expire. The database stays the source of truth:
when the marker is missing (cache flushed, restarted), the family row is read again.
"""

from __future__ import annotations

from django.core.cache import cache
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

FAMILY_CLAIM = "fam"
_ACTIVE = "active"
_REVOKED = "revoked"
# How long a family seen active is believed without asking the database again. Revocation
# overwrites the marker at once, so this only matters when the cache lost a "revoked" marker.
ACTIVE_MARKER_SECONDS = 60


def family_cache_key(family_id: str) -> str:
    return f"accounts:jwt-family:{family_id}"


def revoked_marker_seconds() -> int:
    """Keep the marker as long as any access token of the family can still be alive."""
    return int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()) + 60


def remember_family_revoked(family_id: str) -> None:
    cache.set(family_cache_key(family_id), _REVOKED, timeout=revoked_marker_seconds())


def forget_family(family_id: str) -> None:
    cache.delete(family_cache_key(family_id))


def family_is_active(family_id: str) -> bool:
    """True if the family exists and is not revoked; one cache read, the database on a miss.

    ``cache.add`` (not ``set``) stores the "active" answer, so a reader that looked at the database
    just before a revocation committed cannot overwrite the "revoked" marker written after it.
    """
    key = family_cache_key(family_id)
    marker = cache.get(key)
    if marker is not None:
        return marker == _ACTIVE
    from accounts.models import TokenFamily

    active = TokenFamily.objects.filter(pk=family_id, revoked_at__isnull=True).exists()
    if active:
        cache.add(key, _ACTIVE, timeout=ACTIVE_MARKER_SECONDS)
    else:
        cache.add(key, _REVOKED, timeout=revoked_marker_seconds())
    return active


class RotatingRefreshToken(RefreshToken):
    """A refresh token whose blacklist check is left to the refresh service.

    simplejwt refuses a blacklisted refresh token while decoding it; the refresh service needs to
    see that case to detect reuse (and revoke the whole family), so it checks the blacklist itself
    under a row lock (accounts.services.auth_refresh). Signature, expiry and type are still checked.
    """

    def check_blacklist(self) -> None:
        return None
