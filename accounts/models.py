"""Users of CotAi. Email is the login: unique regardless of case, stored lower-cased."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz or tz == "UTC")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Which companies they act for, and in which role, lives in companies.Membership.

    Invariant: ``email`` is stored lower-cased and is unique without regard to case.
    """

    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the back office.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split(" ")[0] if self.full_name else "") or self.email


class TokenFamily(models.Model):
    """One API sign-in (POST /api/v1/auth/login) and every refresh token rotated from it.

    The family id travels in the ``fam`` claim of the refresh tokens and of the access tokens made
    from them. Revoking a family (logout, refresh-token reuse, password change, deactivation)
    blacklists all of its outstanding refresh tokens and makes its access tokens invalid at once
    (accounts.authentication checks the family on every request, through the cache).

    Invariant: ``revoked_at`` is set once and never cleared.
    """

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", "Signed out"
        REUSE = "reuse", "Refresh token reused"
        PASSWORD_CHANGE = "password_change", "Password changed"
        USER_REVOKED = "user_revoked", "Signed out from the security page"
        DEACTIVATED = "deactivated", "Account deactivated"

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_families")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    # When the newest refresh token of the family expires: after that the family is dead anyway.
    expires_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API sign-in"
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_tf_user_revoked_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class TokenFamilyMember(models.Model):
    """Links an outstanding refresh token (simplejwt's table) to its family, so a family can be
    blacklisted in one go. Deleted with the outstanding token when expired tokens are flushed."""

    family = models.ForeignKey(TokenFamily, on_delete=models.CASCADE, related_name="members")
    outstanding = models.OneToOneField(
        "token_blacklist.OutstandingToken", on_delete=models.CASCADE, related_name="cotai_family_member"
    )

    class Meta:
        verbose_name = "refresh token of an API sign-in"

    def __str__(self) -> str:
        return f"{self.outstanding_id} of {self.family_id}"


API_KEY_PREFIX = "cotai"


class ApiKeyStatus(models.TextChoices):
    """Derived from the key's timestamps (never stored)."""

    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self, now: object = None) -> ApiKeyQuerySet:
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A key for service-to-service use, bound to one company and a set of scopes.

    The key is ``cotai_<prefix>_<secret>``; it is shown once when created. Only ``prefix`` (public,
    shown in lists, used to find the row) and the SHA-256 of the whole key are stored: the secret
    part is 32 random bytes, so a fast hash is right (nothing to brute-force). Revoking sets
    ``revoked_at`` once and never clears it. ``last_used_at`` is written at most once a minute per
    key (accounts.services.api_key_record_use), so a busy integration does not write on every call.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'ERP integration'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({API_KEY_PREFIX}_{self.prefix}_…)"

    @property
    def display_prefix(self) -> str:
        return f"{API_KEY_PREFIX}_{self.prefix}_"

    def is_expired(self, now: object = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    @property
    def status(self) -> ApiKeyStatus:
        if self.revoked_at is not None:
            return ApiKeyStatus.REVOKED
        if self.is_expired():
            return ApiKeyStatus.EXPIRED
        return ApiKeyStatus.ACTIVE
