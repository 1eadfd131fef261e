"""Every state change of the accounts domain: users, API sign-ins (JWT families), API keys, sessions.

Each service runs in a transaction, checks who may do it and writes the audit record. Tokens:

- ``auth_login`` checks the password (bcrypt hashes of imported users are upgraded to Argon2 on the
  way, by Django's check_password), the email verification, the company MFA rule and the MFA code,
  then opens a *token family* and returns an access and a refresh token carrying its id (``fam``);
- ``auth_refresh`` rotates: the presented refresh token is blacklisted and a new one of the same
  family is returned. A refresh token presented a second time means two parties hold it (RFC 9700,
  4.14.2): the whole family is revoked, so the thief and the victim both have to sign in again;
- ``token_family_revoke`` (logout, reuse, password change, deactivation) blacklists every outstanding
  refresh token of the family and marks it revoked in the cache, which kills its access tokens too.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_login_failed
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts import selectors, tokens
from accounts.exceptions import AuthenticationRefused, EmailNotVerified, MfaSetupRequired
from accounts.models import API_KEY_PREFIX, TIME_ZONE_CHOICES, ApiKey, TokenFamily, TokenFamilyMember, User
from accounts.scopes import validate_scopes
from cotai import audit
from cotai.eventstore.request_info import client_ip, user_agent
from cotai.exceptions import InvalidState, NotFound, ValidationFailed

LOGIN_FAILED_MESSAGE = "The email address or the password is not correct."
API_KEY_LAST_USED_EVERY_SECONDS = 60
PROFILE_FIELDS = ("full_name", "phone", "language", "time_zone")


# --- users ---------------------------------------------------------------------------------------


def user_create(
    *, email: str, password: str | None, full_name: str = "", email_verified: bool = False, **extra: Any
) -> User:
    """Create a user and their primary email address (verified or not) in one transaction.

    With ACCOUNT_EMAIL_VERIFICATION = "mandatory" only users with a verified address can sign in
    (pages and API alike), so demo data and imports pass ``email_verified=True``.
    """
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, full_name=full_name, **extra)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


def _primary_company(user: Any, request: HttpRequest | None = None) -> Any:
    """The company a person's own events are filed under: the active company of the request if
    any, else their first active membership (the same fallback as the active-company middleware)."""
    company = getattr(request, "company", None) if request is not None else None
    if company is not None:
        return company
    if getattr(user, "pk", None) is None:
        return None
    from companies.models import Membership

    membership = (
        Membership.objects.filter(user_id=user.pk, is_active=True).select_related("company").order_by("id").first()
    )
    return membership.company if membership else None


def user_update_profile(*, user: User, actor: Any, request: HttpRequest | None = None, **changes: Any) -> User:
    """Change a person's own profile: full name, phone, language, time zone (not the email: that
    changes through the verified-email flow of the sign-in pages). Only the person themselves may.

    Raises ValidationFailed with per-field errors and changes nothing if any value is refused.
    """
    if getattr(actor, "pk", None) != user.pk:
        from cotai.exceptions import PermissionDenied

        raise PermissionDenied("You can only change your own profile.")
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be changed here."] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    languages = {code for code, _ in settings.LANGUAGES}
    time_zones = {name for name, _ in TIME_ZONE_CHOICES}
    for name, value in changes.items():
        value = (value or "").strip() if isinstance(value, str) or value is None else value
        if not isinstance(value, str):
            errors[name] = ["Must be text."]
            continue
        max_length = User._meta.get_field(name).max_length
        if len(value) > max_length:
            errors[name] = [f"At most {max_length} characters."]
        elif name == "language" and value not in languages:
            errors[name] = [f"Choose one of: {', '.join(sorted(languages))}."]
        elif name == "time_zone" and value not in time_zones:
            errors[name] = ["Not a known time zone (use an IANA name such as America/Sao_Paulo)."]
        elif name == "phone" and value and not _looks_like_phone(value):
            errors[name] = ["Use digits, spaces and + ( ) - only, e.g. +55 11 91234-5678."]
        else:
            cleaned[name] = value
    if errors:
        raise ValidationFailed(errors=errors)
    before = {name: getattr(user, name) for name in cleaned}
    changed = {name: value for name, value in cleaned.items() if before[name] != value}
    if not changed:
        return user
    with transaction.atomic():
        for name, value in changed.items():
            setattr(user, name, value)
        user.save(update_fields=list(changed))
        audit.record(
            action="account.profile_updated",
            actor=user,
            company=_primary_company(user, request),
            obj=user,
            before={name: before[name] for name in changed},
            after=changed,
            request=request,
        )
    return user


def _looks_like_phone(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    return 6 <= digits <= 20 and all(ch.isdigit() or ch in " +()-." for ch in value)


# --- API sign-in: JWT families -------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    family_id: str


def _issue(*, user: User, family: TokenFamily) -> TokenPair:
    """A new refresh token of ``family`` (recorded as outstanding) and the access token made from it."""
    refresh = tokens.RotatingRefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(user.pk)
    refresh[tokens.FAMILY_CLAIM] = family.id.hex
    refresh_expires_at = datetime_from_epoch(refresh["exp"])
    # The signed token itself is not kept in the database: a copy at rest would be a usable secret.
    outstanding = OutstandingToken.objects.create(
        user=user,
        jti=refresh[api_settings.JTI_CLAIM],
        token="",
        created_at=refresh.current_time,
        expires_at=refresh_expires_at,
    )
    TokenFamilyMember.objects.create(family=family, outstanding=outstanding)
    TokenFamily.objects.filter(pk=family.pk).update(expires_at=refresh_expires_at)
    access = refresh.access_token
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        access_expires_at=datetime_from_epoch(access["exp"]),
        refresh_expires_at=refresh_expires_at,
        family_id=family.id.hex,
    )


def _mfa_code_is_valid(user: User, code: str) -> bool:
    """A TOTP code or an unused recovery code of ``user`` (allauth's authenticators)."""
    from allauth.mfa.models import Authenticator

    for authenticator in Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.WEBAUTHN):
        if authenticator.wrap().validate_code(code):
            authenticator.record_usage()
            return True
    return False


def _mfa_setup_error(request: HttpRequest | None) -> MfaSetupRequired:
    path = reverse("mfa_activate_totp")
    url = request.build_absolute_uri(path) if request is not None else path
    return MfaSetupRequired(
        "A company you belong to requires two-factor authentication. Set up an authenticator app at "
        f"{url} (signed in on the website), then sign in again.",
        extra={"setup_url": url},
    )


def _login_failed(request: HttpRequest, email: str, reason: str) -> None:
    """Tell Django's user_login_failed receivers (the audit trail) about a refused API sign-in."""
    user_login_failed.send(
        sender=__name__, credentials={"username": email}, request=request, channel="api", reason=reason
    )


def auth_login(*, request: HttpRequest, email: str, password: str, otp: str = "") -> TokenPair:
    """Check credentials and open a new token family. Side effects: a bcrypt (or otherwise
    outdated) password hash is upgraded to Argon2; last_login is updated; "auth.login" is audited
    (failures are audited by the user_login_failed receiver).

    Refuses with AuthenticationRefused (401) for wrong credentials, an inactive user or a missing or
    wrong MFA code; EmailNotVerified (403) and MfaSetupRequired (403) when the password was right
    but the account may not be used yet.
    """
    email = (email or "").strip().lower()
    # ModelBackend only (not django.contrib.auth.authenticate): it hashes once, also for unknown
    # emails (timing), and refuses inactive users. The refusal is reported below.
    user = ModelBackend().authenticate(request, username=email, password=password)
    if user is None:
        _login_failed(request, email, "invalid_credentials")
        raise AuthenticationRefused(LOGIN_FAILED_MESSAGE, code="invalid_credentials")
    if (
        settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
        and not EmailAddress.objects.filter(user=user, verified=True).exists()
    ):
        _login_failed(request, email, "email_not_verified")
        raise EmailNotVerified("Confirm your email address first: follow the link in the email we sent you.")
    if selectors.user_mfa_setup_required(user):
        _login_failed(request, email, "mfa_setup_required")
        raise _mfa_setup_error(request)
    from allauth.mfa.utils import is_mfa_enabled

    if is_mfa_enabled(user):
        if not otp:
            raise AuthenticationRefused(
                "Two-factor authentication is on for this account: send the code of your authenticator "
                "app (or a recovery code) in the 'otp' field.",
                code="mfa_code_required",
            )
        if not _mfa_code_is_valid(user, otp.strip()):
            _login_failed(request, email, "invalid_mfa_code")
            raise AuthenticationRefused("The two-factor authentication code is not correct.", code="invalid_mfa_code")
    with transaction.atomic():
        family = TokenFamily.objects.create(
            id=uuid.uuid4(),
            user=user,
            expires_at=timezone.now() + api_settings.REFRESH_TOKEN_LIFETIME,
            ip=client_ip(request),
            user_agent=(user_agent(request) or "")[:300],
        )
        pair = _issue(user=user, family=family)
        update_last_login(None, user)
        audit.record(
            action="auth.login",
            actor=user,
            company=_primary_company(user, request),
            obj=user,
            data={"channel": "api", "token_family": family.id.hex},
            request=request,
        )
    return pair


def auth_refresh(*, request: HttpRequest, refresh: str) -> TokenPair:
    """Rotate a refresh token: blacklist it and return a new pair of the same family.

    A refresh token that was already used (blacklisted) revokes its whole family, commits that, and
    is refused with code "token_reused". Two concurrent refreshes with the same token are serialized
    by the lock on the family row: one wins, the other is treated as reuse.
    """
    try:
        token = tokens.RotatingRefreshToken(refresh)
    except TokenError as exc:
        raise AuthenticationRefused(str(exc.args[0] if exc.args else exc), code="token_not_valid") from exc
    family_id = token.get(tokens.FAMILY_CLAIM)
    jti = token.get(api_settings.JTI_CLAIM)
    if not family_id or not jti:
        raise AuthenticationRefused("This refresh token was not issued by the login endpoint.", code="token_not_valid")
    reused = False
    with transaction.atomic():
        family = TokenFamily.objects.select_for_update().select_related("user").filter(pk=family_id).first()
        outstanding = OutstandingToken.objects.filter(jti=jti, cotai_family_member__family_id=family_id).first()
        if family is None or outstanding is None:
            raise AuthenticationRefused("Unknown refresh token.", code="token_not_valid")
        if family.revoked_at is not None:
            raise AuthenticationRefused("This sign-in has ended; sign in again.", code="token_revoked")
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        if not created:
            _revoke_family(family=family, reason=TokenFamily.RevokeReason.REUSE)
            audit.record(
                action="auth.refresh_token_reused",
                actor=family.user,
                company=_primary_company(family.user, request),
                obj=family.user,
                data={"token_family": family.id.hex, "jti": jti},
                request=request,
            )
            reused = True
        else:
            user = family.user
            if not user.is_active:
                raise AuthenticationRefused("This account is deactivated.", code="user_inactive")
            if selectors.user_mfa_setup_required(user):
                raise _mfa_setup_error(request)
            pair = _issue(user=user, family=family)
            TokenFamily.objects.filter(pk=family.pk).update(last_refreshed_at=timezone.now())
    if reused:
        raise AuthenticationRefused(
            "This refresh token was already used. Every token of this sign-in has been revoked; sign in again.",
            code="token_reused",
        )
    return pair


def _revoke_family(*, family: TokenFamily, reason: str) -> bool:
    """Blacklist every outstanding refresh token of ``family`` and mark it revoked (DB now, cache on
    commit). Returns False if it was already revoked. Call inside a transaction."""
    changed = TokenFamily.objects.filter(pk=family.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason
    )
    outstanding_ids = list(
        TokenFamilyMember.objects.filter(family_id=family.pk).values_list("outstanding_id", flat=True)
    )
    if outstanding_ids:
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token_id=pk) for pk in outstanding_ids], ignore_conflicts=True
        )
    family_hex = family.id.hex
    # Forget the "active" marker now (readers fall back to the database), and write "revoked" once the
    # revocation is committed, so that no reader can cache "active" again in between.
    tokens.forget_family(family_hex)
    transaction.on_commit(lambda: tokens.remember_family_revoked(family_hex))
    return bool(changed)


def token_family_revoke(*, family_id: str, reason: str, actor: Any = None, request: HttpRequest | None = None) -> bool:
    """End one API sign-in: its refresh tokens are blacklisted and its access tokens refused from
    the next request on. ``actor`` (when given) must own the family. Idempotent: returns False if it
    was already revoked. Audited as "auth.logout" (reason logout) or "auth.token_family_revoked"."""
    with transaction.atomic():
        family = TokenFamily.objects.select_for_update().select_related("user").filter(pk=family_id).first()
        if family is None or (actor is not None and getattr(actor, "pk", None) != family.user_id):
            raise NotFound("No such sign-in.")
        changed = _revoke_family(family=family, reason=reason)
        if changed:
            audit.record(
                action="auth.logout" if reason == TokenFamily.RevokeReason.LOGOUT else "auth.token_family_revoked",
                actor=actor or family.user,
                company=_primary_company(family.user, request),
                obj=family.user,
                data={"channel": "api", "token_family": family.id.hex, "reason": reason},
                request=request,
            )
    return changed


def token_families_revoke_all(*, user: User, reason: str, request: HttpRequest | None = None) -> int:
    """End every API sign-in of ``user`` (password changed, account deactivated). Returns how many."""
    count = 0
    with transaction.atomic():
        for family in TokenFamily.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
            count += _revoke_family(family=family, reason=reason)
        if count:
            audit.record(
                action="auth.token_families_revoked",
                actor=user,
                company=_primary_company(user, request),
                obj=user,
                data={"count": count, "reason": reason},
                request=request,
            )
    return count


# --- API keys ------------------------------------------------------------------------------------


def api_key_create(
    *,
    actor: Any,
    company: Any,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for ``company``; returns the row and the plaintext key, which is shown once and
    stored nowhere (only its SHA-256). Needs 'company.manage_api_keys'. Audited "api_key.created"."""
    from companies import permissions

    permissions.require(actor, permissions.COMPANY_MANAGE_API_KEYS, company)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the key a name that says what it is for."]
    elif len(name) > ApiKey._meta.get_field("name").max_length:
        errors["name"] = [f"At most {ApiKey._meta.get_field('name').max_length} characters."]
    try:
        scopes = validate_scopes(scopes or [])
    except ValueError as exc:
        errors["scopes"] = [str(exc)]
    else:
        if not scopes:
            errors["scopes"] = ["Choose at least one scope."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["The expiry must be in the future."]
    if errors:
        raise ValidationFailed(errors=errors)
    for _attempt in range(3):
        prefix = secrets.token_hex(6)
        plaintext = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    company=company,
                    name=name,
                    prefix=prefix,
                    secret_hash=selectors.hash_api_key(plaintext),
                    scopes=scopes,
                    created_by=actor,
                    expires_at=expires_at,
                )
                audit.record(
                    action="api_key.created",
                    actor=actor,
                    company=company,
                    obj=api_key,
                    data={"name": name, "prefix": prefix, "scopes": scopes, "expires_at": expires_at},
                    request=request,
                )
            return api_key, plaintext
        except IntegrityError:  # a 48-bit prefix collided; draw another
            continue
    raise InvalidState("Could not create a unique key; try again.")


def api_key_revoke(*, actor: Any, api_key: ApiKey, request: HttpRequest | None = None) -> ApiKey:
    """Revoke a key for good; requests with it are refused from now on. Needs
    'company.manage_api_keys' in the key's company. Refused (InvalidState) if already revoked."""
    from companies import permissions

    permissions.require(actor, permissions.COMPANY_MANAGE_API_KEYS, api_key.company)
    with transaction.atomic():
        changed = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if not changed:
            raise InvalidState("This key is already revoked.")
        audit.record(
            action="api_key.revoked",
            actor=actor,
            company=api_key.company,
            obj=api_key,
            data={"name": api_key.name, "prefix": api_key.prefix},
            request=request,
        )
    api_key.refresh_from_db()
    return api_key


def api_key_record_use(*, api_key: ApiKey, ip: str | None) -> bool:
    """Record that the key was used, at most once per minute per key (the first request of each
    minute writes; ``cache.add`` decides atomically which one), so that a busy integration does not
    turn every request into a write."""
    import time

    from django.core.cache import cache

    minute = int(time.time() // API_KEY_LAST_USED_EVERY_SECONDS)
    if not cache.add(f"accounts:api-key-used:{api_key.pk}:{minute}", 1, timeout=API_KEY_LAST_USED_EVERY_SECONDS):
        return False
    now = timezone.now()
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now, last_used_ip=ip)
    api_key.last_used_at, api_key.last_used_ip = now, ip
    return True


# --- browser sessions ----------------------------------------------------------------------------


def user_session_end(*, request: HttpRequest, session_id: int) -> bool:
    """Sign one of the requesting user's browser sessions out (any device). Ending the current
    session signs this browser out too; returns True then. Audited "auth.session_revoked" by
    accounts.adapters.UserSessionsAdapter, which allauth's "sign out other sessions" uses too."""
    from allauth.account.adapter import get_adapter as get_account_adapter
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(user_id=request.user.pk, pk=session_id).first()
    if session is None:
        raise NotFound("No such session.")
    is_current = session.session_key == request.session.session_key
    get_adapter().end_sessions([session])
    if is_current:
        get_account_adapter().logout(request)
    return is_current


def tokens_prune_expired(*, grace_days: int = 1) -> dict[str, int]:
    """Delete refresh-token records that expired (their blacklist rows and family links go with
    them) and API sign-ins that expired or were revoked more than ``grace_days`` ago. Nothing still
    usable is touched: an expired token is refused by its signature's expiry anyway."""
    from datetime import timedelta

    now = timezone.now()
    cutoff = now - timedelta(days=grace_days)
    outstanding, _ = OutstandingToken.objects.filter(expires_at__lt=now).delete()
    families, _ = TokenFamily.objects.filter(expires_at__lt=cutoff).delete()
    revoked, _ = TokenFamily.objects.filter(revoked_at__lt=cutoff).delete()
    return {"outstanding_tokens": outstanding, "families": families + revoked}
