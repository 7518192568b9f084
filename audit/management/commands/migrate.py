"""`migrate`, as the migration role when MIGRATION_DATABASE_URL is set.

The app's role (DATABASE_URL) must not own the tables: an owner can disable or drop the audit
log's append-only triggers. With MIGRATION_DATABASE_URL set, `manage.py migrate` connects as that
role for the migration (so it owns what it creates) and then grants the app's role what it
needs (`audit.db_roles`; `--no-grant` skips it). Without it, Django's `migrate` as it is.
"""

import environ
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS, connections

from audit import db_roles

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


class Command(MigrateCommand):
    help = f"{MigrateCommand.help} As the role of MIGRATION_DATABASE_URL when set, then grants the app's role."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-grant", action="store_true", help="With MIGRATION_DATABASE_URL: do not grant the app's role after."
        )

    def handle(self, *args, **options):
        url = getattr(settings, "MIGRATION_DATABASE_URL", "")
        if not url or options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        connection = connections[DEFAULT_DB_ALIAS]
        app_role = connection.settings_dict.get("USER") or ""
        migration = environ.Env.db_url_config(url)
        if migration.get("NAME") != connection.settings_dict.get("NAME") or connection.vendor != "postgresql":
            raise CommandError("MIGRATION_DATABASE_URL must name the same PostgreSQL database as DATABASE_URL.")
        saved = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
        connection.close()
        connection.settings_dict.update({key: migration.get(key, "") for key in CREDENTIALS})
        try:
            super().handle(*args, **options)
            if not options["no_grant"] and app_role and app_role != migration.get("USER"):
                db_roles.grant(app_role, connection=connection)
                if options["verbosity"]:
                    self.stdout.write(f"Granted {app_role} the app's privileges (grant_app_role).")
        finally:
            connection.close()
            connection.settings_dict.update(saved)
