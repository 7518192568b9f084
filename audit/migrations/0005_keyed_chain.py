"""Key the hash chain: every new event is hashed with HMAC-SHA256 and AUDIT_CHAIN_KEY.

The events already written keep their unkeyed SHA-256 hash (`chain_version` 1): re-hashing
them would rewrite the log and void every exported checkpoint of it. Instead, when the log is
not empty, one keyed event (`audit.chain.keyed`) is appended after the chain head: its keyed
hash covers the head's hash and so the whole unkeyed prefix, and from it on the walk accepts
keyed events only (audit.chain). An unkeyed event after it, or in a log without any keyed
event, is a forgery.

Run with the production AUDIT_CHAIN_KEY in the environment (settings refuse to start
without it when DEBUG is off). A log whose events do not end at the chain head (an event
past the head, say) makes this migration fail: verify and repair the log first.
"""

from django.db import migrations, models
from django.utils import timezone

UNKEYED, KEYED = 1, 2


def mark_the_keyed_chain(apps, schema_editor):
    from audit.chain import HASHED_FIELDS, event_hash, json_safe

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    db = schema_editor.connection.alias
    head = AuditChainHead.objects.using(db).select_for_update().filter(pk=1).first()
    if head is None or head.seq == 0:
        return  # an empty log: every event will be keyed
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=timezone.now(),
        actor_id=None,
        actor_label="system",
        action="audit.chain.keyed",
        target_type="",
        target_id="",
        channel_id=None,
        data=json_safe({"unkeyed_through": head.seq}),
        request_id="",
        ip=None,
        prev_hash=head.hash,
        chain_version=KEYED,
    )
    event.hash = event_hash(head.hash, tuple(getattr(event, name) for name in HASHED_FIELDS))
    event.save(using=db, force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(using=db, update_fields=["seq", "hash"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_actor_label_index")]

    operations = [
        # Existing rows: unkeyed.
        migrations.AddField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(default=UNKEYED),
            preserve_default=False,
        ),
        # Every row from now on: keyed, also when inserted without naming the column.
        migrations.AlterField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(db_default=KEYED, default=KEYED),
        ),
        migrations.RunPython(mark_the_keyed_chain, migrations.RunPython.noop),
    ]
