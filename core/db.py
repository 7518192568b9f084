"""Database helpers every app uses: set-based writes the ORM makes slow, and queuing work
for after the commit.

`update_rows`: set-based writes the ORM makes slow.

`QuerySet.bulk_update` builds one `CASE WHEN pk = … THEN …` per row and field, and Django
spends milliseconds compiling it for a batch of a few dozen rows: more than the database
spends running it. On PostgreSQL `update_rows` sends `UPDATE … FROM (VALUES …)` instead,
one typed row per object; elsewhere (SQLite, the embedded default) it falls back to
`bulk_update`.
"""

from django.db import connections, router, transaction

# The largest id of any table (every id is a PostgreSQL bigint): a larger one from a client is
# no row's, and would make the database refuse the query.
MAX_ID = 2**63 - 1


def update_rows(objs: list, fields: list[str]) -> int:
    """Write `fields` of every object in `objs` (all of one model) in one statement. Fields
    are written as they are on the objects: `auto_now` is not applied, signals are not sent."""
    if not objs:
        return 0
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_update(objs, fields)
    opts = model._meta
    columns = [opts.pk, *(opts.get_field(name) for name in fields)]
    qn = connection.ops.quote_name
    row = "(" + ", ".join(f"%s::{field.cast_db_type(connection)}" for field in columns) + ")"
    params = [
        field.get_db_prep_save(getattr(obj, field.attname), connection=connection) for obj in objs for field in columns
    ]
    assignments = ", ".join(f"{qn(field.column)} = v.{qn(field.column)}" for field in columns[1:])
    names = ", ".join(qn(field.column) for field in columns)
    # Identifiers come from the model and are quoted; every value is a bound parameter.
    sql = (
        f"UPDATE {qn(opts.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row] * len(objs))}) AS v({names}) "  # nosec B608
        f"WHERE t.{qn(opts.pk.column)} = v.{qn(opts.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def after_commit(task, *args) -> None:
    """Send the Celery task `task` with `args` once the current transaction has committed.

    `robust`: a broker that is down is logged, never turned into an error for a change that is
    already committed (the work it would have started is picked up again: notifications are
    best effort, and the publishing sweeper hands jobs out again). Django's log of a failed
    callback reads its `__qualname__`, which a functools.partial lacks: with a partial, a
    broker outage became a 500. Hence a named function."""

    def send():
        task.delay(*args)

    send.__qualname__ = f"{task.name}.delay"
    transaction.on_commit(send, robust=True)
