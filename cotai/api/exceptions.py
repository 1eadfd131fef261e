"""One error body for every API error: RFC 9457 problem details (application/problem+json).

    {"type": "https://cotai.dev/problems/validation_failed", "title": "...", "status": 400,
     "detail": "...", "instance": "/api/v1/...", "code": "validation_failed",
     "errors": {"field": ["message", ...]}, "request_id": "..."}

``errors`` is always present (empty when the error is not about fields), so clients never meet a
field that exists only sometimes. Application errors, DRF errors, Django's Http404 and
PermissionDenied, and unexpected exceptions all come out in this shape.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from cotai import exceptions as app_exceptions
from cotai.context import get_correlation_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://cotai.dev/problems/"
NON_FIELD = "non_field_errors"

log = structlog.get_logger("cotai.api")


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF error detail (nested dicts/lists) -> {"field" or "lines.0.price": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD if key in ("non_field_errors", "__all__") and not prefix else str(key)
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    elif detail is not None:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


def problem(
    *,
    status_code: int,
    code: str,
    title: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
    instance: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status_code,
        "detail": detail or title,
        "instance": instance,
        "code": code,
        "errors": errors or {},
        "request_id": get_correlation_id() or "",
    }
    if extra:
        body.update({key: value for key, value in extra.items() if key not in body})
    return body


_DRF_TITLES = {
    400: "The input is not valid",
    401: "Authentication is required",
    403: "You are not allowed to do this",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    415: "Unsupported media type",
    429: "Too many requests",
}


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: turns every exception into a problem details response."""
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    headers: dict[str, str] = {}

    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        )

    if isinstance(exc, app_exceptions.ApplicationError):
        errors = getattr(exc, "errors", {}) or {}
        body = problem(
            status_code=exc.status_code,
            code=exc.code,
            title=exc.title,
            detail=exc.message,
            errors=errors,
            instance=instance,
            extra=exc.extra,
        )
        status_code = exc.status_code
    elif isinstance(exc, drf_exceptions.APIException):
        status_code = exc.status_code
        if isinstance(exc, drf_exceptions.ValidationError):
            errors = _flatten(exc.detail)
            detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
            code = "validation_failed"
        else:
            errors = {}
            detail = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else exc.default_detail
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else exc.default_code
        if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) if exc.wait == int(exc.wait) else int(exc.wait) + 1)
        auth_header = getattr(exc, "auth_header", None)
        if isinstance(exc, (drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed)):
            view = context.get("view")
            if view is not None and request is not None:
                auth_header = view.get_authenticate_header(request)
            if auth_header:
                headers["WWW-Authenticate"] = auth_header
            else:
                # DRF answers 403 when no authenticator offers a challenge; 401 is the honest code.
                status_code = status.HTTP_401_UNAUTHORIZED
        body = problem(
            status_code=status_code,
            code=str(code),
            title=_DRF_TITLES.get(status_code, "Error"),
            detail=str(detail),
            errors=errors,
            instance=instance,
        )
    else:
        log.exception("api.unhandled_exception", path=instance)
        status_code = 500
        body = problem(
            status_code=500,
            code="server_error",
            title="Internal server error",
            detail="Something went wrong on our side; the request id identifies it in our logs.",
            instance=instance,
        )

    set_rollback()
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


def problem_response(
    request: HttpRequest, *, status_code: int, code: str, title: str, detail: str = ""
) -> JsonResponse:
    body = problem(status_code=status_code, code=code, title=title, detail=detail, instance=request.get_full_path())
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)
