"""JSON 404s and 400s under /api/, whatever produced them."""

from django.http import JsonResponse
from django.views import defaults


def not_found(request, exception=None):
    """Django's 404 (`handler404`): an address under /api/ that matches no route (e.g. a
    non-numeric post id) answers the API's JSON error body, not the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


BAD_REQUEST = {
    "detail": "The request could not be read: too large, or not what was expected.",
    "code": "bad_request",
    "errors": {},
}


def bad_request(request, exception=None):
    """Django's 400 (`handler400`), e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE: under /api/
    the API's JSON error body, not the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(BAD_REQUEST, status=400)
    return defaults.bad_request(request, exception)


class JsonNotFoundMiddleware:
    """The same for every 404 and 400 under /api/ whatever produced it: Django uses its handlers only
    with DEBUG off, and with DEBUG on (`make run`) an unrouted API address got the HTML debug
    page. After CommonMiddleware in MIDDLEWARE, so that a missing slash is still redirected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in (400, 404)
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return not_found(request) if response.status_code == 404 else bad_request(request)
        return response
