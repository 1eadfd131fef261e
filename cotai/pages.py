"""What every page view shares: turning application errors into pages and form errors.

Services raise cotai.exceptions; the API maps them once in cotai.api.exceptions, and pages map them
here: NotFound and PermissionDenied become the 404 and 403 pages, ValidationFailed becomes field
errors on the form the person is looking at.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from cotai.exceptions import NotFound, PermissionDenied, ValidationFailed

NON_FIELD = ("non_field_errors", "__all__")


def maps_application_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotFound -> 404 page, PermissionDenied -> 403 page (the errors a page cannot recover from)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def add_service_errors(form: forms.Form, exc: ValidationFailed, *, prefix: str = "") -> None:
    """Put a service's field errors on ``form``: known fields next to the field, the rest on top.

    ``prefix`` is stripped from the service's field names (``"items.0."`` for a row's form). An error
    about a field the form does not show keeps the field's name, so the person knows what it is about.
    """
    for name, messages in exc.errors.items():
        field = name[len(prefix) :] if prefix and name.startswith(prefix) else name
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, message if name in NON_FIELD else f"{name}: {message}")
    if not exc.errors:
        form.add_error(None, exc.message)
