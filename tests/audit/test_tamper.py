"""Tampering with the audit log in SQL, as someone with write access to the database would,
and what `manage.py verify_audit`, the API and the page then report: each case names the
exact first broken `seq`."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

import audit
from accounts import roles
from audit.chain import HASHED_FIELDS, event_hash
from audit.models import AuditChainHead, AuditEvent
from audit.verify import verify_chain
from tests.support.tamper import tamper

VERIFY_URL = "/api/v1/audit-events/verify/"


def run_verify_audit(*args) -> tuple[int, str]:
    """`manage.py verify_audit` in-process: (exit code, everything it printed)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        # What BaseCommand.run_from_argv does with it: print it, exit with its return code.
        return exc.returncode, f"{out.getvalue()}{err.getvalue()}CommandError: {exc}\n"
    return 0, out.getvalue() + err.getvalue()


def write_events(n: int) -> list[AuditEvent]:
    return [audit.record("tests.thing.happen", actor=None, data={"n": i, "note": "café ✓"}) for i in range(n)]


def forged_row_sql() -> str:
    columns = ", ".join((*HASHED_FIELDS, "prev_hash", "hash"))
    placeholders = ", ".join(["%s"] * (len(HASHED_FIELDS) + 2))
    return f"INSERT INTO audit_auditevent ({columns}) VALUES ({placeholders})"  # noqa: S608


def shift_tail_up(from_seq: int) -> None:
    """Make room at `from_seq` by renumbering it and every later event one up (the primary key
    forbids a direct seq = seq + 1, so through negative numbers)."""
    tamper("UPDATE audit_auditevent SET seq = -(seq + 1) WHERE seq >= %s", [from_seq])
    tamper("UPDATE audit_auditevent SET seq = -seq WHERE seq < 0")


def insert_forged(seq: int, *, rehash: bool) -> None:
    """Insert a made-up event at `seq`, linked to the event before it; its hash recomputed or not."""
    prev_hash = AuditEvent.objects.get(seq=seq - 1).hash
    forged = AuditEvent(
        seq=seq,
        occurred_at=AuditEvent.objects.get(seq=seq - 1).occurred_at,
        actor_id=None,
        actor_label="system",
        action="approvals.post.approve",
        target_type="approvals.post",
        target_id="1",
        channel_id=None,
        data={"comment": "approved, honest"},
        request_id="",
        ip=None,
    )
    values = tuple(getattr(forged, f) for f in HASHED_FIELDS)
    new_hash = event_hash(prev_hash, values) if rehash else "f" * 64
    row = [*values[:8], '{"comment": "approved, honest"}', *values[9:], prev_hash, new_hash]
    tamper(forged_row_sql(), row)


def rewind_head_to(seq: int) -> None:
    last_hash = AuditEvent.objects.get(seq=seq).hash
    tamper("UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE id = 1", [seq, last_hash])


@pytest.fixture
def compliance_api(db, django_user_model):
    officer = django_user_model.objects.create_user("cora", password="a-long-password-9")
    officer.groups.add(Group.objects.get_or_create(name=roles.COMPLIANCE_OFFICER)[0])
    client = APIClient()
    client.force_authenticate(officer)
    return client


@pytest.fixture
def log(compliance_api):
    """Ten events after whatever the setup recorded; returns the seq of the first of them."""
    events = write_events(10)
    return events[0].seq


def assert_broken_at(api, seq: int, *args, reason: str = "") -> None:
    code, output = run_verify_audit(*args)
    assert code == 1, output
    assert f"Audit chain BROKEN at seq {seq}:" in output
    assert reason in output
    body = api.get(VERIFY_URL).json()
    assert (body["ok"], body["first_broken_seq"]) == (False, seq), body
    assert reason in body["reason"]


@pytest.mark.postgres
@pytest.mark.django_db
class TestTamperIsReported:
    def test_intact_log_passes_everywhere(self, compliance_api, log):
        code, output = run_verify_audit()
        head = AuditChainHead.objects.get().seq
        assert code == 0 and f"Audit chain intact: {head} events verified" in output
        assert compliance_api.get(VERIFY_URL).json() == {
            "ok": True,
            "checked": head,
            "first_broken_seq": None,
            "reason": "",
            "checkpoints": 0,
            "forged_checkpoints": 0,
        }

    def test_altered_field(self, compliance_api, log):
        tamper("UPDATE audit_auditevent SET actor_label = 'nobody' WHERE seq = %s", [log + 4])
        assert_broken_at(compliance_api, log + 4, reason="content altered")

    def test_altered_hash_only(self, compliance_api, log):
        tamper("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", ["e" * 64, log + 2])
        assert_broken_at(compliance_api, log + 2, reason="does not match its hash")

    def test_deleted_row(self, compliance_api, log):
        tamper("DELETE FROM audit_auditevent WHERE seq = %s", [log + 3])
        assert_broken_at(compliance_api, log + 3, reason="missing")

    def test_forged_row_inserted_in_the_middle(self, compliance_api, log):
        shift_tail_up(log + 5)
        insert_forged(log + 5, rehash=False)
        assert AuditEvent.objects.filter(seq=log + 5, action="approvals.post.approve").exists()
        assert_broken_at(compliance_api, log + 5, reason="content altered")

    def test_forged_row_with_a_recomputed_hash_breaks_the_next_link(self, compliance_api, log):
        shift_tail_up(log + 5)
        insert_forged(log + 5, rehash=True)
        # The forged row is self-consistent; the event it pushed aside still points past it.
        assert_broken_at(compliance_api, log + 6, reason="does not follow the hash of the event before it")

    def test_forged_row_inserted_with_head_moved_too(self, compliance_api, log):
        shift_tail_up(log + 5)
        insert_forged(log + 5, rehash=True)
        rewind_head_to(AuditEvent.objects.order_by("-seq").first().seq)
        assert_broken_at(compliance_api, log + 6)

    def test_reordered_rows(self, compliance_api, log):
        a, b = log + 2, log + 7
        tamper("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [a])
        tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a, b])
        tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [b])
        assert_broken_at(compliance_api, a)

    def test_truncated_tail(self, compliance_api, log):
        tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [log + 6])
        assert_broken_at(compliance_api, log + 6, reason="the chain head is at")
        assert verify_chain().checked == log + 5

    def test_truncated_tail_with_the_head_rewound_is_invisible_without_checkpoints(self, compliance_api, log):
        """The attack the chain head alone cannot catch: checkpoints exist for it (test_checkpoints)."""
        tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [log + 6])
        rewind_head_to(log + 5)
        code, output = run_verify_audit()
        assert code == 0 and "intact" in output
        assert compliance_api.get(VERIFY_URL).json()["ok"] is True

    def test_truncated_tail_with_the_head_rewound_is_caught_by_a_stored_checkpoint(self, settings, compliance_api, log):
        from audit import checkpoints

        settings.AUDIT_CHECKPOINTS, settings.AUDIT_CHECKPOINT_FILE, settings.AUDIT_CHECKPOINT_URL = True, "", ""
        checkpoints.write_checkpoint()
        tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [log + 6])
        rewind_head_to(log + 5)
        assert_broken_at(compliance_api, log + 6, reason=f"the log ends at #{log + 5}")
        assert compliance_api.get(VERIFY_URL).json()["checkpoints"] == 1

    def test_the_page_shows_the_first_broken_seq(self, compliance_api, log, client, django_user_model):
        client.force_login(django_user_model.objects.get(username="cora"))  # records its sign-in first
        tamper("UPDATE audit_auditevent SET data = %s WHERE seq = %s", ['{"n": 99}', log + 1])
        page = client.post("/audit/verify/", headers={"HX-Request": "true"})
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-ok="false"' in html and f'data-first-broken="{log + 1}"' in html
        assert f"broken at event #{log + 1}" in html
