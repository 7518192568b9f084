from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints
from audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain, checking the keyed hashes, the chain head and the signed checkpoints "
        "(stored ones, the exported copies in AUDIT_CHECKPOINT_FILE / AUDIT_CHECKPOINT_READ_URL, and those of "
        "a file given with --checkpoints); exit non-zero naming the first broken seq. Read-only: forged "
        "checkpoints are reported until a verification from the page or the API has recorded them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="A JSON-lines file of exported checkpoints (AUDIT_CHECKPOINT_FILE) to check as well.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Walk the log in this many ranges side by side, one process each (PostgreSQL; for large logs).",
        )

    def handle(self, *args, **options):
        if not checkpoints.verifying_keys():
            self.stderr.write("AUDIT_CHECKPOINT_KEY is not set: signed checkpoints are not checked.")
        try:
            result = verify_chain(checkpoint_file=options.get("checkpoints"), workers=max(1, options["workers"]))
        except checkpoints.CheckpointError as exc:
            raise CommandError(f"Cannot verify the audit checkpoints: {exc}.") from exc
        if not result.ok and result.first_broken_seq is None and not result.forged_checkpoints:
            raise CommandError(
                f"Audit checkpoints UNCHECKED: {result.reason} "
                f"({result.checked} events and {result.checkpoints} checkpoints verified)."
            )
        if not result.ok and result.first_broken_seq is None:
            raise CommandError(
                f"Audit checkpoints FORGED: {result.reason} "
                f"({result.checked} events and {result.checkpoints} checkpoints verified)."
            )
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at seq {result.first_broken_seq}: {result.reason} "
                f"({result.checked} events verified before it)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} events verified, "
                f"{result.checkpoints} signed checkpoints matched."
            )
        )
