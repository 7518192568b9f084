"""Clearpost as deployed: gunicorn, DEBUG off, the production settings, PostgreSQL under the
restricted app role (tests/support/production.py; one server for the module).

- Finding 4: an event appended by a forger (SHA-256 hashed as anyone can) is named by its seq
  by `verify_audit`, the API and the page of that server.
- Finding 2: a reviewer's token issued before enrolment answers 403 `otp_required`.
- Finding 5: the app's role owns nothing: it cannot drop or alter the audit table, switch off
  or drop its append-only trigger, truncate it, or update or delete its rows; ordinary audited
  writes work under it, and `check --deploy --database default` finds nothing to say about it.

Add a case here by taking `production_server` (and `demo` for the demo organization); people
sign in through `server.browser().sign_in(...)` after `prepare_sign_in(user, totp=...)`.
"""

import psycopg2
import pytest
from django.db import connection

import audit
from audit.models import AuditEvent
from tests.security.test_audit_forgery import append_forged_approval
from tests.support.production import (
    prepare_sign_in,
    production_server,  # noqa: F401 - the fixture
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VERIFY_API = "/api/v1/audit-events/verify/"


@pytest.fixture
def officer(production_server, demo):  # noqa: F811 - the fixture
    """carol, the compliance officer, signed in with her second factor (two-factor is on)."""
    device = prepare_sign_in(demo["carol"], totp=True)
    browser = production_server.browser()
    browser.sign_in("carol", totp_device=device)
    return browser


def test_the_server_runs_as_deployed(production_server, officer):  # noqa: F811
    answer = production_server.request("GET", "/accounts/login/")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in answer.headers["Set-Cookie"]
    # Plain HTTP (no proxy saying https) is sent to https.
    plain = production_server.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status == 301 and plain.headers["Location"].startswith("https://")
    assert officer.api("GET", VERIFY_API).json()["ok"] is True


@pytest.mark.parametrize("move_head", [False, True], ids=["head-left", "head-moved"])
def test_an_appended_forged_event_is_named_by_the_command_the_api_and_the_page(
    production_server,  # noqa: F811
    officer,
    move_head,
):
    seq = append_forged_approval(move_head=move_head, claim_unkeyed=True)

    command = production_server.manage("verify_audit")
    assert command.returncode == 1, command.stdout + command.stderr
    assert f"Audit chain BROKEN at seq {seq}:" in command.stderr
    body = officer.api("GET", VERIFY_API).json()
    assert (body["ok"], body["first_broken_seq"]) == (False, seq), body
    page = officer.post_form("/audit/verify/", {}, headers={"HX-Request": "true"})
    assert page.status == 200, page
    assert f'data-first-broken="{seq}"' in page.text and f"broken at event #{seq}" in page.text


# --- finding 5: the app's role ------------------------------------------------------------------


FORBIDDEN = [
    "DROP TABLE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete",
    "DROP TRIGGER audit_event_no_update_delete ON audit_auditevent",
    "ALTER TABLE audit_auditevent ADD COLUMN note text",
    "TRUNCATE audit_auditevent",
    "UPDATE audit_auditevent SET actor_label = 'nobody'",
    "DELETE FROM audit_auditevent",
    "UPDATE audit_auditcheckpoint SET seq = 0",
    "DELETE FROM audit_auditcheckpoint",
    "DELETE FROM audit_auditchainhead",
    "DROP FUNCTION audit_event_append_only()",
    "CREATE TRIGGER sneaky BEFORE INSERT ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]


def test_the_app_role_cannot_change_the_audit_log_or_its_guards(production_server):  # noqa: F811
    audit.record("tests.thing.happen", actor=None, data={"n": 1})
    refused = []
    with production_server.role.connect() as raw:
        for statement in FORBIDDEN:
            with raw.cursor() as cursor:
                try:
                    cursor.execute(statement)
                except psycopg2.errors.InsufficientPrivilege:
                    refused.append(statement)
            raw.rollback()
        with raw.cursor() as cursor:  # what it may do: read, and append (the chain key guards that)
            cursor.execute("SELECT count(*) FROM audit_auditevent")
            assert cursor.fetchone() == (1,)
            cursor.execute("SELECT count(*) FROM pg_class WHERE pg_get_userbyid(relowner) = current_user")
            assert cursor.fetchone() == (0,)  # it owns nothing
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone() == (False,)
    raw.close()
    assert refused == FORBIDDEN
    assert AuditEvent.objects.get().actor_label == "system"


def test_ordinary_audited_writes_work_under_the_app_role(production_server, demo, officer):  # noqa: F811
    prepare_sign_in(demo["alice"])
    alice = production_server.browser()
    alice.sign_in("alice")
    made = alice.api("POST", "/api/v1/posts/", {"channel": "patient-stories", "body": "Open day on Saturday."})
    assert made.status == 201, made
    post_id = made.json()["id"]
    submitted = alice.api("POST", f"/api/v1/posts/{post_id}/submit/", {"version": made.json()["version"]})
    assert submitted.status == 200, submitted
    recorded = set(
        AuditEvent.objects.filter(target_type="approvals.post", target_id=str(post_id)).values_list("action", flat=True)
    )
    assert {"approvals.post.create", "approvals.post.submit"} <= recorded, recorded
    assert AuditEvent.objects.filter(action="accounts.login.succeeded", actor_label="alice").exists()
    body = officer.api("GET", VERIFY_API).json()
    assert body["ok"] is True, body


def test_check_deploy_finds_the_app_role_restricted(production_server):  # noqa: F811
    run = production_server.manage("check", "--deploy", "--database", "default")
    output = run.stdout + run.stderr
    assert "audit.E003" not in output and "audit.W005" not in output, output


def test_migrate_runs_as_the_migration_role_and_grants_the_app_role(production_server):  # noqa: F811
    """With MIGRATION_DATABASE_URL, `migrate` connects as that role (here the suite's owner of the
    tables) and grants the app's role again; the app keeps working under it."""
    db = connection.settings_dict
    owner = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    run = production_server.manage("migrate", "--no-input", MIGRATION_DATABASE_URL=owner)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Granted {production_server.role.name} the app's privileges" in run.stdout
    # The server and the log work on, under the grants given again.
    audit.record("tests.thing.happen", actor=None, data={"n": 1})
    assert production_server.manage("verify_audit").returncode == 0


def test_a_reviewers_pre_enrolment_token_gets_otp_required(production_server, demo):  # noqa: F811
    """Finding 2 under the deployed server: a token issued without the second factor (as the token
    endpoint issued them before two-factor authentication was required of reviewers) answers 403
    `otp_required` on every endpoint; an author's works (no code is required of authors)."""
    from accounts import tokens
    from accounts.models import ApiToken

    def issue(user) -> str:
        # Issued here, bound with the server's SECRET_KEY (the server has its own, as deployed).
        key, token = tokens.issue(user, second_factor=False)
        binding = tokens.binding(user, secret=production_server.env["SECRET_KEY"], fresh=True)
        ApiToken.objects.filter(pk=token.pk).update(binding=binding)
        return key

    ray = issue(demo["ray"])
    for path in ("/api/v1/me/", "/api/v1/review-queue/", "/api/v1/posts/"):
        answer = production_server.request("GET", path, token=ray)
        assert answer.status == 403 and answer.json()["code"] == "otp_required", (path, answer)
    bob = issue(demo["bob"])
    assert production_server.request("GET", "/api/v1/me/", token=bob).status == 200
