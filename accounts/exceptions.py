"""Errors of sign-in and tokens, in the application's one hierarchy (cotai.exceptions).

Each carries a stable ``code`` so that API clients can tell "wrong password" from "the refresh
token was reused" without parsing messages.
"""

from __future__ import annotations

from cotai.exceptions import ApplicationError, PermissionDenied


class AuthenticationRefused(ApplicationError):
    """The credentials or token were not accepted (HTTP 401)."""

    status_code = 401
    code = "authentication_failed"
    title = "Authentication failed"

    def __init__(self, message: str = "", *, code: str = "", extra: dict | None = None):
        super().__init__(message, extra=extra)
        if code:
            self.code = code


class MfaSetupRequired(PermissionDenied):
    """A company of the user requires two-factor authentication and the user has not set it up."""

    code = "mfa_setup_required"
    title = "Two-factor authentication is required"


class EmailNotVerified(PermissionDenied):
    code = "email_not_verified"
    title = "The email address is not verified"
