"""API tokens (finding 2): issued with the second factor for whoever needs it, refused with
`403 otp_required` otherwise, expiring, stored only as a digest, with no admin page that shows
them, and revoked by every password change, role change and deactivation, wherever made.

Every token here comes from the public endpoint (`POST /api/v1/auth/token/`), as an API client
gets it, so that the cases hold whatever the tokens are made of.
"""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import roles
from audit.models import AuditEvent
from governance.actions import org

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
AUDIT_LOG = "/api/v1/audit-events/"
GOOD = "clearpost-demo"
NEW_PASSWORD = "Harbour-lights-42"


def sign_in(username: str, **extra) -> str:
    response = APIClient().post(TOKEN, {"username": username, "password": GOOD, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_refused(response) -> None:
    """401 with the API's error body: the token no longer signs anyone in."""
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "authentication_failed"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def admin_browser(demo):
    browser = Client()
    browser.force_login(demo["admin"])
    return browser


# --- two-factor authentication -------------------------------------------------------------


@pytest.mark.parametrize("username", ["ray", "carol", "admin"])
def test_token_from_before_two_factor_answers_403_otp_required(demo, settings, username):
    """Finding 2: with REQUIRE_2FA on, a reviewer's, compliance officer's or admin's token issued
    before it (without a one-time code) kept full access."""
    settings.REQUIRE_2FA = False
    client = with_token(sign_in(username))
    assert client.get(ME).status_code == 200

    settings.REQUIRE_2FA = True
    for path in (ME, AUDIT_LOG):
        response = client.get(path)
        assert response.status_code == 403, response.content
        body = response.json()
        assert body["code"] == "otp_required" and body["detail"]
    # Even after enrolling: the old token was still not issued against a code.
    TOTPDevice.objects.create(user=demo[username], name="phone", confirmed=True)
    assert client.get(ME).status_code == 403


def test_token_issued_with_the_second_factor_works(demo, settings):
    settings.REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=demo["carol"], name="phone", confirmed=True)
    client = with_token(sign_in("carol", otp=current_code(device)))
    assert client.get(ME).status_code == 200
    assert client.get(AUDIT_LOG).status_code == 200


def test_author_token_promoted_to_compliance_officer_cannot_read_the_audit_log(demo, settings):
    """Finding 2: a token obtained as an author kept working after promotion to compliance
    officer and read the audit log, without any second factor."""
    settings.REQUIRE_2FA = True
    client = with_token(sign_in("bob"))  # authors need no code
    assert client.get(ME).status_code == 200
    assert client.get(AUDIT_LOG).status_code == 403

    org.assign_role(demo["bob"], actor=demo["admin"], role=roles.COMPLIANCE_OFFICER)
    response = client.get(AUDIT_LOG)
    assert response.status_code in (401, 403) and response.json()["code"] in ("authentication_failed", "otp_required")
    assert client.get(ME).status_code in (401, 403)


# --- storage and the admin -------------------------------------------------------------------


def _stored_text():
    """(table.column, queryset of its values) for every text and JSON column of every table."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                yield f"{model._meta.label}.{field.name}", model._default_manager.values_list(field.name, flat=True)


def test_the_database_holds_no_token_key(demo):
    """Finding 2: every user's token was stored in clear. No column of any table holds the key,
    nor a piece of it long enough to narrow a search, only something it cannot be read back from."""
    key = sign_in("alice")
    pieces = (key, key[:12], key[-12:])
    holders = [column for column, values in _stored_text() if any(p in str(value) for value in values for p in pieces)]
    assert holders == []
    assert with_token(key).get(ME).status_code == 200  # and the key works


def test_no_admin_page_lists_tokens(admin_browser, settings):
    """Finding 2: every user's token was readable at /admin/authtoken/tokenproxy/."""
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    for path in ("/admin/authtoken/tokenproxy/", "/admin/authtoken/token/"):
        assert admin_browser.get(path).status_code == 404
    assert "authtoken" not in admin_browser.get("/admin/").content.decode().lower()


def test_each_sign_in_is_a_new_token_and_revoking_signs_out_every_client(demo):
    first, second = sign_in("bob"), sign_in("bob")
    assert first != second
    assert with_token(first).get(ME).status_code == 200
    assert with_token(second).post("/api/v1/auth/token/revoke/").status_code == 204
    assert_refused(with_token(first).get(ME))
    assert_refused(with_token(second).get(ME))
    event = AuditEvent.objects.filter(action="accounts.api_tokens.revoked").get()
    assert event.actor_label == "bob" and event.data == {"count": 2, "reason": "signed_out"}


# --- expiry ----------------------------------------------------------------------------------


def test_tokens_expire_after_api_token_ttl(demo, settings):
    """Finding 2: tokens never expired. The default lifetime is 12 hours."""
    settings.API_TOKEN_TTL = timedelta(hours=12)
    key = sign_in("alice")
    issued = timezone.now()

    def at(moment):
        return mock.patch("django.utils.timezone.now", lambda: moment)

    with at(issued + timedelta(hours=11, minutes=59)):
        assert with_token(key).get(ME).status_code == 200
    with at(issued + timedelta(hours=12, minutes=1)):
        response = with_token(key).get(ME)
    assert_refused(response)
    assert "expired" in response.json()["detail"]
    assert_refused(with_token(key).get(ME))  # gone for good, not only while the clock is ahead


def test_api_token_ttl_is_configurable(demo, settings):
    settings.API_TOKEN_TTL = timedelta(minutes=5)
    key = sign_in("alice")
    later = timezone.now() + timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", lambda: later):
        assert_refused(with_token(key).get(ME))


# --- revocation ------------------------------------------------------------------------------


def test_admin_password_reset_revokes_tokens(demo, admin_browser):
    """Finding 2: an admin password reset left the user's tokens working."""
    client = with_token(sign_in("alice"))
    alice = demo["alice"]
    response = admin_browser.post(
        f"/admin/accounts/user/{alice.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert_refused(client.get(ME))
    event = AuditEvent.objects.filter(action="accounts.api_tokens.revoked").get()
    assert event.target_id == str(alice.pk) and event.data == {"count": 1, "reason": "password_changed"}


def test_changepassword_command_revokes_tokens(demo, monkeypatch):
    client = with_token(sign_in("bob"))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "bob", stdout=io.StringIO())
    demo["bob"].refresh_from_db()
    assert demo["bob"].check_password(NEW_PASSWORD)
    assert_refused(client.get(ME))


def test_a_password_written_past_the_models_save_still_revokes(demo):
    """The mechanism does not rely on who set the password: even a queryset update (no save, no
    signal) ends the tokens."""
    client = with_token(sign_in("bob"))
    type(demo["bob"]).objects.filter(pk=demo["bob"].pk).update(password=make_password(NEW_PASSWORD))
    assert_refused(client.get(ME))


def test_deactivation_revokes_tokens_for_good(demo):
    """A deactivated user's token stops working, and reactivating the account does not bring it
    back."""
    client = with_token(sign_in("ray"))
    ray = demo["ray"]
    ray.is_active = False
    ray.save()
    assert_refused(client.get(ME))
    ray.is_active = True
    ray.save()
    assert_refused(client.get(ME))
    assert AuditEvent.objects.filter(action="accounts.api_tokens.revoked", data__reason="deactivated").exists()


def test_deactivation_without_a_request_in_between_still_revokes(demo):
    client = with_token(sign_in("ray"))
    ray = demo["ray"]
    ray.is_active = False
    ray.save(update_fields=["is_active"])
    ray.is_active = True
    ray.save(update_fields=["is_active"])
    assert_refused(client.get(ME))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda demo: org.remove_role(demo["carol"], actor=demo["admin"], role=roles.COMPLIANCE_OFFICER),
            id="remove-role-action",
        ),
        pytest.param(
            lambda demo: demo["carol"].groups.remove(Group.objects.get(name=roles.COMPLIANCE_OFFICER)),
            id="user-groups-remove",
        ),
        pytest.param(
            lambda demo: Group.objects.get(name=roles.COMPLIANCE_OFFICER).user_set.clear(), id="group-user-set-clear"
        ),
        pytest.param(lambda demo: demo["carol"].groups.set([]), id="user-groups-set"),
    ],
)
def test_role_change_revokes_tokens(demo, change):
    """Finding 2: a role change leaves the token of the role before working (here a compliance
    officer demoted; REQUIRE_2FA off, so the second factor is not what refuses it)."""
    client = with_token(sign_in("carol"))
    assert client.get(AUDIT_LOG).status_code == 200
    change(demo)
    assert_refused(client.get(AUDIT_LOG))
    assert AuditEvent.objects.filter(
        action="accounts.api_tokens.revoked", target_id=str(demo["carol"].pk), data__reason="role_changed"
    ).exists()


def test_promotion_revokes_tokens_from_the_group_side_too(demo):
    client = with_token(sign_in("alice"))
    Group.objects.get(name=roles.COMPLIANCE_OFFICER).user_set.add(demo["alice"])
    assert_refused(client.get(AUDIT_LOG))


def test_becoming_superuser_revokes_tokens(demo):
    client = with_token(sign_in("alice"))
    alice = demo["alice"]
    alice.is_superuser = True
    alice.save(update_fields=["is_superuser"])
    assert_refused(client.get(AUDIT_LOG))


def test_other_users_and_other_changes_keep_their_tokens(demo):
    """Revocation is targeted: a change to someone else, or to a field tokens do not depend on,
    signs nobody out."""
    alice_client, bob_client = with_token(sign_in("alice")), with_token(sign_in("bob"))
    alice = demo["alice"]
    alice.display_name = "Alice A."
    alice.save()
    org.assign_role(demo["bob"], actor=demo["admin"], role=roles.CRISIS_TEAM)
    assert alice_client.get(ME).status_code == 200
    assert_refused(bob_client.get(ME))
