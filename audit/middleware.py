import re
import uuid

from . import context

# A request id from a trusted proxy is kept if it looks like one; anything else is replaced.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class AuditContextMiddleware:
    """Gives every request an id (echoed in `X-Request-ID`) and records the client IP for audit events.

    The IP is REMOTE_ADDR: behind a proxy, the proxy (or a middleware that validates
    X-Forwarded-For against known proxies) must set it; a client-supplied header is not trusted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(context.RequestContext(request_id=request_id, ip=request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
