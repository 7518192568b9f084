"""Test-only `flush`: lets transactional tests empty the append-only audit tables.

On PostgreSQL the audit table rejects TRUNCATE (by design). Django's test runner
empties every table with TRUNCATE after each transactional test, so here — and only in
the test settings — the guard triggers are switched off for the flush and back on after.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

GUARDED_TABLES = ("audit_auditevent", "audit_auditcheckpoint")


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        guarded = connection.vendor == "postgresql"
        if guarded:
            with connection.cursor() as cursor:
                for table in GUARDED_TABLES:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            return super().handle(**options)
        finally:
            if guarded:
                with connection.cursor() as cursor:
                    for table in GUARDED_TABLES:
                        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
