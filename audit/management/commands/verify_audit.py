from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit non-zero naming the first broken seq."

    def handle(self, *args, **options):
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at seq {result.first_broken_seq}: {result.reason} "
                f"({result.checked} events verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} events verified."))
