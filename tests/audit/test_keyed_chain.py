"""The keyed chain and the events written before it (chain_version 1, unkeyed SHA-256):
migration 0005's keyed event after them, and what the walk accepts around it."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

import audit
from audit.chain import HASHED_FIELDS, unkeyed_event_hash
from audit.models import AuditChainHead, AuditEvent
from audit.verify import verify_chain
from tests.audit.test_tamper import rewind_head_to, write_events
from tests.support.tamper import tamper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

mark_the_keyed_chain = importlib.import_module("audit.migrations.0005_keyed_chain").mark_the_keyed_chain


def make_unkeyed(events) -> None:
    """What a log written before the chain was keyed looks like: SHA-256 hashes, version 1."""
    prev_hash = "0" * 64
    for event in AuditEvent.objects.order_by("seq"):
        new_hash = unkeyed_event_hash(prev_hash, tuple(getattr(event, f) for f in HASHED_FIELDS))
        tamper(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s, chain_version = 1 WHERE seq = %s",
            [prev_hash, new_hash, event.seq],
        )
        prev_hash = new_hash
    rewind_head_to(AuditEvent.objects.order_by("-seq").first().seq)


def test_new_events_are_keyed():
    (event,) = write_events(1)
    assert AuditEvent.objects.get(seq=event.seq).chain_version == 2
    assert verify_chain().ok


def test_an_unkeyed_log_without_the_keyed_event_is_refused():
    events = write_events(3)
    make_unkeyed(events)
    result = verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, 1)
    assert "not keyed" in result.reason


def test_the_migration_keys_an_existing_log_and_forgeries_after_it_are_refused():
    write_events(3)
    make_unkeyed(None)
    head = AuditChainHead.objects.get()
    mark_the_keyed_chain(apps, SimpleNamespace(connection=connection))
    marker = AuditEvent.objects.get(seq=head.seq + 1)
    assert (marker.action, marker.chain_version, marker.data) == ("audit.chain.keyed", 2, {"unkeyed_through": head.seq})
    assert verify_chain().ok
    audit.record("tests.thing.happen", actor=None)
    assert verify_chain().ok
    # An unkeyed event after the keyed one, correctly hashed and with the head moved: forged.
    last = AuditEvent.objects.order_by("-seq").first()
    tamper(
        "UPDATE audit_auditevent SET chain_version = 1, hash = %s WHERE seq = %s",
        [
            unkeyed_event_hash(last.prev_hash, tuple(getattr(last, f) for f in HASHED_FIELDS)),
            last.seq,
        ],
    )
    rewind_head_to(last.seq)
    result = verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, last.seq) and "not keyed" in result.reason


def test_an_empty_log_gets_no_keyed_event():
    if AuditEvent.objects.exists():
        pytest.skip("the setup recorded events")
    mark_the_keyed_chain(apps, SimpleNamespace(connection=connection))
    assert not AuditEvent.objects.exists()
