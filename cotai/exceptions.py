"""The application's one exception hierarchy.

Services raise these; the API exception handler (cotai.api.exceptions) and the pages map them
to HTTP once, so no view decides status codes for business rules by itself.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the application understood but refused. ``message`` is safe to show to users."""

    status_code = 400
    code = "application_error"
    title = "The request could not be carried out"

    def __init__(self, message: str = "", *, extra: dict | None = None):
        self.message = message or self.title
        self.extra = extra or {}
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    """Input broke a rule. ``errors`` maps field names to lists of messages."""

    status_code = 400
    code = "validation_failed"
    title = "The input is not valid"

    def __init__(self, message: str = "", *, errors: dict[str, list[str]] | None = None, extra: dict | None = None):
        super().__init__(message, extra=extra)
        self.errors = errors or {}


class InvalidState(ApplicationError):
    """The object is not in a state that allows the action (e.g. publishing a closed tender)."""

    status_code = 409
    code = "invalid_state"
    title = "The action is not possible in the current state"


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"
    title = "You are not allowed to do this"


class NotFound(ApplicationError):
    """Also used for objects of another company, so that ids leak nothing."""

    status_code = 404
    code = "not_found"
    title = "Not found"
