"""The database is down: answer 503 with a short message and Retry-After, at once.

Without this, a request while PostgreSQL restarts is a 500 (with DEBUG on, a traceback page
naming settings and SQL) or, for a host that does not answer, a long wait. The middleware
checks the connection before anything else uses it (Django's CONN_HEALTH_CHECKS replaces a
dead persistent connection there, so the first request after a restart succeeds), and turns a
connection lost later in the view into the same answer. Nothing is retried here: a request may
have been half done, and the client decides whether to send it again.
"""

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
DETAIL = "Clearpost cannot reach its database right now. Please try again in a few seconds."
PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Unavailable · Clearpost</title></head>"
    f"<body><main><h1>Clearpost is unavailable for a moment</h1><p>{DETAIL}</p></main></body></html>"
)


def unavailable_response(request) -> HttpResponse:
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")
    if wants_json:
        response = JsonResponse({"detail": DETAIL, "code": "unavailable"}, status=503)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Placed before every middleware that reads the database (sessions, authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection = connections["default"]
        try:
            connection.close_if_health_check_failed()  # what the first query would do (CONN_HEALTH_CHECKS)
            connection.ensure_connection()
        except (OperationalError, InterfaceError) as exc:
            logger.error("Database unavailable at the start of %s %s: %s", request.method, request.path, exc)
            return unavailable_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) and not _is_usable():
            logger.error("Database connection lost during %s %s: %s", request.method, request.path, exception)
            return unavailable_response(request)
        return None  # anything else (a deadlock, a bug) stays an error


def _is_usable() -> bool:
    connection = connections["default"]
    return connection.connection is not None and connection.is_usable()
