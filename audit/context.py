"""Who is acting, from where: set per request by the middleware, read by `audit.record`."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_current: ContextVar[RequestContext] = ContextVar("clearpost_audit_context", default=RequestContext())  # noqa: B039 (frozen, immutable)


def current() -> RequestContext:
    return _current.get()


def set_current(context: RequestContext):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)
