"""Audit trail of sign-in events, fed by Django's and allauth's signals (connected in apps.ready).

Recorded: browser sign-in and sign-out, every failed sign-in (pages and API), password changed /
set / reset (which also ends every API sign-in of the person), MFA authenticator added, removed or
reset (new recovery codes). API sign-ins, API key changes and session revocations are audited by
the services that make them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save

from accounts.models import TokenFamily
from cotai import audit


def _company(user: Any, request: Any) -> Any:
    from accounts.services import _primary_company

    return _primary_company(user, request)


def _channel(request: Any) -> str:
    path = getattr(request, "path", "") or ""
    return "api" if path.startswith("/api/") else "web"


def on_user_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(
        action="auth.login",
        actor=user,
        company=_company(user, request),
        obj=user,
        data={"channel": "web"},
        request=request,
    )


def on_user_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit.record(
        action="auth.logout",
        actor=user,
        company=_company(user, request),
        obj=user,
        data={"channel": "web"},
        request=request,
    )


def on_user_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """Failed sign-in: no actor (nobody proved who they are); the email tried, and the account and
    its company when the email belongs to one, so the company sees attacks on its members."""
    email = str(credentials.get("username") or credentials.get("email") or "")[:254].strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    audit.record(
        action="auth.login_failed",
        actor=None,
        company=_company(user, request) if user is not None else None,
        obj=user,
        data={
            "email": email,
            "channel": kwargs.get("channel") or _channel(request),
            "reason": kwargs.get("reason", ""),
        },
        request=request,
    )


def _on_password(action: str) -> Any:
    def receiver(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        from accounts import services

        audit.record(action=action, actor=user, company=_company(user, request), obj=user, data={}, request=request)
        # A new password ends every API sign-in; browser sessions other than this one end by themselves
        # (Django ties sessions to the password hash).
        services.token_families_revoke_all(user=user, reason=TokenFamily.RevokeReason.PASSWORD_CHANGE, request=request)

    receiver.__name__ = f"on_{action.replace('.', '_')}"
    return receiver


on_password_changed = _on_password("auth.password_changed")
on_password_set = _on_password("auth.password_set")
on_password_reset = _on_password("auth.password_reset")


def _on_authenticator(action: str) -> Any:
    def receiver(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
        audit.record(
            action=action,
            actor=user,
            company=_company(user, request),
            obj=user,
            data={"authenticator_type": authenticator.type, "authenticator_id": authenticator.pk},
            request=request,
        )

    receiver.__name__ = f"on_{action.replace('.', '_')}"
    return receiver


on_authenticator_added = _on_authenticator("mfa.authenticator_added")
on_authenticator_removed = _on_authenticator("mfa.authenticator_removed")
on_authenticator_reset = _on_authenticator("mfa.authenticator_reset")


def on_user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    """A deactivated person's API sign-ins end at once (their access tokens are refused anyway, this
    also keeps old refresh tokens from working again if the account is reactivated)."""
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    if TokenFamily.objects.filter(user=instance, revoked_at__isnull=True).exists():
        from accounts import services

        services.token_families_revoke_all(user=instance, reason=TokenFamily.RevokeReason.DEACTIVATED)


def connect() -> None:
    from allauth.account import signals as account_signals
    from allauth.mfa import signals as mfa_signals
    from django.contrib.auth import signals as auth_signals

    uid = "accounts.receivers."
    auth_signals.user_logged_in.connect(on_user_logged_in, dispatch_uid=uid + "logged_in")
    auth_signals.user_logged_out.connect(on_user_logged_out, dispatch_uid=uid + "logged_out")
    auth_signals.user_login_failed.connect(on_user_login_failed, dispatch_uid=uid + "login_failed")
    account_signals.password_changed.connect(on_password_changed, dispatch_uid=uid + "password_changed")
    account_signals.password_set.connect(on_password_set, dispatch_uid=uid + "password_set")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid=uid + "password_reset")
    mfa_signals.authenticator_added.connect(on_authenticator_added, dispatch_uid=uid + "mfa_added")
    mfa_signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid=uid + "mfa_removed")
    mfa_signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid=uid + "mfa_reset")
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid=uid + "user_saved")
