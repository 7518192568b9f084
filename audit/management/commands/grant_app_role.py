from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from audit import db_roles


class Command(BaseCommand):
    help = (
        "Grant the app's database role (the user of DATABASE_URL) what it needs and nothing more: "
        "SELECT/INSERT/UPDATE/DELETE on the app's tables, INSERT and SELECT only on the audit log. "
        "Run it as the role that owns the tables (after `migrate`; `migrate` does it by itself when "
        "MIGRATION_DATABASE_URL is set). PostgreSQL only."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The app's database role, e.g. clearpost_app")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The connection to grant through")
        parser.add_argument("--print", action="store_true", help="Print the SQL instead of running it")

    def handle(self, *args, role, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL deployment's: nothing to grant here.")
        if options["print"]:
            for statement in db_roles.grant_statements(role, connection=connection):
                self.stdout.write(f"{statement};")
            return
        statements = db_roles.grant(role, connection=connection)
        self.stdout.write(self.style.SUCCESS(f"Granted {role} the app's privileges ({len(statements)} statements)."))
