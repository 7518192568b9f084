"""Signing in with two-factor authentication in Chromium (REQUIRE_2FA on): rachel sets up an
authenticator app from the QR page, signs out, and signs in again with a code; a lockout and
the password page are shown too. Screenshots go to var/screenshots/ (not committed)."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


def _code(key: bytes, steps_ahead: int = 0) -> str:
    return f"{totp(key, drift=steps_ahead):06d}"


def _password_step(page, base_url, username, password="clearpost-demo"):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_reviewer_sets_up_totp_and_signs_in_with_a_code(page, live_demo, settings):
    settings.REQUIRE_2FA = True
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from audit.models import AuditEvent

    _password_step(page, live_demo.url, "rachel")
    page.wait_for_url("**/accounts/two-factor/setup/**")
    expect(page.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("nav-dashboard")).to_have_count(0)  # nothing else before the code
    shoot(page, "two-factor-setup")

    key = b32decode(page.get_by_test_id("otp-secret").inner_text().replace(" ", ""))
    page.get_by_test_id("otp-code").fill(_code(key))
    page.get_by_test_id("otp-submit").click()
    expect(page.get_by_test_id("backup-codes")).to_be_visible()  # shown once, then on to the dashboard
    page.get_by_test_id("backup-codes-continue").click()
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_test_id("whoami")).to_have_text("Rachel Okafor")
    assert TOTPDevice.objects.get(user__username="rachel").confirmed

    page.get_by_test_id("logout").click()
    page.wait_for_url("**/accounts/login/")
    _password_step(page, live_demo.url, "rachel")
    page.wait_for_url("**/accounts/two-factor/?next=**")
    shoot(page, "two-factor-verify")

    page.expected_problems = ["HTTP 400", "status of 400"]  # the wrong code below
    page.get_by_test_id("otp-code").fill("000000")
    page.get_by_test_id("otp-submit").click()
    expect(page.get_by_test_id("otp-error")).to_contain_text("not right")
    shoot(page, "two-factor-wrong-code")

    page.wait_for_timeout(2500)  # a wrong code makes the next try wait (django-otp throttling)
    page.get_by_test_id("otp-code").fill(_code(key, steps_ahead=1))  # the first code is used up
    page.get_by_test_id("otp-submit").click()
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_test_id("nav-queue")).to_be_visible()
    actions = set(AuditEvent.objects.filter(actor_label="rachel").values_list("action", flat=True))
    assert {"accounts.otp.device_confirmed", "accounts.otp.verification_failed", "accounts.otp.verified"} <= actions


def test_lost_phone_sign_in_with_a_backup_code(page, live_demo, settings):
    """carol enrols, keeps the backup codes shown once, signs out, and signs in with one of them
    (no app code): a notice says how many are left; she makes new ones, which void the old."""
    settings.REQUIRE_2FA = True
    from django_otp.plugins.otp_static.models import StaticToken

    from audit.models import AuditEvent

    _password_step(page, live_demo.url, "carol")
    page.wait_for_url("**/accounts/two-factor/setup/**")
    key = b32decode(page.get_by_test_id("otp-secret").inner_text().replace(" ", ""))
    page.get_by_test_id("otp-code").fill(_code(key))
    page.get_by_test_id("otp-submit").click()
    codes_list = page.get_by_test_id("backup-codes")
    expect(codes_list).to_be_visible()
    expect(page.get_by_role("heading", name="Save these codes")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # static/js/backup_codes.js ran
    codes = codes_list.inner_text().split()
    assert len(codes) == 10
    shoot(page, "two-factor-backup-codes")
    page.get_by_test_id("backup-codes-continue").click()
    page.wait_for_url("**/dashboard/")

    page.get_by_test_id("logout").click()
    page.wait_for_url("**/accounts/login/")
    _password_step(page, live_demo.url, "carol")
    page.wait_for_url("**/accounts/two-factor/?next=**")
    expect(page.get_by_test_id("otp-backup-hint")).to_contain_text("backup codes")
    page.get_by_test_id("otp-code").fill(codes[0].upper())
    page.get_by_test_id("otp-submit").click()
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_test_id("whoami")).to_have_text("Carol Jensen")
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert AuditEvent.objects.filter(action="accounts.backup_code.used", actor_label="carol").count() == 1

    page.get_by_test_id("nav-backup-codes").click()
    page.wait_for_url("**/accounts/two-factor/backup-codes/")
    expect(page.get_by_test_id("backup-codes-left")).to_contain_text("9 unused backup codes")
    shoot(page, "two-factor-backup-codes-page")
    page.get_by_test_id("backup-codes-password").fill("clearpost-demo")
    page.get_by_test_id("backup-codes-submit").click()
    expect(page.get_by_test_id("backup-codes")).to_be_visible()
    new_codes = page.get_by_test_id("backup-codes").inner_text().split()
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    page.get_by_test_id("backup-codes-continue").click()
    page.wait_for_url("**/accounts/two-factor/backup-codes/")
    expect(page.get_by_test_id("backup-codes-left")).to_contain_text("10 unused backup codes")
    expect(page.get_by_test_id("backup-codes")).to_have_count(0)  # shown once


def test_authors_sign_in_without_a_code(page, live_demo, settings):
    settings.REQUIRE_2FA = True
    sign_in(page, live_demo.url, "alice")
    expect(page.get_by_test_id("nav-dashboard")).to_be_visible()


def test_repeated_failures_show_the_locked_page(page, live_demo):
    page.expected_problems = ["HTTP 429", "status of 429"]
    for _ in range(5):
        _password_step(page, live_demo.url, "bob", password="not-the-password")
    expect(page.get_by_test_id("login-locked")).to_contain_text("paused for 15 minutes")
    shoot(page, "login-locked")


def test_password_page_from_the_user_menu_refuses_a_weak_password(page, live_demo):
    sign_in(page, live_demo.url, "alice")
    page.get_by_test_id("nav-password").click()
    page.wait_for_url("**/accounts/password/")
    page.get_by_test_id("password-old").fill("clearpost-demo")
    page.get_by_test_id("password-new1").fill("password")
    page.get_by_test_id("password-new2").fill("password")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("password-errors")).to_contain_text("This password is too common.")
    shoot(page, "password-change")
