"""Project-wide middleware: correlation ids and the Content-Security-Policy header."""

from __future__ import annotations

import re
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from cotai.context import new_correlation_id, reset_correlation_id, set_correlation_id

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id is kept only if it is short and plain, so it cannot inject into logs.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

log = structlog.get_logger("cotai.request")


class RequestIdMiddleware:
    """Takes the correlation id from X-Request-ID (or makes one), binds it, and returns it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else new_correlation_id()
        request.request_id = request_id
        token = set_correlation_id(request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            reset_correlation_id(token)


class ContentSecurityPolicyMiddleware:
    """Sends the CSP of settings.CONTENT_SECURITY_POLICY; pages never need inline scripts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        policy = settings.CONTENT_SECURITY_POLICY
        self.header = self._render(policy)
        relaxed = {**policy, "style-src": [*policy.get("style-src", []), "'unsafe-inline'"]}
        self.relaxed_header = self._render(relaxed)
        self.relaxed_paths = tuple(settings.CONTENT_SECURITY_POLICY_STYLE_RELAXED_PATHS)

    @staticmethod
    def _render(policy: dict[str, list[str]]) -> str:
        return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = request.path.startswith(self.relaxed_paths)
            response["Content-Security-Policy"] = self.relaxed_header if relaxed else self.header
        return response
