"""API wiring shared by every app: error bodies, pagination."""

import base64
import binascii
import json
from datetime import datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.http import Http404
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import DomainError


def exception_handler(exc, context):
    """Every error answers `{"detail", "code"}`, plus `"errors": {field: [...]}` for a 400.

    Domain errors carry their own status; DRF's own errors keep theirs.
    """
    if isinstance(exc, DomainError):
        body = {**exc.extra, "detail": exc.detail, "code": exc.code}
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


class KeysetPagination(pagination.BasePagination):
    """Keyset ("seek") pagination on two ascending fields, e.g. (awaiting_since, id).

    Each page costs the same however deep it is: the cursor holds the last row's key and
    the next page starts right after it, through the index. `{"results", "next", "previous"}`
    like the cursor pagination (`previous` is always null: queues are read forwards).
    """

    page_size = 25
    max_page_size = 100
    ordering: tuple[str, str] = ("created_at", "id")
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = request.query_params.get("page_size")
        self.size = min(int(size), self.max_page_size) if size and size.isdigit() and int(size) > 0 else self.page_size
        first = self.ordering[0]
        after = None
        raw = request.query_params.get(self.cursor_query_param)
        if raw:
            try:
                value, pk = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
                if first.endswith("_at") or first.endswith("_since"):
                    value = datetime.fromisoformat(value)
                after = (value, int(pk))
            except (ValueError, TypeError, binascii.Error):
                raise exceptions.NotFound("Invalid cursor.") from None
        rows = list(self.fetch(queryset, after, self.size + 1))
        self.has_next = len(rows) > self.size
        self.page = rows[: self.size]
        return self.page

    def fetch(self, queryset, after, limit):
        """Up to `limit` rows of `queryset` in key order, strictly after the key `after`."""
        first, second = self.ordering
        queryset = queryset.order_by(first, second)
        if after is not None:
            value, pk = after
            queryset = queryset.filter(Q(**{f"{first}__gt": value}) | Q(**{first: value, f"{second}__gt": pk}))
        return queryset[:limit]

    def get_next_link(self):
        if not self.has_next:
            return None
        last = self.page[-1]
        first, second = self.ordering
        value = getattr(last, first)
        key = [value.isoformat() if hasattr(value, "isoformat") else value, getattr(last, second)]
        cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link(), "previous": None})

    def get_paginated_response_schema(self, schema):
        return CursorPagination().get_paginated_response_schema(schema)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "schema": {"type": "string"},
                "description": "Opaque cursor from the previous page's `next`.",
            },
            {"name": "page_size", "required": False, "in": "query", "schema": {"type": "integer"}},
        ]
