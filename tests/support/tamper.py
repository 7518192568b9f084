"""Tampering with the audit log in SQL, as someone with write access to the database would
(tests/audit/test_tamper.py, test_chain.py, test_audit_pages.py)."""

from django.db import connection

# The tables whose append-only triggers guard the log (as in tests/support/management/commands/flush.py).
GUARDED = ("audit_auditevent", "audit_auditcheckpoint")


def tamper(sql: str, params=()) -> None:
    """Run SQL against the log with the append-only triggers off, inside the test's transaction
    (ALTER TABLE is transactional on PostgreSQL: the rollback at the end restores them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in GUARDED:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in GUARDED:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
