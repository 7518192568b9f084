"""Signed checkpoints of the audit chain head: signing, storing, exporting (file, URL),
verifying (signatures, and the chain still holding each checkpoint's event), the task,
the command, and the settings that turn them on."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

import audit
from audit import checkpoints
from audit.chain import HASHED_FIELDS, event_hash, timestamp
from audit.checks import checkpoint_settings
from audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from audit.verify import verify_chain

from . import test_tamper
from .test_tamper import VERIFY_URL, rewind_head_to, run_verify_audit, tamper, write_events

compliance_api = test_tamper.compliance_api  # the fixture, shared

ROOT = Path(__file__).resolve().parents[2]
KEY = "a-checkpoint-key-for-these-tests-only-0123456789"


@pytest.fixture
def on(settings, tmp_path):
    """Checkpoints on, exported to a file in tmp_path; returns the file's path."""
    settings.AUDIT_CHECKPOINTS = True
    settings.AUDIT_CHECKPOINT_KEY = KEY
    settings.AUDIT_CHECKPOINT_PREVIOUS_KEYS = []
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.AUDIT_CHECKPOINT_URL = ""
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def file_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def expected_signature(seq: int, hash_: str, created_at: str, key: str = KEY) -> str:
    message = f"clearpost-audit-checkpoint:v1:{seq}:{hash_}:{created_at}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def cut_tail(from_seq: int) -> None:
    """The attack: delete the tail and rewind the chain head to the new last event."""
    tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [from_seq])
    rewind_head_to(from_seq - 1)


@pytest.mark.django_db
class TestWrite:
    def test_signs_stores_and_exports_the_head(self, on):
        events = write_events(3)
        checkpoint = checkpoints.write_checkpoint()
        head = AuditChainHead.objects.get()
        assert (checkpoint.seq, checkpoint.hash) == (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
        row = AuditCheckpoint.objects.get()
        assert (row.seq, row.hash, row.signature) == (head.seq, head.hash, checkpoint.signature)
        assert timestamp(row.created_at) == checkpoint.created_at
        assert checkpoint.signature == expected_signature(head.seq, head.hash, checkpoint.created_at)
        assert file_lines(on) == [
            {"seq": head.seq, "hash": head.hash, "created_at": checkpoint.created_at, "signature": checkpoint.signature}
        ]

    def test_nothing_new_writes_nothing(self, on):
        assert checkpoints.write_checkpoint() is None  # empty log
        write_events(2)
        assert checkpoints.write_checkpoint() is not None
        assert checkpoints.write_checkpoint() is None
        write_events(1)
        assert checkpoints.write_checkpoint().seq == AuditChainHead.objects.get().seq
        assert AuditCheckpoint.objects.count() == len(file_lines(on)) == 2

    def test_the_file_is_appended_to(self, on):
        on.write_text('{"kept": "what was there"}\n')
        write_events(1)
        checkpoints.write_checkpoint()
        assert on.read_text().splitlines()[0] == '{"kept": "what was there"}'
        assert len(on.read_text().splitlines()) == 2

    def test_refuses_to_sign_a_log_cut_since_the_last_checkpoint(self, on):
        events = write_events(6)
        checkpoints.write_checkpoint()
        cut_tail(events[3].seq)
        audit.record("tests.thing.after", actor=None)  # the log goes on from the rewound head
        with pytest.raises(checkpoints.CheckpointRefused, match=f"event #{events[-1].seq} is missing"):
            checkpoints.write_checkpoint()
        assert AuditCheckpoint.objects.count() == len(file_lines(on)) == 1

    def test_refuses_to_sign_a_rewritten_segment(self, on):
        events = write_events(4)
        checkpoints.write_checkpoint()
        more = write_events(3)
        tamper("UPDATE audit_auditevent SET action = 'tests.hidden' WHERE seq = %s", [more[1].seq])
        with pytest.raises(checkpoints.CheckpointRefused, match=f"event #{more[1].seq} does not match"):
            checkpoints.write_checkpoint()
        assert AuditCheckpoint.objects.get().seq == events[-1].seq

    def test_off_without_the_setting(self, on, settings):
        settings.AUDIT_CHECKPOINTS = False
        write_events(1)
        with pytest.raises(checkpoints.CheckpointError, match="off"):
            checkpoints.write_checkpoint()
        with pytest.raises(CommandError, match="No audit checkpoint"):
            call_command("audit_checkpoint")
        from audit.tasks import write_checkpoint

        assert write_checkpoint.apply().get() is None
        assert not AuditCheckpoint.objects.exists() and not on.exists()

    def test_command_and_task(self, on, capsys):
        from audit.tasks import write_checkpoint

        write_events(2)
        call_command("audit_checkpoint")
        head = AuditChainHead.objects.get()
        assert f"Checkpoint at seq {head.seq}" in capsys.readouterr().out
        call_command("audit_checkpoint")
        assert "Nothing new to sign" in capsys.readouterr().out
        write_events(1)
        assert write_checkpoint.apply().get() == head.seq + 1
        assert [line["seq"] for line in file_lines(on)] == [head.seq, head.seq + 1]

    def test_beat_runs_the_task_every_five_minutes_by_default(self):
        from config.celery import app

        entry = django_settings.CELERY_BEAT_SCHEDULE["audit-write-checkpoint"]
        assert entry["task"] == "audit.tasks.write_checkpoint"
        assert entry["task"] in app.tasks
        if "AUDIT_CHECKPOINT_EVERY_SECONDS" not in os.environ:
            assert entry["schedule"] == 300.0

    def test_export_failure_keeps_the_row_and_says_so(self, on, settings, tmp_path):
        settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "no-such-folder" / "checkpoints.jsonl")
        write_events(1)
        with pytest.raises(checkpoints.CheckpointExportError, match="stored but not exported"):
            checkpoints.write_checkpoint()
        with pytest.raises(CommandError, match="not exported"):
            write_events(1)
            call_command("audit_checkpoint")
        assert AuditCheckpoint.objects.count() == 2


class _Receiver(BaseHTTPRequestHandler):
    received: list
    status = 204

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(self.status)
        self.end_headers()

    def do_GET(self):  # noqa: N802 - an evidence store answers what it received, one JSON line each
        body = b"".join(received + b"\n" for _path, _type, received in self.received)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    """A local HTTP server recording what is POSTed to it. It listens on 127.0.0.1, which the
    outbound client refuses unless the checkpoint URL may be private: the fixture allows it."""
    settings.AUDIT_CHECKPOINT_URL_ALLOW_PRIVATE = True
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/checkpoints"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
class TestUrlExport:
    def test_posts_the_checkpoint(self, on, settings, receiver):
        handler, url = receiver
        settings.AUDIT_CHECKPOINT_URL = url
        write_events(2)
        checkpoint = checkpoints.write_checkpoint()
        ((path, content_type, body),) = handler.received
        assert (path, content_type) == ("/checkpoints", "application/json")
        assert orjson.loads(body) == checkpoint.payload() == file_lines(on)[0]
        assert checkpoint.signature == expected_signature(checkpoint.seq, checkpoint.hash, checkpoint.created_at)

    def test_a_failing_receiver_is_an_error_but_the_file_still_gets_it(self, on, settings, receiver):
        handler, url = receiver
        handler.status = 500
        settings.AUDIT_CHECKPOINT_URL = url
        write_events(1)
        with pytest.raises(checkpoints.CheckpointExportError, match="500"):
            checkpoints.write_checkpoint()
        assert len(handler.received) == 1 and len(file_lines(on)) == 1
        assert AuditCheckpoint.objects.count() == 1

    def test_verification_reads_the_checkpoints_back_from_the_store(self, on, settings, receiver):
        handler, url = receiver
        settings.AUDIT_CHECKPOINT_URL, settings.AUDIT_CHECKPOINT_FILE = url, ""
        events = write_events(6)
        checkpoints.write_checkpoint()
        cut_tail(events[3].seq)
        tamper("DELETE FROM audit_auditcheckpoint")
        assert verify_chain().ok  # nothing in the database shows the cut, and the store is not read
        settings.AUDIT_CHECKPOINT_READ_URL = url
        result = verify_chain()
        assert (result.ok, result.first_broken_seq, result.checkpoints) == (False, events[3].seq, 1)
        settings.AUDIT_CHECKPOINT_READ_URL = "http://127.0.0.1:9/checkpoints"  # nothing listens
        result = verify_chain()
        assert not result.ok and "cannot read the checkpoints at" in result.reason

    def test_only_http_urls(self, on, settings):
        settings.AUDIT_CHECKPOINT_URL = f"file://{on}"
        write_events(1)
        with pytest.raises(checkpoints.CheckpointExportError, match="only http"):
            checkpoints.write_checkpoint()


@pytest.mark.postgres
@pytest.mark.django_db
class TestVerify:
    def test_intact_log_matches_its_checkpoints(self, on, compliance_api):
        write_events(3)
        checkpoints.write_checkpoint()
        write_events(2)
        checkpoints.write_checkpoint()
        result = verify_chain(checkpoint_file=on)
        assert result.ok and (result.checkpoints, result.forged_checkpoints) == (2, 0)  # file and rows deduplicated
        code, output = run_verify_audit("--checkpoints", str(on))
        assert code == 0 and "2 signed checkpoints matched" in output
        assert compliance_api.get(VERIFY_URL).json()["checkpoints"] == 2

    def test_cut_tail_with_rewound_head_is_caught_by_the_stored_checkpoint(self, on, compliance_api):
        events = write_events(8)
        checkpoints.write_checkpoint()
        cut_tail(events[5].seq)
        first_missing = events[5].seq
        result = verify_chain()
        assert (result.ok, result.first_broken_seq, result.checked) == (False, first_missing, first_missing - 1)
        code, output = run_verify_audit()
        assert code == 1 and f"BROKEN at seq {first_missing}: the checkpoint signed at" in output
        body = compliance_api.get(VERIFY_URL).json()
        assert (body["ok"], body["first_broken_seq"]) == (False, first_missing)

    def test_cut_tail_with_checkpoint_rows_deleted_is_caught_by_the_file(self, on, compliance_api, settings):
        events = write_events(8)
        checkpoints.write_checkpoint()
        more = write_events(4)
        checkpoints.write_checkpoint()
        cut_tail(events[6].seq)
        tamper("DELETE FROM audit_auditcheckpoint")
        # Nothing left in the database shows it...
        settings.AUDIT_CHECKPOINT_FILE = ""
        assert run_verify_audit()[0] == 0
        # ...the exported copy does, at the first missing seq, for both checkpoints it holds:
        # given explicitly, or configured (then the API and the page read it too).
        code, output = run_verify_audit("--checkpoints", str(on))
        assert code == 1 and f"BROKEN at seq {events[6].seq}:" in output
        assert f"is at #{more[-1].seq} but the log ends at #{events[5].seq}" in output
        assert verify_chain(checkpoint_file=on).first_broken_seq == events[6].seq
        settings.AUDIT_CHECKPOINT_FILE = str(on)
        assert f"BROKEN at seq {events[6].seq}:" in run_verify_audit()[1]
        body = compliance_api.get(VERIFY_URL).json()
        assert (body["ok"], body["first_broken_seq"]) == (False, events[6].seq)

    def test_history_rewritten_and_rehashed_up_to_the_head(self, on):
        """Alter an event and recompute every hash after it and the head: the chain and the head
        agree again, the signed checkpoint does not."""
        events = write_events(6)
        checkpoints.write_checkpoint()
        target = events[2].seq
        tamper("UPDATE audit_auditevent SET action = 'tests.hidden' WHERE seq = %s", [target])
        prev_hash = AuditEvent.objects.get(seq=target - 1).hash
        for event in AuditEvent.objects.filter(seq__gte=target).order_by("seq"):
            new_hash = event_hash(prev_hash, tuple(getattr(event, f) for f in HASHED_FIELDS))
            tamper(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", [prev_hash, new_hash, event.seq]
            )
            prev_hash = new_hash
        rewind_head_to(events[-1].seq)
        assert verify_chain(stored_checkpoints=False, exported_checkpoints=False).ok  # the chain alone is consistent
        result = verify_chain()
        assert (result.ok, result.first_broken_seq) == (False, events[-1].seq)
        assert "is not the event the checkpoint signed at" in result.reason

    def test_forged_checkpoint_in_the_database(self, on, compliance_api, client, django_user_model):
        write_events(3)
        checkpoints.write_checkpoint()
        head = AuditChainHead.objects.get()
        created_at = "2030-01-01T00:00:00.000000+00:00"
        AuditCheckpoint.objects.create(
            seq=head.seq + 50,
            hash="a" * 64,
            created_at="2030-01-01T00:00:00Z",
            signature=expected_signature(head.seq + 50, "a" * 64, created_at, key="a guessed key"),
        )
        result = verify_chain()
        assert (result.ok, result.first_broken_seq, result.checkpoints, result.forged_checkpoints) == (
            False,
            None,
            1,
            1,
        )
        assert f"the checkpoint at #{head.seq + 50}" in result.reason and "invalid signature" in result.reason
        code, output = run_verify_audit()
        assert code == 1 and "Audit checkpoints FORGED" in output
        client.force_login(django_user_model.objects.get(username="cora"))
        html = client.post("/audit/verify/", headers={"HX-Request": "true"}).content.decode()
        assert 'data-ok="false"' in html and 'data-forged-checkpoints="1"' in html
        assert "A signed checkpoint does not verify." in html and "data-first-broken" not in html
        # Reported once (the page's verification recorded it), then left aside.
        body = compliance_api.get(VERIFY_URL).json()
        assert (body["ok"], body["first_broken_seq"], body["forged_checkpoints"]) == (True, None, 0)
        # The next checkpoint builds on the last genuine one, not on the forgery.
        (event,) = write_events(1)
        assert checkpoints.write_checkpoint().seq == event.seq

    def test_forged_and_unreadable_lines_in_the_file(self, on):
        write_events(2)
        checkpoint = checkpoints.write_checkpoint()
        with on.open("a") as file:
            forged = checkpoint.payload() | {"seq": checkpoint.seq + 9}  # signature no longer fits
            file.write(json.dumps(forged) + "\n")
            file.write("not json at all\n")
        result = verify_chain(checkpoint_file=on)
        assert (result.ok, result.first_broken_seq, result.forged_checkpoints) == (False, None, 2)
        assert "2 checkpoints do not verify" in result.reason

    def test_forged_checkpoint_and_a_broken_chain_report_both(self, on):
        events = write_events(4)
        checkpoints.write_checkpoint()
        with on.open("a") as file:
            file.write(json.dumps(checkpoints.Checkpoint(1, "b" * 64, "x", "0" * 64).payload()) + "\n")
        tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
        result = verify_chain(checkpoint_file=on)
        assert (result.ok, result.first_broken_seq, result.forged_checkpoints) == (False, events[1].seq, 1)
        assert "missing" in result.reason and "invalid signature" in result.reason

    def test_key_rotation_keeps_old_checkpoints_valid_when_listed(self, on, settings):
        write_events(2)
        checkpoints.write_checkpoint()
        settings.AUDIT_CHECKPOINT_KEY = "the-new-checkpoint-key-after-rotation-0123456789"
        assert verify_chain().forged_checkpoints == 1
        settings.AUDIT_CHECKPOINT_PREVIOUS_KEYS = [KEY]
        result = verify_chain()
        assert result.ok and result.checkpoints == 1

    def test_without_a_key_checkpoints_are_not_checked_and_a_file_is_refused(self, on, settings):
        events = write_events(5)
        checkpoints.write_checkpoint()
        cut_tail(events[3].seq)
        settings.AUDIT_CHECKPOINTS, settings.AUDIT_CHECKPOINT_KEY = False, ""
        code, output = run_verify_audit()
        assert code == 0 and "AUDIT_CHECKPOINT_KEY is not set: signed checkpoints are not checked" in output
        code, output = run_verify_audit("--checkpoints", str(on))
        assert code == 1 and "cannot be verified" in output

    def test_missing_file_is_an_error(self, on, tmp_path):
        code, output = run_verify_audit("--checkpoints", str(tmp_path / "nowhere.jsonl"))
        assert code == 1 and "cannot read the checkpoint file" in output

    def test_checkpoint_table_is_append_only(self, on):
        from django.db import DatabaseError, transaction

        write_events(1)
        checkpoints.write_checkpoint()
        for change in (
            lambda: AuditCheckpoint.objects.update(seq=99),
            lambda: AuditCheckpoint.objects.all().delete(),
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                change()
        assert AuditCheckpoint.objects.count() == 1


def _settings_in_a_fresh_process(**environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUDIT_CHECKPOINT", "DEBUG"))}
    env.update(SECRET_KEY="a-production-secret-key-for-this-test-0123456789", **environment)
    code = "import config.settings as s; print(s.AUDIT_CHECKPOINTS)"
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


class TestSettings:
    def test_production_refuses_to_start_without_a_key(self):
        run = _settings_in_a_fresh_process(DEBUG="false")
        assert run.returncode != 0 and "AUDIT_CHECKPOINT_KEY is missing" in run.stderr

    def test_production_refuses_a_short_key(self):
        run = _settings_in_a_fresh_process(DEBUG="false", AUDIT_CHECKPOINT_KEY="short")
        assert run.returncode != 0 and "shorter than 32" in run.stderr

    def test_production_with_a_key_has_them_on_and_may_turn_them_off_explicitly(self):
        run = _settings_in_a_fresh_process(DEBUG="false", AUDIT_CHECKPOINT_KEY=KEY)
        assert (run.returncode, run.stdout.strip()) == (0, "True")
        run = _settings_in_a_fresh_process(DEBUG="false", AUDIT_CHECKPOINTS="false")
        assert (run.returncode, run.stdout.strip()) == (0, "False")

    def test_debug_without_a_key_runs_with_checkpoints_off(self):
        run = _settings_in_a_fresh_process(DEBUG="true")
        assert (run.returncode, run.stdout.strip()) == (0, "False")
        run = _settings_in_a_fresh_process(DEBUG="true", AUDIT_CHECKPOINT_KEY=KEY)
        assert (run.returncode, run.stdout.strip()) == (0, "True")

    def test_deploy_checks(self, settings):
        settings.AUDIT_CHECKPOINTS, settings.AUDIT_CHECKPOINT_FILE, settings.AUDIT_CHECKPOINT_URL = True, "", ""
        assert [m.id for m in checkpoint_settings(None)] == ["audit.W001"]
        settings.AUDIT_CHECKPOINT_URL = "http://receiver.example.org/"
        assert [m.id for m in checkpoint_settings(None)] == ["audit.W002"]
        settings.AUDIT_CHECKPOINT_URL = "https://receiver.example.org/"
        assert checkpoint_settings(None) == []
        settings.AUDIT_CHECKPOINTS = False
        assert [m.id for m in checkpoint_settings(None)] == ["audit.W003"]
