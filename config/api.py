"""API wiring shared by every app: error bodies, pagination."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import DomainError


def exception_handler(exc, context):
    """Every error answers `{"detail", "code"}`, plus `"errors": {field: [...]}` for a 400.

    Domain errors carry their own status; DRF's own errors keep theirs.
    """
    if isinstance(exc, DomainError):
        body = {"detail": exc.detail, "code": exc.code}
        if exc.status_code == status.HTTP_400_BAD_REQUEST:
            body["errors"] = exc.errors or {}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response = Response(
            {"detail": "Some fields are not valid.", "code": "invalid", "errors": errors},
            status=status.HTTP_400_BAD_REQUEST,
        )
        return response

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": str(exc.detail) if not isinstance(exc.detail, (list, dict)) else str(exc.detail),
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
    return response


class CursorPagination(pagination.CursorPagination):
    """`{"results": [...], "next": url|null, "previous": url|null}`; order set per view."""

    page_size = 25
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "pk"

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link(), "previous": self.get_previous_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
