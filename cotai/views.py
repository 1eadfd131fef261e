"""Project-level pages: the landing page and error pages (HTML for people, JSON for the API)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cotai.api.exceptions import problem_response


def home(request: HttpRequest) -> HttpResponse:
    """The landing page; signed-in people go straight to their dashboard."""
    if request.user.is_authenticated:
        return redirect("reports:dashboard")
    return render(request, "home.html")


def _error(request: HttpRequest, *, status: int, code: str, title: str, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, status_code=status, code=code, title=title)
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, status=400, code="bad_request", title="Bad request", template="400.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, status=403, code="permission_denied", title="You are not allowed to do this", template="403.html"
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, status=404, code="not_found", title="Not found", template="404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, status=500, code="server_error", title="Internal server error", template="500.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        status=403,
        code="csrf_failed",
        title="The form expired or came from another site; reload the page and try again",
        template="403.html",
    )
