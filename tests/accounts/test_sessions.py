"""Session expiry (idle timeout and absolute age), password change, token revocation."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.middleware import SEEN_AT, SIGNED_IN_AT
from accounts.models import ApiToken
from audit.models import AuditEvent
from tests.support.clients import issue_token

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
DASHBOARD = reverse("dashboard")
PASSWORD = reverse("accounts:password-change")
GOOD = "clearpost-demo"


def shift_session(client, **seconds_ago):
    """Pretend the session's timestamps are `seconds_ago` old (SEEN_AT / SIGNED_IN_AT)."""
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"seen": SEEN_AT, "signed_in": SIGNED_IN_AT}[key]] = now - ago
    session.save()


def test_signing_in_stamps_the_session(client, demo):
    client.post(LOGIN, {"username": "bob", "password": GOOD})
    session = client.session
    assert abs(session[SIGNED_IN_AT] - time.time()) < 5 and session[SEEN_AT] == session[SIGNED_IN_AT]


def test_idle_session_is_sent_back_to_sign_in(client, demo, settings):
    assert settings.SESSION_IDLE_TIMEOUT_SECONDS == 30 * 60
    client.force_login(demo["bob"])
    assert client.get(DASHBOARD).status_code == 200
    shift_session(client, seen=31 * 60)
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    page = client.get(response.url)
    assert "signed out after 30 minutes without activity" in page.content.decode()
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "accounts.logout" and event.actor_label == "bob"


def test_active_session_is_kept_and_its_last_activity_moves(client, demo):
    client.force_login(demo["bob"])
    shift_session(client, seen=29 * 60)
    assert client.get(DASHBOARD).status_code == 200
    assert time.time() - client.session[SEEN_AT] < 5  # the request counted as activity
    shift_session(client, seen=29 * 60)
    assert client.get(DASHBOARD).status_code == 200


def test_recent_activity_is_not_written_on_every_request(client, demo):
    client.force_login(demo["bob"])
    client.get(DASHBOARD)
    shift_session(client, seen=10)
    stamp = client.session[SEEN_AT]
    client.get(DASHBOARD)
    assert client.session[SEEN_AT] == stamp  # seen within the last minute: no session save
    shift_session(client, seen=70)
    client.get(DASHBOARD)
    assert time.time() - client.session[SEEN_AT] < 5  # older than a minute: written


def test_idle_session_api_call_is_not_authenticated(client, demo):
    client.force_login(demo["bob"])
    shift_session(client, seen=31 * 60)
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_absolute_limit_ends_even_an_active_session(client, demo, settings):
    client.force_login(demo["bob"])
    shift_session(client, seen=10, signed_in=settings.SESSION_COOKIE_AGE + 60)
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_idle_timeout_follows_the_setting(client, demo, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 120
    client.force_login(demo["bob"])
    shift_session(client, seen=180)
    assert client.get(DASHBOARD).status_code == 302


# --- Password change ----------------------------------------------------------------------


def test_password_page_is_linked_from_the_user_menu(client_as):
    content = client_as("alice").get(DASHBOARD).content.decode()
    assert f'href="{PASSWORD}" data-testid="nav-password"' in content


def test_password_page_needs_a_signed_in_user(client, db):
    response = client.get(PASSWORD)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.parametrize(
    "new_password, message",
    [
        ("short1", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("83749261048", "This password is entirely numeric."),
        ("alice1234", "The password is too similar to the username."),
    ],
)
def test_weak_password_is_refused_with_the_message(client_as, demo, new_password, message):
    client = client_as("alice")
    response = client.post(
        PASSWORD, {"old_password": GOOD, "new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="password-errors"' in content and message in content
    demo["alice"].refresh_from_db()
    assert demo["alice"].check_password(GOOD)
    assert not AuditEvent.objects.filter(action="accounts.password.changed").exists()


def test_wrong_current_password_is_refused(client_as, demo):
    response = client_as("alice").post(
        PASSWORD, {"old_password": "nope", "new_password1": "Harbour-lights-42", "new_password2": "Harbour-lights-42"}
    )
    assert response.status_code == 200 and "old password was entered incorrectly" in response.content.decode()


def test_password_change_is_audited_and_revokes_tokens_and_other_sessions(demo):
    alice = demo["alice"]
    token = issue_token(alice)
    other_browser, this_browser = Client(), Client()
    other_browser.force_login(alice)
    this_browser.force_login(alice)
    assert other_browser.get(DASHBOARD).status_code == 200

    new = "Harbour-lights-42"
    response = this_browser.post(PASSWORD, {"old_password": GOOD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response.url == DASHBOARD
    alice.refresh_from_db()
    assert alice.check_password(new)

    # This session stays signed in; the other one is signed out; the token is gone.
    assert this_browser.get(DASHBOARD).status_code == 200
    assert other_browser.get(DASHBOARD).status_code == 302
    assert not ApiToken.objects.filter(user=alice).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401

    event = AuditEvent.objects.filter(action="accounts.password.changed").get()
    assert event.actor_label == "alice" and event.target_id == str(alice.pk)
    assert event.data == {"tokens_revoked": 1}
    assert "Harbour" not in str(event.data)


# --- Token revocation ---------------------------------------------------------------------


def test_revoked_token_answers_401(api, demo):
    key = api.post("/api/v1/auth/token/", {"username": "bob", "password": GOOD}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    assert api.post("/api/v1/auth/token/revoke/").status_code == 204
    response = api.get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    assert api.post("/api/v1/auth/token/revoke/").status_code == 401


def test_deactivated_users_token_answers_401(api_as, demo):
    api = api_as("ray")
    assert api.get("/api/v1/me/").status_code == 200
    ray = demo["ray"]
    ray.is_active = False
    ray.save(update_fields=["is_active"])
    response = api.get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_deactivated_user_cannot_get_a_token(api, demo):
    bob = demo["bob"]
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    response = api.post("/api/v1/auth/token/", {"username": "bob", "password": GOOD}, format="json")
    assert response.status_code == 400


def test_sessions_are_stored_server_side(client, demo):
    # Signing out deletes the server-side session: a copied cookie is worthless afterwards.
    client.force_login(demo["bob"])
    key = client.session.session_key
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()
