import uuid

from . import context


class AuditContextMiddleware:
    """Gives every request an id (echoed in `X-Request-ID`) and records the client IP for audit events.

    The id is always Clearpost's own: a client's `X-Request-ID` never reaches the audit log,
    where it would let anyone make their events look like someone else's request (or make
    many requests share one id). The IP is REMOTE_ADDR: behind a proxy, the proxy (or
    `config.proxy.TrustedProxyMiddleware`, which validates X-Forwarded-For against known
    proxies) must set it; a client-supplied header is not trusted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(context.RequestContext(request_id=request_id, ip=request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
