"""Finding 5, in the suite's process: `check --deploy --database default` errors when the app's
connection owns the audit table (the suite's own role does: it ran the migrations), warns when
it was not asked to look, and says nothing on SQLite; `grant_app_role --print` shows the SQL.

The app running under a restricted role is tests/security/test_production_like.py."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from audit.checks import app_database_role


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_deploy_check_refuses_an_owner_of_the_audit_table():
    ids = [message.id for message in app_database_role(None, databases=["default"])]
    assert ids and set(ids) == {"audit.E003"}
    assert [message.id for message in app_database_role(None)] == ["audit.W004"]


@pytest.mark.django_db
def test_the_deploy_check_says_nothing_on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite case")
    assert app_database_role(None, databases=["default"]) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_grant_app_role_prints_append_only_grants_for_the_audit_log():
    out = StringIO()
    call_command("grant_app_role", "clearpost_app", "--print", stdout=out)
    sql = out.getvalue().splitlines()
    assert 'GRANT SELECT, INSERT ON "audit_auditevent" TO "clearpost_app";' in sql
    assert 'GRANT SELECT, INSERT ON "audit_auditcheckpoint" TO "clearpost_app";' in sql
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON "approvals_post" TO "clearpost_app";' in sql
    assert not [line for line in sql if "audit_auditevent" in line and ("UPDATE" in line or "DELETE" in line)]
