"""The REST API toolkit every app's API uses: one exception handler (domain errors → HTTP,
one error body), strict filters, pagination (cursor and keyset), and the OpenAPI hooks that
document the error answers of every operation."""

import base64
import binascii
import json
from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from core.db import MAX_ID
from core.errors import DomainError


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
        if response.status_code == status.HTTP_400_BAD_REQUEST:  # e.g. a body that is not JSON
            response.data["errors"] = {}
    return response


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or `1`/`0`); anything else, even empty, is a 400, not silently "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        if value is None:  # not in the query
            return None
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        raise DjangoValidationError("Enter true or false.", code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictChoiceField(django_filters.fields.ChoiceField):
    """A value outside the choices is a 400, and so is an empty one (`?state=`)."""

    def clean(self, value):
        if value == "":
            raise DjangoValidationError("Select a valid choice.", code="invalid_choice")
        return super().clean(value)


class ChoiceFilter(django_filters.ChoiceFilter):
    field_class = StrictChoiceField


def page_size_from(request, *, default: int, maximum: int, param: str = "page_size") -> int:
    """The page size the client asked for, capped at `maximum`; anything but a positive whole
    number is a 400 rather than silently the default."""
    raw = request.query_params.get(param)
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise exceptions.ValidationError({param: ["A positive whole number is required."]})
    return min(size, maximum)


PAGE_SIZE_PARAMETER = {
    "name": "page_size",
    "required": False,
    "in": "query",
    "schema": {"type": "integer", "minimum": 1},
    "description": "Rows per page (at most 100).",
}


class CursorPagination(pagination.CursorPagination):
    """`{"results": [...], "next": url|null, "previous": url|null}`; order set per view."""

    page_size = 25
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "pk"

    def get_page_size(self, request):
        return page_size_from(request, default=self.page_size, maximum=self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        """A forged cursor whose position is not a value of the ordering field (`p=2026` on a
        datetime, `p=abc` on an id, a number too large for the column) is an invalid cursor
        (404, as DRF answers a cursor it cannot decode), not a 500."""
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError, OverflowError, DataError):
            raise exceptions.NotFound("Invalid cursor.") from None

    def get_schema_operation_parameters(self, view):
        return [
            PAGE_SIZE_PARAMETER if parameter["name"] == self.page_size_query_param else parameter
            for parameter in super().get_schema_operation_parameters(view)
        ]

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


# Lists served by a view that also does something else (a post's comments, its deliveries):
# paginated like every list, `{"results", "next", "previous"}`, ordered by one field.
PAGINATION_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The `next` link's cursor."),
    OpenApiParameter(PAGE_SIZE_PARAMETER["name"], int, description=PAGE_SIZE_PARAMETER["description"]),
]


def paginated_schema(serializer_class):
    """The schema of a page of `serializer_class` rows."""
    return inline_serializer(
        name=f"Paginated{serializer_class.__name__.removesuffix('Serializer')}List",
        fields={
            "results": serializer_class(many=True),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
        },
    )


def paginate(view, request, queryset, serializer_class, *, ordering: str) -> Response:
    """One page of `queryset` in `ordering` (a unique field, e.g. "id" or "-id")."""
    paginator = CursorPagination()
    paginator.ordering = ordering
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def decode_keyset_cursor(raw: str, *, length: int) -> list:
    """The JSON list of `length` values a keyset cursor carries (URL-safe base64). Raises
    ValueError for anything else."""
    try:
        key = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
    except (binascii.Error, UnicodeError, RecursionError) as exc:
        raise ValueError("undecodable cursor") from exc
    if not isinstance(key, list) or len(key) != length:
        raise ValueError("not a key")
    return key


def cursor_datetime(value) -> datetime:
    """A cursor's date-time: an ISO 8601 string with its UTC offset, as `isoformat()` writes it,
    that stays within Python's years 1 to 9999 once in UTC (the database compares in UTC).
    Raises ValueError for anything else: year 0 or 99999, month 13, no offset, a number."""
    if not isinstance(value, str):
        raise ValueError("not a date-time")
    moment = datetime.fromisoformat(value)
    if moment.utcoffset() is None:
        raise ValueError("no UTC offset")
    try:
        moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc
    return moment


def cursor_id(value) -> int:
    """A cursor's row id: a JSON integer from 0 to the largest bigint (not a boolean, a float, NaN,
    Infinity or a string). Raises ValueError for anything else."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ValueError("not an id")
    return value


class KeysetPagination(pagination.BasePagination):
    """Keyset ("seek") pagination on two ascending fields, e.g. (awaiting_since, id).

    Each page costs the same however deep it is: the cursor holds the last row's key and
    the next page starts right after it, through the index. `{"results", "next", "previous"}`
    like the cursor pagination (`previous` is always null: queues are read forwards). A cursor
    that does not hold such a key (forged, out of range) is an invalid cursor: 404.
    """

    page_size = 25
    max_page_size = 100
    ordering: tuple[str, str] = ("created_at", "id")
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = page_size_from(request, default=self.page_size, maximum=self.max_page_size)
        first = self.ordering[0]
        after = None
        raw = request.query_params.get(self.cursor_query_param)
        if raw:
            try:
                value, pk = decode_keyset_cursor(raw, length=2)
                if first.endswith("_at") or first.endswith("_since"):
                    value = cursor_datetime(value)
                elif first == "id" or first.endswith("_id"):
                    value = cursor_id(value)
                after = (value, cursor_id(pk))
            except ValueError:
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
            PAGE_SIZE_PARAMETER,
        ]


# --- OpenAPI: the error responses every operation may give (API.md) ---------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: a human sentence and a machine code (some errors add fields, e.g. `findings`).",
    "required": ["detail", "code"],
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Invalid input: `errors` maps each field (or `non_field_errors`) to its messages.",
    "required": ["detail", "code", "errors"],
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Validation failed: `errors` names the fields.",
    "401": "Not authenticated.",
    "403": "The caller can see the object but may not do this.",
    "404": "Missing, or not visible to the caller.",
    "405": "Method not allowed.",
    "409": "Not allowed from the current state, or a stale `version`.",
    "429": "Too many requests: over the API rate limit (`throttled`; `Retry-After` says when to try again).",
}
_UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _error_statuses(method: str, operation: dict) -> set[str]:
    """The error statuses an operation may answer besides what its view declares.

    400 wherever there is input (a body or query parameters; a malformed body is a 400 too),
    401/403 wherever authentication applies, 404 for an object named in the path or a cursor
    that does not decode, 409 for every write (state transitions, stale versions), 429 everywhere
    (the rate limits of core.throttling)."""
    parameters = operation.get("parameters", [])
    authenticated = bool(operation.get("security"))  # `auth=[]` (sign-in) has none
    statuses = {"429"}
    if "requestBody" in operation or method in _UNSAFE_METHODS or any(p["in"] == "query" for p in parameters):
        statuses.add("400")
    if authenticated:
        statuses |= {"401", "403"}
        if method in _UNSAFE_METHODS:
            statuses.add("409")
    if any(p["in"] == "path" or p["name"] == "cursor" for p in parameters):
        statuses.add("404")
    return statuses


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: declare the shared error bodies (`Error`,
    `ValidationError`) once, and the statuses of API.md on every operation, so that clients
    (and the schema fuzzing in tests/security) know every answer the API may give."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in sorted(_error_statuses(method, operation) | {c for c in responses if c in ERROR_DESCRIPTIONS}):
                name = "ValidationError" if code == "400" else "Error"
                response = responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
                body = {"schema": {"$ref": f"#/components/schemas/{name}"}}
                response.setdefault("content", {"application/json": body})
    return result
