import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

import audit
from audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from audit.verify import verify_chain
from tests.support.tamper import tamper


def _write_events(n: int) -> list[AuditEvent]:
    return [audit.record("tests.thing.happen", actor=None, data={"n": i, "note": "café ✓"}) for i in range(n)]


@pytest.mark.django_db
class TestRecord:
    def test_events_link_into_a_chain(self):
        first, second = _write_events(2)
        assert (first.seq, second.seq) == (1, 2)
        assert first.prev_hash == GENESIS_HASH
        assert second.prev_hash == first.hash
        head = AuditChainHead.objects.get()
        assert (head.seq, head.hash) == (2, second.hash)

    def test_records_actor_snapshot_target_and_request_context(self, django_user_model):
        from audit import context

        user = django_user_model.objects.create_user("erin", password="x-long-password-1")
        token = context.set_current(context.RequestContext(request_id="req-12345678", ip="10.1.2.3"))
        try:
            event = audit.record("tests.user.poke", actor=user, target=user, channel_id=7, data={"before": 1})
        finally:
            context.reset(token)
        event = AuditEvent.objects.get(seq=event.seq)
        assert event.actor_id == user.pk and event.actor_label == "erin"
        assert (event.target_type, event.target_id, event.channel_id) == ("accounts.user", str(user.pk), 7)
        assert (event.request_id, event.ip) == ("req-12345678", "10.1.2.3")
        assert event.data == {"before": 1}

    def test_rolls_back_with_the_acting_transaction(self):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                audit.record("tests.thing.happen", actor=None)
                raise RuntimeError("the action failed")
        assert AuditEvent.objects.count() == 0
        assert AuditChainHead.objects.get().seq == 0


@pytest.mark.django_db
class TestVerify:
    def test_intact_chain(self):
        _write_events(5)
        result = verify_chain()
        assert result.ok and result.checked == 5 and result.first_broken_seq is None
        call_command("verify_audit")  # does not raise

    def test_empty_chain_is_intact(self):
        assert verify_chain().ok

    def test_altered_row(self):
        _write_events(5)
        tamper("UPDATE audit_auditevent SET action = 'tests.thing.hidden' WHERE seq = 3")
        result = verify_chain()
        assert not result.ok and result.first_broken_seq == 3
        with pytest.raises(CommandError, match="seq 3"):
            call_command("verify_audit")

    def test_altered_data(self):
        _write_events(5)
        event = AuditEvent.objects.get(seq=4)
        tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 4", ['{"n": 99}'])
        assert event.data != {"n": 99}
        assert verify_chain().first_broken_seq == 4

    def test_removed_row(self):
        _write_events(5)
        tamper("DELETE FROM audit_auditevent WHERE seq = 2")
        result = verify_chain()
        assert not result.ok and result.first_broken_seq == 2 and result.checked == 1

    def test_reordered_rows(self):
        _write_events(5)
        # Swap the content of events 2 and 4 by renumbering them.
        tamper("UPDATE audit_auditevent SET seq = -2 WHERE seq = 2")
        tamper("UPDATE audit_auditevent SET seq = 2 WHERE seq = 4")
        tamper("UPDATE audit_auditevent SET seq = 4 WHERE seq = -2")
        assert verify_chain().first_broken_seq == 2

    def test_rehashed_row_still_breaks_the_next_link(self):
        """Recomputing the altered row's own hash does not help: the next row points at the old one."""
        from audit.chain import HASHED_FIELDS, event_hash

        _write_events(4)
        event = AuditEvent.objects.get(seq=2)
        event.action = "tests.thing.hidden"
        new_hash = event_hash(event.prev_hash, tuple(getattr(event, f) for f in HASHED_FIELDS))
        tamper("UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = 2", [event.action, new_hash])
        assert verify_chain().first_broken_seq == 3

    def test_truncated_tail(self):
        _write_events(5)
        tamper("DELETE FROM audit_auditevent WHERE seq >= 4")
        result = verify_chain()
        assert not result.ok and result.first_broken_seq == 4 and result.checked == 3


@pytest.mark.postgres
@pytest.mark.django_db
class TestAppendOnlyOnPostgres:
    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE audit_auditevent SET action = 'x' WHERE seq = 1",
            "DELETE FROM audit_auditevent WHERE seq = 1",
            "TRUNCATE audit_auditevent",
        ],
    )
    def test_trigger_rejects(self, sql):
        _write_events(1)
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        assert AuditEvent.objects.filter(seq=1).exists()

    def test_orm_update_is_rejected_too(self):
        _write_events(1)
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(seq=1).update(action="tests.rewritten")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    threads_n, per_thread = 8, 25
    barrier = threading.Barrier(threads_n)
    errors = []

    def writer(i):
        try:
            barrier.wait()
            for j in range(per_thread):
                with transaction.atomic():
                    audit.record("tests.thing.race", actor=None, data={"thread": i, "j": j})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = verify_chain()
    assert result.ok, result.reason
    assert result.checked == threads_n * per_thread
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, threads_n * per_thread + 1))


@pytest.mark.postgres
@pytest.mark.django_db
def test_fast_postgres_reader_agrees_with_the_orm(django_user_model):
    """verify_chain reads PostgreSQL raw; it must see exactly what the ORM sees."""
    from audit import context
    from audit.chain import _hash_fields, _orm_rows, _postgres_rows

    user = django_user_model.objects.create_user("zoë", password="a-long-password-1")
    for ip in ("192.0.2.7", "2001:DB8::0:1", None):
        token = context.set_current(context.RequestContext(request_id="r-abcdefgh", ip=ip))
        try:
            audit.record(
                "tests.thing.happen",
                actor=user,
                target=user,
                channel_id=3,
                data={"b": [1, 2.5, None, True], "a": {"z": 'naïve "quoted" \n line', "y": 10**12}, "emoji": "🙂"},
            )
        finally:
            context.reset(token)
    orm, raw = list(_orm_rows(100)), list(_postgres_rows(100))
    assert len(orm) == len(raw) == 3
    for (orm_fields, orm_prev, _, orm_version), (raw_fields, raw_prev, raw_hash, raw_version) in zip(orm, raw):
        assert _hash_fields(orm_prev, orm_fields) == _hash_fields(raw_prev, raw_fields) == raw_hash
        assert orm_fields == raw_fields and orm_version == raw_version == 2
    assert verify_chain().ok
