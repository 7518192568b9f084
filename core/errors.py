"""Domain errors. Actions raise these; `core.api.exception_handler` maps them to HTTP.

Each carries a human sentence (`detail`) and a machine `code`; the HTTP status lives
here too so that the browser views and the API agree on what an error means.
"""


class DomainError(Exception):
    status_code = 400
    default_code = "error"
    default_detail = "The request could not be carried out."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict | None = None,
        extra: dict | None = None,
    ):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.errors = errors
        self.extra = extra or {}  # more of the body, e.g. the policy findings that blocked a submission
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    status_code = 400
    default_code = "invalid"
    default_detail = "Some fields are not valid."


class PermissionDenied(DomainError):
    """The actor can see the object but may not do this to it."""

    status_code = 403
    default_code = "permission_denied"
    default_detail = "You do not have permission to do this."


class NotVisible(DomainError):
    """Missing, or not visible to the actor: the two are never told apart."""

    status_code = 404
    default_code = "not_found"
    default_detail = "Not found."


class Conflict(DomainError):
    status_code = 409
    default_code = "conflict"
    default_detail = "This conflicts with the current state."


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"
    default_detail = "This action is not allowed in the current state."


class StaleVersion(Conflict):
    default_code = "stale_version"
    default_detail = "Someone else changed this in the meantime; reload and try again."
