"""Lockout after repeated failed sign-ins (django-axes): by username and by address, on the
sign-in page, the admin's and the API token endpoint; audited (issue 7, item 3)."""

from datetime import timedelta

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
TOKEN = "/api/v1/auth/token/"
GOOD = "clearpost-demo"


def page_attempt(client, username, password="wrong-guess"):
    return client.post(LOGIN, {"username": username, "password": password})


def api_attempt(username, password="wrong-guess", ip="127.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(TOKEN, {"username": username, "password": password}, format="json")


def actions_recorded():
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_the_limit_and_cool_off_come_from_the_settings(settings):
    # config/settings.py reads AXES_FAILURE_LIMIT / AXES_COOLOFF_MINUTES from the environment.
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_four_failures_still_let_the_right_password_in(client, demo):
    for _ in range(4):
        assert page_attempt(client, "alice").status_code == 200
    response = page_attempt(client, "alice", GOOD)
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_fifth_failure_locks_the_sign_in_page_with_a_clear_message(client, demo):
    for _ in range(4):
        page_attempt(client, "alice")
    response = page_attempt(client, "alice")
    assert response.status_code == 429
    content = response.content.decode()
    assert 'data-testid="login-locked"' in content
    assert "sign-in is paused for 15 minutes" in content
    assert response["Retry-After"] == "900"

    # Locked: even the right password is refused, and the session stays signed out.
    response = page_attempt(client, "alice", GOOD)
    assert response.status_code == 429 and 'data-testid="login-locked"' in response.content.decode()
    assert "_auth_user_id" not in client.session

    recorded = actions_recorded()
    assert recorded.count("accounts.login.failed") == 6
    assert "accounts.login.succeeded" not in recorded
    locked = AuditEvent.objects.filter(action="accounts.login.locked_out").order_by("seq")
    assert locked.count() == 2  # when the limit was reached, and the attempt refused afterwards
    event = locked.first()
    assert event.data == {"username": "alice", "ip_address": "127.0.0.1"}
    assert event.actor_id is None and event.ip == "127.0.0.1" and event.request_id


def test_a_username_is_locked_whatever_the_address(demo):
    # Five failures for bob, each from a different address: bob is locked everywhere.
    for n in range(5):
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(LOGIN, {"username": "bob", "password": "x"})
    fresh = Client(REMOTE_ADDR="203.0.113.9")
    assert page_attempt(fresh, "bob", GOOD).status_code == 429
    # The address is not locked for others.
    assert page_attempt(fresh, "alice", GOOD).status_code == 302


def test_an_address_is_locked_whatever_the_username(demo):
    # One address guessing five different usernames is locked for every username.
    attacker = Client(REMOTE_ADDR="192.0.2.7")
    for name in ("alice", "bob", "carol", "dana", "ray"):
        page_attempt(attacker, name)
    assert page_attempt(attacker, "rachel", GOOD).status_code == 429
    # Those users are not locked from their own addresses (one failure each).
    assert page_attempt(Client(REMOTE_ADDR="192.0.2.8"), "alice", GOOD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, demo):
    for _ in range(5):
        page_attempt(client, "alice")
    assert page_attempt(client, "alice", GOOD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert page_attempt(client, "alice", GOOD).status_code == 302


def test_the_limit_follows_the_setting(client, demo, settings):
    settings.AXES_FAILURE_LIMIT = 2
    page_attempt(client, "alice")
    assert page_attempt(client, "alice").status_code == 429


def test_api_token_endpoint_locks_out_with_429_and_code(demo):
    for _ in range(4):
        response = api_attempt("carol")
        assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = api_attempt("carol")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out" and "paused for 15 minutes" in body["detail"]
    assert response["Retry-After"] == "900"

    response = api_attempt("carol", GOOD)
    assert response.status_code == 429 and response.json()["code"] == "locked_out"
    assert "token" not in response.json()
    assert AuditEvent.objects.filter(action="accounts.login.locked_out", data__username="carol").count() == 2


def test_api_and_page_failures_count_together(client, demo):
    for _ in range(3):
        api_attempt("ray")
    for _ in range(2):
        page_attempt(client, "ray")
    assert api_attempt("ray", GOOD).status_code == 429


def test_admin_login_is_locked_too(demo):
    admin = Client()
    url = reverse("admin:login")
    for _ in range(5):
        admin.post(url, {"username": "admin", "password": "nope", "next": "/admin/"})
    response = admin.post(url, {"username": "admin", "password": GOOD, "next": "/admin/"})
    assert response.status_code == 429 and 'data-testid="login-locked"' in response.content.decode()
    assert "_auth_user_id" not in admin.session


def test_test_client_login_needs_a_request_because_axes_checks_every_authentication(demo):
    # Django's Client.login() calls authenticate() without a request, which axes refuses:
    # tests use force_login(), or hand login() a request.
    with pytest.raises(AxesBackendRequestParameterRequired):
        Client().login(username="alice", password=GOOD)
    assert Client().login(request=HttpRequest(), username="alice", password=GOOD)
