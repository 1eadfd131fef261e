"""OpenAPI pieces every API module shares: the problem-details error body and its responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ProblemSerializer = inline_serializer(
    "Problem",
    {
        "type": serializers.URLField(help_text="A URI naming the kind of problem."),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "instance": serializers.CharField(help_text="The path of the request."),
        "code": serializers.CharField(help_text="Stable machine-readable code, e.g. validation_failed."),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Field (nested fields joined with dots) → messages; {} when not about fields.",
        ),
        "request_id": serializers.CharField(help_text="The correlation id, also in X-Request-ID."),
    },
)

PROBLEM = OpenApiResponse(ProblemSerializer, description="RFC 9457 problem details (application/problem+json).")
ERRORS = {401: PROBLEM, 403: PROBLEM}
READ_ERRORS = {**ERRORS, 404: PROBLEM}
WRITE_ERRORS = {**ERRORS, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM}
