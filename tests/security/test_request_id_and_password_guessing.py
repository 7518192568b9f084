"""Issue 14, findings 7 and 9: the password page is not a way to guess a password without
limit or record, and a client cannot choose the request id the audit log records."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = reverse("accounts:password-change")
LOGIN = reverse("accounts:login")
GOOD = "clearpost-demo"


def change(client, old, new="a-much-longer-new-password-42"):
    return client.post(PASSWORD, {"old_password": old, "new_password1": new, "new_password2": new})


def test_wrong_current_passwords_are_audited_and_locked_out(client_as, demo, settings):
    alice = client_as("alice")
    limit = settings.AXES_FAILURE_LIMIT
    answers = [change(alice, f"guess-{i}").status_code for i in range(limit)]
    assert answers[:-1] == [200] * (limit - 1)  # the form again, with its error
    assert answers[-1] == 429  # the limit reached: locked, as at sign-in
    wrong = AuditEvent.objects.filter(action="accounts.password.wrong_current", actor=demo["alice"])
    assert wrong.count() == limit
    # Locked: even the right current password is refused now, and nothing changes.
    assert change(alice, GOOD).status_code == 429
    demo["alice"].refresh_from_db()
    assert demo["alice"].check_password(GOOD)
    # The same lock as sign-in: alice cannot sign in elsewhere either until the cool-off.
    assert Client().post(LOGIN, {"username": "alice", "password": GOOD}).status_code == 429


def test_the_right_current_password_still_works_below_the_limit(client_as, demo):
    alice = client_as("alice")
    assert change(alice, "one-wrong-guess").status_code == 200
    assert change(alice, GOOD).status_code == 302


def test_a_client_chosen_request_id_never_reaches_the_audit_log(demo):
    forged = "carol-approved-this-0001"
    response = Client().post(LOGIN, {"username": "alice", "password": GOOD}, HTTP_X_REQUEST_ID=forged)
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="accounts.login.succeeded").order_by("-seq").first()
    assert event.request_id and event.request_id != forged
    assert response["X-Request-ID"] == event.request_id  # the id it answered with is its own
