"""Finding 4: a forger who can write the database appends audit events.

The forger holds no key: they compute what anyone can, the SHA-256 of the previous hash and
the event's canonical JSON (the chain's format before it was keyed), and write the row in SQL,
with or without moving the chain head. `verify_audit`, the API and the page must each name the
forged event's seq. A tail cut together with the stored checkpoints must show in the API and
the page when the exported copy is configured; one forged checkpoint row is reported once and
does not keep every later verification failing.
"""

import hashlib
import hmac
import json

import orjson
import pytest
from django.db import connection

from audit import checkpoints
from audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from tests.audit.test_tamper import (
    VERIFY_URL,
    compliance_api,  # noqa: F401 - the fixture
    rewind_head_to,
    run_verify_audit,
    write_events,
)
from tests.support.tamper import tamper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# The fields the chain covers, in its canonical JSON (audit/chain.py before and after the key).
FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "channel_id",
    "data",
    "request_id",
    "ip",
)
CHECKPOINT_KEY = "a-checkpoint-key-for-the-forgery-tests-0123456789"


def sha256_hash(prev_hash: str, fields: dict) -> str:
    """What a forger can compute without any key."""
    return hashlib.sha256(prev_hash.encode() + orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


def has_column(name: str) -> bool:
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "audit_auditevent")
    return any(column.name == name for column in columns)


def append_forged_approval(*, move_head: bool, claim_unkeyed: bool) -> int:
    """Insert a correctly SHA-256-hashed "carol approved post 1" after the last event; return its seq."""
    last = AuditEvent.objects.order_by("-seq").first()
    seq = last.seq + 1
    occurred_at = last.occurred_at.isoformat(timespec="microseconds")
    fields = {
        "seq": seq,
        "occurred_at": occurred_at,
        "actor_id": None,
        "actor_label": "carol",
        "action": "approvals.post.approve",
        "target_type": "approvals.post",
        "target_id": "1",
        "channel_id": None,
        "data": {"comment": "Approved."},
        "request_id": "",
        "ip": None,
    }
    forged_hash = sha256_hash(last.hash, fields)
    columns = [*FIELDS, "prev_hash", "hash"]
    values = [json.dumps(fields[name]) if name == "data" else fields[name] for name in FIELDS]
    values += [last.hash, forged_hash]
    if claim_unkeyed and has_column("chain_version"):
        columns.append("chain_version")
        values.append(1)
    tamper(
        f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(values))})",  # noqa: S608
        values,
    )
    if move_head:
        rewind_head_to(seq)
    return seq


def verify_page(client) -> str:
    page = client.post("/audit/verify/", headers={"HX-Request": "true"})
    assert page.status_code == 200
    return page.content.decode()


@pytest.fixture
def officer_page(client, django_user_model, compliance_api):  # noqa: F811 - the fixture
    client.force_login(django_user_model.objects.get(username="cora"))
    return client


@pytest.mark.parametrize("move_head", [False, True], ids=["head-left", "head-moved"])
@pytest.mark.parametrize("claim_unkeyed", [True, False], ids=["labelled-unkeyed", "unlabelled"])
def test_an_appended_forged_event_is_named_everywhere(compliance_api, officer_page, move_head, claim_unkeyed):  # noqa: F811
    write_events(5)
    seq = append_forged_approval(move_head=move_head, claim_unkeyed=claim_unkeyed)
    assert AuditEvent.objects.filter(seq=seq, action="approvals.post.approve").exists()

    code, output = run_verify_audit()
    assert code == 1 and f"Audit chain BROKEN at seq {seq}:" in output, output
    body = compliance_api.get(VERIFY_URL).json()
    assert (body["ok"], body["first_broken_seq"]) == (False, seq), body
    html = verify_page(officer_page)
    assert f'data-first-broken="{seq}"' in html and f"broken at event #{seq}" in html
    # Still named after the verifications above tried to record themselves.
    assert compliance_api.get(VERIFY_URL).json()["first_broken_seq"] == seq


def test_the_api_and_the_page_read_the_exported_checkpoints(
    settings,
    tmp_path,
    compliance_api,  # noqa: F811
    officer_page,
):
    """Cut the tail, rewind the head, delete the stored checkpoints: the exported file (configured,
    not given on a command line) still shows the cut to the API and the page."""
    settings.AUDIT_CHECKPOINTS, settings.AUDIT_CHECKPOINT_KEY = True, CHECKPOINT_KEY
    settings.AUDIT_CHECKPOINT_FILE, settings.AUDIT_CHECKPOINT_URL = str(tmp_path / "checkpoints.jsonl"), ""
    events = write_events(8)
    checkpoints.write_checkpoint()
    cut_from = events[5].seq
    tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [cut_from])
    rewind_head_to(cut_from - 1)
    tamper("DELETE FROM audit_auditcheckpoint")

    body = compliance_api.get(VERIFY_URL).json()
    assert (body["ok"], body["first_broken_seq"], body["checkpoints"]) == (False, cut_from, 1), body
    # The API's verification was recorded where the cut began: the page sees the log end one later,
    # still short of the checkpoint.
    html = verify_page(officer_page)
    assert 'data-ok="false"' in html and f'data-first-broken="{cut_from + 1}"' in html
    assert f"is at #{events[-1].seq} but the log ends at #{cut_from}" in html
    code, output = run_verify_audit()
    assert code == 1 and "the checkpoint signed at" in output


def test_a_forged_checkpoint_is_reported_once_and_later_checkpoints_keep_working(
    settings,
    tmp_path,
    compliance_api,  # noqa: F811
    officer_page,
):
    settings.AUDIT_CHECKPOINTS, settings.AUDIT_CHECKPOINT_KEY = True, CHECKPOINT_KEY
    settings.AUDIT_CHECKPOINT_FILE, settings.AUDIT_CHECKPOINT_URL = str(tmp_path / "checkpoints.jsonl"), ""
    write_events(3)
    checkpoints.write_checkpoint()
    head = AuditChainHead.objects.get()
    created_at = "2030-01-01T00:00:00.000000+00:00"
    guessed = hmac.new(b"a guessed key", f"{head.seq + 50}:{'a' * 64}".encode(), hashlib.sha256).hexdigest()
    tamper(
        "INSERT INTO audit_auditcheckpoint (seq, hash, created_at, signature) VALUES (%s, %s, %s, %s)",
        [head.seq + 50, "a" * 64, created_at, guessed],
    )

    first = compliance_api.get(VERIFY_URL).json()
    assert (first["ok"], first["first_broken_seq"], first["forged_checkpoints"]) == (False, None, 1), first
    assert f"the checkpoint at #{head.seq + 50}" in first["reason"]
    # Named once: the page, the API and the command do not fail on it again...
    html = verify_page(officer_page)
    assert 'data-ok="true"' in html, html
    again = compliance_api.get(VERIFY_URL).json()
    assert (again["ok"], again["forged_checkpoints"]) == (True, 0), again
    assert run_verify_audit()[0] == 0
    # ...the log says who was told...
    (reported,) = AuditEvent.objects.filter(action="audit.log.verified", data__has_key="forged_checkpoints")
    assert reported.actor_label == "cora"
    assert f"#{head.seq + 50}" in reported.data["forged_checkpoints"][0]["description"]
    # ...later checkpoints are signed and checked as before...
    write_events(2)
    later = checkpoints.write_checkpoint()
    assert later is not None and later.seq == AuditChainHead.objects.get().seq
    assert compliance_api.get(VERIFY_URL).json()["checkpoints"] >= 2
    # ...and a second forged row is a new finding.
    tamper(
        "INSERT INTO audit_auditcheckpoint (seq, hash, created_at, signature) VALUES (%s, %s, %s, %s)",
        [head.seq + 60, "b" * 64, created_at, guessed],
    )
    assert compliance_api.get(VERIFY_URL).json()["forged_checkpoints"] == 1
    assert AuditCheckpoint.objects.count() == 4


# --- the chain key is required in production ------------------------------------------------


def _settings_in_a_fresh_process(**environment):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUDIT_CHAIN", "DEBUG", "DJANGO_"))}
    env.update(SECRET_KEY="a-production-secret-key-for-this-test-0123456789", **environment)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", "import config.settings"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.django_db(transaction=False)
def test_production_refuses_to_start_without_a_chain_key():
    assert "AUDIT_CHAIN_KEY is missing" in _settings_in_a_fresh_process(DEBUG="false").stderr
    assert "AUDIT_CHAIN_KEY is missing" in _settings_in_a_fresh_process(DEBUG="false", AUDIT_CHAIN_KEY="short").stderr
    assert _settings_in_a_fresh_process(DEBUG="false", AUDIT_CHAIN_KEY="k" * 40).returncode == 0
    assert _settings_in_a_fresh_process(DEBUG="true").returncode == 0  # a key derived from SECRET_KEY


@pytest.mark.django_db(transaction=False)
def test_check_deploy_refuses_a_missing_or_shared_chain_key(settings):
    from audit.checks import chain_key_settings

    settings.AUDIT_CHAIN_KEY = ""
    assert [m.id for m in chain_key_settings(None)] == ["audit.E001"]
    settings.AUDIT_CHAIN_KEY = settings.AUDIT_CHECKPOINT_KEY = "the-same-key-for-both-0123456789abcdef"
    assert [m.id for m in chain_key_settings(None)] == ["audit.E002"]
    settings.AUDIT_CHAIN_KEY = "a-key-of-its-own-0123456789abcdefghijkl"
    assert chain_key_settings(None) == []
