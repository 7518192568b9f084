"""The append-only, hash-chained audit log.

Use `audit.record(action, actor=..., target=..., data=...)` inside the acting
transaction. Imported lazily so that this package can be imported before apps load.
"""


def record(*args, **kwargs):
    from .actions import record as _record

    return _record(*args, **kwargs)


def record_many(*args, **kwargs):
    from .actions import record_many as _record_many

    return _record_many(*args, **kwargs)
