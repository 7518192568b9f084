"""`verify_audit --workers N`: the log walked in ranges by forked processes gives the answer of
the single walk, intact or tampered with (each range reads committed events on its own
connection, hence a transactional test database)."""

import pytest
from django.db import connection

from audit import chain
from audit.models import AuditChainHead, AuditEvent
from audit.verify import verify_chain
from tests.audit.test_tamper import run_verify_audit, tamper, write_events

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EVENTS = 60


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch):
    monkeypatch.setattr(chain, "MIN_RANGE", 5)  # 60 events in 3 ranges of 20: 1-20, 21-40, 41-
    write_events(EVENTS)


def both() -> tuple:
    single, parallel = verify_chain(), verify_chain(workers=3)
    assert (parallel.ok, parallel.first_broken_seq) == (single.ok, single.first_broken_seq), (single, parallel)
    return parallel


def test_an_intact_log_is_verified_in_ranges():
    result = both()
    assert result.ok and result.checked == EVENTS


@pytest.mark.parametrize("seq", [3, 20, 21, 33, 41, 60])
def test_an_altered_event_in_any_range(seq):
    tamper("UPDATE audit_auditevent SET data = '{\"n\": 999}' WHERE seq = %s", [seq])
    result = both()
    assert not result.ok and result.first_broken_seq == seq


@pytest.mark.parametrize("seq", [7, 20, 21, 35, 40, 52])
def test_a_deleted_event_in_any_range_or_at_a_boundary(seq):
    tamper("DELETE FROM audit_auditevent WHERE seq = %s", [seq])
    result = both()
    assert not result.ok and result.first_broken_seq == seq


def test_a_rehashed_event_breaks_the_link_into_the_next_range():
    """Event 40 (the last of the second range) rewritten with a correct hash of its own: only the
    first event of the third range, which must follow the old hash, shows it."""
    from audit.chain import HASHED_FIELDS, event_hash

    event = AuditEvent.objects.get(seq=40)
    event.action = "tests.thing.hidden"
    new_hash = event_hash(event.prev_hash, tuple(getattr(event, f) for f in HASHED_FIELDS))
    tamper("UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = 40", [event.action, new_hash])
    result = both()
    assert not result.ok and result.first_broken_seq == 41


def test_a_truncated_tail_against_the_chain_head():
    tamper("DELETE FROM audit_auditevent WHERE seq > 50")
    result = both()
    assert not result.ok and result.first_broken_seq == 51


def test_the_command_takes_workers():
    code, output = run_verify_audit("--workers", "3")
    assert code == 0 and f"{EVENTS} events verified" in output
    tamper("UPDATE audit_auditevent SET data = '{\"n\": 999}' WHERE seq = 27")
    code, output = run_verify_audit("--workers", "3")
    assert code != 0 and "BROKEN at seq 27" in output
    assert connection.is_usable()  # the forked processes left this connection alone
    assert AuditChainHead.objects.get().seq == EVENTS
