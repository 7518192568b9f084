"""The two PostgreSQL roles of a deployment, and the grants that separate them.

- The **migration role** (MIGRATION_DATABASE_URL) owns every table and runs `migrate`.
- The **app role** (DATABASE_URL: web, workers, beat) owns nothing. It may SELECT, INSERT,
  UPDATE and DELETE the app's tables, but only INSERT and SELECT the audit events and
  checkpoints, and only SELECT, INSERT and UPDATE the chain head. Not owning the tables, it
  cannot disable or drop the append-only triggers, ALTER or DROP the tables, or TRUNCATE them.

`grant_statements(role)` is what `manage.py grant_app_role ROLE` runs as the migration role
(and `migrate` runs by itself after migrating when MIGRATION_DATABASE_URL is set);
`app_role_problems()` is what `check --deploy --database default` asks of the app's connection.
"""

from django.db import connection as default_connection

# The log: appended to and read, never changed (the triggers say so too, for the owner).
APPEND_ONLY = ("audit_auditevent", "audit_auditcheckpoint")
# The chain head is moved by every append, never removed.
NO_DELETE = ("audit_auditchainhead",)
# Read by Django only.
READ_ONLY = ("django_migrations",)


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def app_tables(connection) -> list[str]:
    """Every table of the schema, as the migration role sees them."""
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def grant_statements(role: str, *, connection=default_connection) -> list[str]:
    """The SQL that gives `role` what the app needs and nothing more (PostgreSQL). Idempotent:
    run it after every `migrate` (new tables need their grants)."""
    who = _quote(connection, role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {who}",
        # Start from nothing on every table and sequence, then grant what each needs.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
    ]
    for table in app_tables(connection):
        name = _quote(connection, table)
        if table in APPEND_ONLY:
            privileges = "SELECT, INSERT"
        elif table in NO_DELETE:
            privileges = "SELECT, INSERT, UPDATE"
        elif table in READ_ONLY:
            privileges = "SELECT"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f"GRANT {privileges} ON {name} TO {who}")
    return statements


def grant(role: str, *, connection=default_connection) -> list[str]:
    statements = grant_statements(role, connection=connection)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements


def app_role_problems(connection=default_connection) -> list[str]:
    """What is wrong with the connection's role as the app's role: it is a superuser, or it owns
    (or is a member of the role owning) an audit table. Empty when it is restricted as it should."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        if superuser:
            return [f"the database role {user!r} is a superuser"]
        cursor.execute(
            """
            SELECT c.relname, pg_get_userbyid(c.relowner)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relname = ANY(%s)
              AND pg_has_role(current_user, c.relowner, 'USAGE')
            ORDER BY c.relname
            """,
            [list(APPEND_ONLY)],
        )
        return [
            f"the database role {user!r} owns the table {table}"
            + ("" if owner == user else f" (as a member of {owner!r})")
            for table, owner in cursor.fetchall()
        ]
