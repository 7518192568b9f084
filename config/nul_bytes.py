"""A NUL character in a query parameter: 400, before any view sees it.

PostgreSQL cannot hold NUL in text, so a filter value carrying one (`?channel=%00`) makes the
query itself fail: a 500 wherever a view, the admin's list filters or a library passes a
parameter to the database unvalidated. Forms and serializers refuse NUL in what they validate;
this covers every query string at once. Nothing legitimate sends it."""

from django.http import HttpResponse, JsonResponse

DETAIL = "Query parameters may not contain NUL characters."


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            bad = sorted(name for name, values in request.GET.lists() if "\x00" in name + "".join(values))
            if bad:
                if request.path.startswith("/api/"):
                    errors = {name.replace("\x00", "\\x00"): [DETAIL] for name in bad}
                    return JsonResponse({"detail": DETAIL, "code": "invalid", "errors": errors}, status=400)
                return HttpResponse(DETAIL, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
