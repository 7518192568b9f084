import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from approvals.models import Post, Revision
from governance.models import Channel

# Idempotency keys are name-based UUIDs of (post, revision) in this namespace: the same
# approved content of the same post always travels under the same key.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f")


class ConnectorKind(models.TextChoices):
    WEBHOOK = "webhook", "Webhook (signed JSON POST)"
    MASTODON = "mastodon", "Mastodon"
    FEED = "feed", "RSS and Atom feed"
    EMAIL = "email", "E-mail newsletter"
    MANUAL = "manual", "Manual (a publisher pastes the live address)"


class ChannelConnector(models.Model):
    """How a channel's posts are delivered. `settings` holds what is not secret (addresses,
    visibility, list of recipients…); `secret_token` holds the credential (a bearer token, an
    HMAC key) encrypted with the key from the environment (`publishing.credentials`).
    A channel without a connector row is delivered by the default for its platform."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="connector")
    kind = models.CharField(max_length=20, choices=ConnectorKind.choices)
    settings = models.JSONField(default=dict, blank=True)
    secret_token = models.TextField(blank=True, help_text="Encrypted at rest; never shown")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.channel_id}"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for its time"
    DISPATCHED = "dispatched", "Handed to a worker"
    AWAITING_URL = "awaiting_url", "Waiting for a publisher to paste the live address"
    DONE = "done", "Delivered"
    FAILED = "failed", "Failed (permanent error)"
    CANCELLED = "cancelled", "Cancelled (held, edited or withdrawn)"


class PublishJob(models.Model):
    """The outbox: one row per post and revision, written in the same transaction that makes
    the post due (approved for a time, scheduled, published now, retried, released).

    The beat task hands due rows to workers; a worker delivers one under a row lock held
    through the platform call, so that two deliveries of the same job never both send, and
    a worker killed mid-way leaves the row as it was for the next attempt (which repeats the
    call under the same idempotency key)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="publish_jobs")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    connector = models.CharField(max_length=20, choices=ConnectorKind.choices)
    idempotency_key = models.CharField(max_length=64, unique=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=1000, blank=True)
    remote_id = models.CharField(max_length=200, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the content sent")
    # Who marked the post published by hand (a publisher pasting the live address): then
    # nothing was sent by a connector and `payload_hash` stays empty.
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "revision"], name="one_job_per_post_revision")]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(status="pending"), name="publish_job_due"),
            models.Index(fields=["dispatched_at"], condition=Q(status="dispatched"), name="publish_job_in_flight"),
        ]

    def __str__(self) -> str:
        return f"Job #{self.pk} for post #{self.post_id} ({self.status})"

    @staticmethod
    def key_for(post_id: int, revision_id: int) -> str:
        return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"post:{post_id}:revision:{revision_id}"))
