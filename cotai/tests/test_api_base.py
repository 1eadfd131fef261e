"""The API base: the OpenAPI schema and one problem-details error body for every error."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import include, path
from openapi_spec_validator import validate
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from cotai import exceptions
from cotai.api.exceptions import _flatten

pytestmark = pytest.mark.django_db


class _LineSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2)


class _OrderSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=10)
    lines = _LineSerializer(many=True)


@api_view(["POST"])
@permission_classes([AllowAny])
def _validate_view(request):
    serializer = _OrderSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(serializer.data)


@api_view(["POST"])
@permission_classes([AllowAny])
def _service_view(request):
    kind = request.data.get("kind")
    if kind == "state":
        raise exceptions.InvalidState("Only a draft can be published.")
    if kind == "fields":
        raise exceptions.ValidationFailed("Dates out of order.", errors={"submission_deadline": ["Must be later."]})
    if kind == "notfound":
        raise Http404
    raise RuntimeError("boom")


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def _private_view(request):
    return Response({"ok": True})


urlpatterns = [
    path(
        "api/v1/",
        include(
            [
                path("test/validate", _validate_view),
                path("test/service", _service_view),
                path("test/private", _private_view),
            ]
        ),
    ),
]


def test_openapi_schema_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/health" in schema["paths"]


def _assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance", "code", "errors", "request_id"}
    assert body["status"] == status
    assert body["code"] == code
    return body


@pytest.mark.urls(__name__)
def test_field_errors_map_each_field_to_its_messages(client):
    response = client.post(
        "/api/v1/test/validate",
        {"title": "far too long a title", "lines": [{"price": "1.00"}, {"price": "abc"}]},
        content_type="application/json",
    )
    body = _assert_problem(response, 400, "validation_failed")
    assert body["errors"]["title"] == ["Ensure this field has no more than 10 characters."]
    assert body["errors"]["lines.1.price"] == ["A valid number is required."]
    assert "lines.0.price" not in body["errors"]


@pytest.mark.urls(__name__)
def test_malformed_json_is_a_400_problem(client):
    response = client.post("/api/v1/test/validate", "{not json", content_type="application/json")
    _assert_problem(response, 400, "parse_error")


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("state", 409, "invalid_state"), ("fields", 400, "validation_failed"), ("notfound", 404, "not_found")],
)
def test_application_errors_map_to_http_once(client, kind, status, code):
    response = client.post("/api/v1/test/service", {"kind": kind}, content_type="application/json")
    body = _assert_problem(response, status, code)
    if kind == "fields":
        assert body["errors"] == {"submission_deadline": ["Must be later."]}
        assert body["detail"] == "Dates out of order."


@pytest.mark.urls(__name__)
def test_unexpected_errors_are_a_500_problem_not_an_html_page(client):
    response = client.post("/api/v1/test/service", {"kind": "crash"}, content_type="application/json")
    body = _assert_problem(response, 500, "server_error")
    assert "boom" not in body["detail"]


@pytest.mark.urls(__name__)
def test_missing_credentials_are_a_401_problem(client):
    response = client.get("/api/v1/test/private")
    _assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_method_is_a_405_problem(client):
    _assert_problem(client.post("/api/v1/health"), 405, "method_not_allowed")


def test_flatten_handles_nested_lists_and_non_field_errors():
    detail = {"non_field_errors": ["Totals differ."], "lines": [{}, {"qty": ["Too many."]}], "tags": ["Bad tag."]}
    assert _flatten(detail) == {
        "non_field_errors": ["Totals differ."],
        "lines.1.qty": ["Too many."],
        "tags": ["Bad tag."],
    }
