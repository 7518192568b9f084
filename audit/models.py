from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64
CHAIN_HEAD_ID = 1
# How an event's hash is made (audit.chain): SHA-256 before the chain was keyed, HMAC-SHA256
# with AUDIT_CHAIN_KEY since.
UNKEYED, KEYED = 1, 2


class AuditEvent(models.Model):
    """One thing that happened, append-only and hash-chained.

    `hash = HMAC-SHA256(AUDIT_CHAIN_KEY, prefix ‖ prev_hash ‖ canonical JSON of the event)`
    (see `audit.chain`), so altering, removing, reordering or adding a row breaks the chain
    from that row on, and nobody without the key can make a row that fits. Rows are written
    only by `audit.record()`; on PostgreSQL a trigger rejects UPDATE, DELETE and TRUNCATE on
    this table, and the app's database role may only INSERT and SELECT it (audit.db_roles).
    """

    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    # No database constraint: deleting a user must not touch (or be blocked by) the
    # immutable log. The label is a snapshot of who it was at the time.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=100, help_text="Namespaced, e.g. approvals.post.approve")
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    # The channel the event concerns, for scoping and filtering; a plain id because the
    # audit app sits below governance.
    channel_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # UNKEYED for the events written before the chain was keyed, KEYED for every later one.
    chain_version = models.PositiveSmallIntegerField(default=KEYED, db_default=KEYED)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            # The actor filter matches the username recorded with the event (it outlives renames).
            models.Index(fields=["actor_label", "seq"], name="audit_actor_label_seq"),
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_seq"),
            models.Index(fields=["channel_id", "seq"], name="audit_channel_seq"),
            models.Index(fields=["occurred_at"], name="audit_occurred_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label}"


class AuditChainHead(models.Model):
    """The single row holding the last `seq` and `hash` of the chain.

    Every writer locks this row (SELECT … FOR UPDATE) before appending, so concurrent
    transactions append one after the other and the chain never forks. Comparing it with
    the last event also reveals a truncated tail.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=CHAIN_HEAD_ID)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=CHAIN_HEAD_ID), name="audit_single_chain_head")]

    def __str__(self) -> str:
        return f"head at #{self.seq}"


class AuditCheckpoint(models.Model):
    """A signed snapshot of the chain head: `signature = HMAC-SHA256(key, seq|hash|created_at)`.

    Written every few minutes by `audit.checkpoints.write_checkpoint` and also exported
    outside the database (a JSON-lines file, a URL). Deleting events and rewinding the
    chain head to match leaves a consistent-looking log; a checkpoint signed with a key the
    database does not hold still names the seq and hash the chain once reached. On
    PostgreSQL a trigger makes this table append-only, like the events.
    """

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq", "-id"]
        indexes = [models.Index(fields=["seq"], name="audit_checkpoint_seq")]

    def __str__(self) -> str:
        return f"checkpoint at #{self.seq}"
