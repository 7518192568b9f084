from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints


class Command(BaseCommand):
    help = (
        "Sign the audit chain head now (HMAC with AUDIT_CHECKPOINT_KEY), store the checkpoint and "
        "export it to AUDIT_CHECKPOINT_FILE / AUDIT_CHECKPOINT_URL; exit non-zero if it cannot."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoints.write_checkpoint()
        except checkpoints.CheckpointError as exc:
            raise CommandError(f"No audit checkpoint: {exc}.") from exc
        if checkpoint is None:
            self.stdout.write("Nothing new to sign: the chain head has not moved since the last checkpoint.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint at seq {checkpoint.seq} (hash {checkpoint.hash[:16]}…) signed at {checkpoint.created_at}."
            )
        )
