from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from approvals.demo import seed_holding_statements, seed_organization, seed_posts
from publishing.demo import seed_connectors


class Command(BaseCommand):
    help = "Load the demo organization (departments, channels, users, posts). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (adds demo users with a known password!)"
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load the demo organization with DEBUG off: its users share a published "
                "password. Use --force if this really is a demo server."
            )
        created = seed_organization()
        created["connectors"] = seed_connectors()  # before the posts, so that their deliveries use them
        created["posts"] = seed_posts()
        created["holding statements"] = seed_holding_statements()
        if any(created.values()):
            summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo organization loaded: {summary} created."))
        else:
            self.stdout.write("Demo organization already present; nothing changed.")
