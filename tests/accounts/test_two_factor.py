"""Two-factor authentication (django-otp TOTP) under REQUIRE_2FA: who needs it, setup, the
second sign-in step on the pages, the session API and the token endpoint, throttling, audit."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.two_factor import two_factor_required
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two-factor-verify")
SETUP = reverse("accounts:two-factor-setup")
TOKEN = "/api/v1/auth/token/"
GOOD = "clearpost-demo"


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True


def code_for(device, steps_ahead=0):
    """The code the user's app shows now (or `steps_ahead` 30-second steps later: a code
    is accepted once, and the device accepts the next step too)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def device_for(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def signed_in(username):
    """A client past the password step (not yet the second factor)."""
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": GOOD})
    assert response.status_code == 302, response.content
    return client


def last(action):
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


@pytest.mark.parametrize(
    "username, required",
    [
        ("alice", False),
        ("bob", False),
        ("rachel", True),
        ("ray", True),
        ("carol", True),
        ("dana", True),
        ("sam", True),
        ("admin", True),
    ],
)
def test_who_must_use_two_factor(demo, require_2fa, username, required):
    assert two_factor_required(demo[username]) is required


def test_portal_admins_must_too(demo, require_2fa):
    from django.contrib.auth.models import Group

    bob = demo["bob"]
    bob.groups.add(Group.objects.get(name="Portal Admin"))
    assert two_factor_required(bob)


def test_nobody_needs_it_when_off(demo, settings):
    settings.REQUIRE_2FA = False
    assert not any(two_factor_required(user) for user in demo.values())
    client = signed_in("rachel")
    assert client.get(reverse("dashboard")).status_code == 200


def test_authors_are_unaffected(demo, require_2fa):
    client = signed_in("alice")
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    response = APIClient().post(TOKEN, {"username": "alice", "password": GOOD}, format="json")
    assert response.status_code == 200 and response.json()["token"]


def test_setup_shows_a_qr_code_and_the_secret_then_confirms_with_a_code(demo, require_2fa):
    client = signed_in("rachel")
    # Any page sends her to the second step, which sends her to setup (no device yet).
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url == f"{VERIFY}?next=%2Fdashboard%2F"
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(SETUP)

    response = client.get(SETUP + "?next=/dashboard/")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<svg width="' in content and 'class="qr-code"' in content
    assert "style=" not in content  # the CSP forbids inline style attributes
    assert "nav-dashboard" not in content  # no navigation before the second step
    device = TOTPDevice.objects.get(user=demo["rachel"])
    assert not device.confirmed
    secret = content.split('data-testid="otp-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    from base64 import b32decode

    assert b32decode(secret) == device.bin_key  # the key typed by hand is the device's

    # Reloading keeps the same device (the QR code already scanned stays valid).
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=demo["rachel"]).count() == 1

    response = client.post(SETUP, {"code": "000000", "next": "/dashboard/"})
    assert response.status_code == 400 and 'data-testid="otp-error"' in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttling_failure_timestamp = timezone.now() - timedelta(seconds=5)
    device.save()

    response = client.post(SETUP, {"code": code_for(device), "next": "/dashboard/"})
    # Confirmed: her backup codes are shown (tests/accounts/test_backup_codes.py), then she goes on.
    assert response.status_code == 200 and 'data-testid="backup-codes"' in response.content.decode()
    assert 'href="/dashboard/" data-testid="backup-codes-continue"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    event = last("accounts.otp.device_confirmed")
    assert event.actor_label == "rachel" and event.data == {"device": device.persistent_id}
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    # Set up once: the setup page now sends to verification.
    assert client.get(SETUP).status_code == 302


def test_second_step_on_the_pages_with_throttling_and_audit(demo, require_2fa):
    device = device_for(demo["carol"])
    client = signed_in("carol")
    response = client.get(reverse("audit:log"))
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    page = client.get(response.url)
    assert page.status_code == 200 and 'data-testid="otp-code"' in page.content.decode()

    response = client.post(VERIFY, {"code": "123456", "next": "/audit/"})
    assert response.status_code == 400 and "not right" in response.content.decode()
    failed = last("accounts.otp.verification_failed")
    assert failed.actor_label == "carol" and failed.data["throttled"] is False

    # Straight after a wrong code even the right one is refused: wait first (django-otp throttling).
    response = client.post(VERIFY, {"code": code_for(device), "next": "/audit/"})
    assert response.status_code == 429 and "Too many wrong codes" in response.content.decode()
    assert last("accounts.otp.verification_failed").data["throttled"] is True
    assert client.get("/audit/").status_code == 302

    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timedelta(minutes=5)
    device.save()
    response = client.post(VERIFY, {"code": code_for(device), "next": "/audit/"})
    assert response.status_code == 302 and response.url == "/audit/"
    assert last("accounts.otp.verified").actor_label == "carol"
    assert client.get("/audit/").status_code == 200


def test_next_must_stay_on_the_site(demo, require_2fa):
    device = device_for(demo["ray"])
    client = signed_in("ray")
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example.com/"})
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_admin_is_behind_the_second_step(demo, require_2fa):
    device_for(demo["admin"])
    client = signed_in("admin")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(VERIFY)


def test_session_api_calls_answer_otp_required(demo, require_2fa):
    device = device_for(demo["dana"])
    client = signed_in("dana")
    response = client.get("/api/v1/me/")
    assert response.status_code == 403 and response.json()["code"] == "otp_required"
    assert client.post("/api/v1/policy-check/", {}, content_type="application/json").status_code == 403
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/api/v1/me/").json()["username"] == "dana"


def test_htmx_requests_are_sent_to_the_second_step_with_hx_redirect(demo, require_2fa):
    device_for(demo["rachel"])
    client = signed_in("rachel")
    response = client.get(reverse("dashboard"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(VERIFY)


def test_signing_out_is_possible_before_the_second_step(demo, require_2fa):
    client = signed_in("rachel")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_token_endpoint_requires_a_code_for_them(demo, require_2fa):
    api = APIClient()
    payload = {"username": "rachel", "password": GOOD}
    # No device yet: set it up in the browser first.
    response = api.post(TOKEN, payload, format="json")
    assert response.status_code == 403 and response.json()["code"] == "otp_required"
    assert "browser" in response.json()["detail"]

    device = device_for(demo["rachel"])
    response = api.post(TOKEN, payload, format="json")
    assert response.status_code == 403 and response.json()["code"] == "otp_required"
    response = api.post(TOKEN, {**payload, "otp": "000000"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "otp_invalid"
    assert last("accounts.otp.verification_failed").actor_label == "rachel"
    response = api.post(TOKEN, {**payload, "otp": code_for(device)}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "otp_throttled"
    assert int(response["Retry-After"]) >= 1

    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timedelta(minutes=5)
    device.save()
    response = api.post(TOKEN, {**payload, "otp": code_for(device)}, format="json")
    assert response.status_code == 200
    assert last("accounts.login.succeeded").actor_label == "rachel"
    # A code is good once.
    response = api.post(TOKEN, {**payload, "otp": code_for(device)}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "otp_invalid"
    # The wrong password is still the plain 400, whatever the code.
    response = api.post(TOKEN, {"username": "rachel", "password": "nope", "otp": "1"}, format="json")
    assert response.status_code == 400


def _settings_value(name, **env):
    inherited = ("DATABASE_URL", "SECRET_KEY", "DEBUG", "REQUIRE_2FA", "DJANGO_SETTINGS_MODULE")
    base = {k: v for k, v in os.environ.items() if k not in inherited}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "sqlite:///:memory:",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUDIT_CHECKPOINT_KEY": secrets.token_urlsafe(48),
            **env,
        }
    )
    code = f"from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_require_2fa_is_on_in_production_and_off_for_local_use():
    assert _settings_value("REQUIRE_2FA", DEBUG="false", ALLOWED_HOSTS="a.example.org") == "True"
    assert _settings_value("REQUIRE_2FA", DEBUG="true") == "False"
    assert _settings_value("REQUIRE_2FA", DEBUG="false", ALLOWED_HOSTS="a.example.org", REQUIRE_2FA="false") == "False"
