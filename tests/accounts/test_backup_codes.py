"""Two-factor backup codes (django-otp static tokens): made when the authenticator app is
confirmed and shown once, each signs in once (page and token endpoint) instead of an app code,
renewed against the password (voiding the old ones), audited without the codes, and a notice
when few are left."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import actions
from accounts.two_factor import backup_codes_left
from audit.models import AuditEvent
from tests.accounts.test_two_factor import GOOD, LOGIN, SETUP, TOKEN, VERIFY, code_for, device_for, last, signed_in
from tests.support.queries import assert_same_queries, numbered, queries_of

pytestmark = pytest.mark.django_db

CODES = reverse("accounts:backup-codes")
DASHBOARD = reverse("dashboard")


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True


def shown_codes(response) -> list[str]:
    content = response.content.decode()
    match = re.search(r'<pre class="backup-codes" data-testid="backup-codes"[^>]*>(.*?)</pre>', content, re.S)
    assert match, "no backup codes on the page"
    return match.group(1).split()


def stored_codes(user) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def verified(username, device):
    client = signed_in(username)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302, response.content
    return client


def no_code_in_the_audit_log(codes):
    everything = json.dumps(
        list(AuditEvent.objects.values("action", "data", "target_type", "target_id", "actor_label"))
    )
    for code in codes:
        assert code not in everything


def test_confirming_the_app_makes_ten_codes_shown_once(demo, require_2fa):
    rachel = demo["rachel"]
    client = signed_in("rachel")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=rachel)
    response = client.post(SETUP, {"code": code_for(device), "next": "/dashboard/"})

    assert response.status_code == 200
    codes = shown_codes(response)
    assert len(codes) == 10 == len(set(codes))
    assert set(codes) == stored_codes(rachel)
    assert all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    assert "no-store" in response["Cache-Control"]  # not kept by the browser or a proxy
    content = response.content.decode()
    assert "Save these codes" in content and "style=" not in content and "<script>" not in content
    assert 'href="/dashboard/" data-testid="backup-codes-continue"' in content

    event = last("accounts.backup_codes.generated")
    static = StaticDevice.objects.get(user=rachel)
    assert event.actor_label == "rachel"
    assert event.data == {"device": static.persistent_id, "count": 10, "voided": 0}
    no_code_in_the_audit_log(codes)

    # Shown once: neither the codes page nor the setup page shows them again.
    page = client.get(CODES)
    assert page.status_code == 200
    assert 'data-testid="backup-codes"' not in page.content.decode()
    assert not any(code in page.content.decode() for code in codes)
    assert re.search(r"You have <strong>10</strong> unused backup codes", page.content.decode())
    assert client.get(SETUP).status_code == 302


def test_a_backup_code_signs_in_once(demo, require_2fa):
    carol = demo["carol"]
    device_for(carol)
    codes = actions.generate_backup_codes(carol, actor=carol)
    static = StaticDevice.objects.get(user=carol)

    client = signed_in("carol")
    page = client.get(VERIFY)
    assert "backup code" in page.content.decode()
    assert 'inputmode="numeric"' not in page.content.decode()  # backup codes have letters
    # Typed in capitals with a space, as people copy codes off paper.
    typed = f"{codes[3][:4].upper()} {codes[3][4:].upper()}"
    response = client.post(VERIFY, {"code": typed, "next": "/audit/"})
    assert response.status_code == 302 and response.url == "/audit/"
    assert client.get("/audit/").status_code == 200
    assert codes[3] not in stored_codes(carol) and len(stored_codes(carol)) == 9

    event = last("accounts.backup_code.used")
    assert event.actor_label == "carol"
    assert event.data == {"device": static.persistent_id, "remaining": 9}
    assert last("accounts.otp.verified") is None  # one success event, the backup code's
    no_code_in_the_audit_log(codes)

    # The same code does not work a second time.
    again = signed_in("carol")
    response = again.post(VERIFY, {"code": codes[3], "next": "/audit/"})
    assert response.status_code == 400 and "unused backup code" in response.content.decode()
    failed = last("accounts.otp.verification_failed")
    assert failed.data == {"device": static.persistent_id, "throttled": False}
    assert again.get("/audit/").status_code == 302
    no_code_in_the_audit_log(codes)


def test_a_backup_code_works_while_app_codes_are_throttled(demo, require_2fa):
    """The person whose phone is gone has typed wrong app codes: a backup code still works."""
    dana = demo["dana"]
    device_for(dana)
    codes = actions.generate_backup_codes(dana, actor=dana)
    client = signed_in("dana")
    assert client.post(VERIFY, {"code": "123456"}).status_code == 400
    assert client.post(VERIFY, {"code": "654321"}).status_code == 429  # the app's codes wait now
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 302


def test_wrong_backup_codes_are_throttled(demo, require_2fa):
    ray = demo["ray"]
    device_for(ray)
    codes = actions.generate_backup_codes(ray, actor=ray)
    client = signed_in("ray")
    assert client.post(VERIFY, {"code": "aaaaaaaa"}).status_code == 400
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 429 and "Too many wrong codes" in response.content.decode()
    assert last("accounts.otp.verification_failed").data["throttled"] is True
    assert codes[0] in stored_codes(ray)  # refused without being looked at: not used up


def test_new_codes_void_the_old_ones(demo, require_2fa):
    rachel = demo["rachel"]
    device = device_for(rachel)
    old = actions.generate_backup_codes(rachel, actor=rachel)
    client = verified("rachel", device)

    page = client.get(CODES)
    assert page.status_code == 200 and 'data-testid="backup-codes-password"' in page.content.decode()
    assert 'data-testid="nav-backup-codes"' in page.content.decode()

    # A wrong password changes nothing, and counts like a failed sign-in.
    response = client.post(CODES, {"password": "not-hers"})
    assert response.status_code == 400 and "not your password" in response.content.decode()
    assert stored_codes(rachel) == set(old)
    assert last("accounts.login.failed").data == {"username": "rachel"}

    response = client.post(CODES, {"password": GOOD})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = shown_codes(response)
    assert len(new) == 10 and stored_codes(rachel) == set(new) and not set(new) & set(old)
    assert 'href="/accounts/two-factor/backup-codes/" data-testid="backup-codes-continue"' in response.content.decode()
    event = last("accounts.backup_codes.generated")
    assert event.actor_label == "rachel" and event.data["count"] == 10 and event.data["voided"] == 10
    no_code_in_the_audit_log(old + new)
    # The same device is kept: this session, and one signed in with an old code, stay verified.
    assert StaticDevice.objects.filter(user=rachel).count() == 1
    assert client.get(DASHBOARD).status_code == 200

    other = signed_in("rachel")
    assert other.post(VERIFY, {"code": old[0]}).status_code == 400
    other = signed_in("rachel")
    StaticDevice.objects.filter(user=rachel).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    assert other.post(VERIFY, {"code": new[0]}).status_code == 302


def test_the_codes_page_needs_the_second_step_and_csrf(demo, require_2fa, settings):
    device = device_for(demo["carol"])
    assert Client().get(CODES).url.startswith(LOGIN)

    half = signed_in("carol")  # the password only
    response = half.get(CODES)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    response = half.post(CODES, {"password": GOOD})
    assert response.status_code == 302 and not StaticDevice.objects.exists()

    # Without REQUIRE_2FA the page still wants a session that passed the code step.
    settings.REQUIRE_2FA = False
    response = signed_in("alice").get(CODES)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    settings.REQUIRE_2FA = True

    strict = Client(enforce_csrf_checks=True)
    client = verified("carol", device)
    strict.cookies = client.cookies
    assert strict.post(CODES, {"password": GOOD}).status_code == 403
    assert not StaticDevice.objects.exists()


def test_only_the_owner_makes_their_codes(demo):
    with pytest.raises(PermissionDenied):
        actions.generate_backup_codes(demo["rachel"], actor=demo["admin"])
    assert not StaticDevice.objects.exists()


def test_token_endpoint_takes_a_backup_code_once(demo, require_2fa):
    rachel = demo["rachel"]
    device_for(rachel)
    codes = actions.generate_backup_codes(rachel, actor=rachel)
    api = APIClient()
    payload = {"username": "rachel", "password": GOOD}

    response = api.post(TOKEN, {**payload, "otp": codes[5]}, format="json")
    assert response.status_code == 200 and response.json()["token"]
    assert last("accounts.backup_code.used").data["remaining"] == 9
    assert last("accounts.login.succeeded").actor_label == "rachel"

    response = api.post(TOKEN, {**payload, "otp": codes[5]}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "otp_invalid"
    response = api.post(TOKEN, {**payload, "otp": codes[6]}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "otp_throttled"
    assert codes[6] in stored_codes(rachel)
    no_code_in_the_audit_log(codes)


@pytest.mark.parametrize(
    "codes_before, warned",
    [(4, None), (3, "You have only 2 backup codes left."), (2, "You have only 1 backup code left.")],
)
def test_few_codes_left_are_told_after_the_code_step(demo, require_2fa, codes_before, warned):
    carol = demo["carol"]
    device_for(carol)
    codes = actions.generate_backup_codes(carol, actor=carol)
    StaticToken.objects.filter(token__in=codes[codes_before:]).delete()
    client = signed_in("carol")
    response = client.post(VERIFY, {"code": codes[0]}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == DASHBOARD
    notices = [m.message for m in response.context["messages"] if m.level_tag == "warning"]
    assert notices == ([] if warned is None else [f"{warned} Make new ones under Backup codes at the top of the page."])
    assert backup_codes_left(carol) == codes_before - 1


def test_app_sign_in_without_backup_codes_is_told_to_make_some(demo, require_2fa):
    """People who turned two-factor on before backup codes existed have none."""
    device = device_for(demo["ray"])
    client = signed_in("ray")
    response = client.post(VERIFY, {"code": code_for(device)}, follow=True)
    assert "You have no backup codes left." in response.content.decode()
    page = client.get(CODES)
    assert "You have no unused backup codes." in page.content.decode()
    assert 'class="notice notice-warning"' in page.content.decode()


def test_few_codes_notice_costs_no_query_on_other_pages(demo, require_2fa):
    """The count is looked up after the code step only: the dashboard of a verified session makes
    as many queries with backup codes as without."""
    carol = demo["carol"]
    device = device_for(carol)
    client = verified("carol", device)
    client.get(DASHBOARD)
    without = queries_of(lambda: client.get(DASHBOARD))
    assert without.result.status_code == 200
    actions.generate_backup_codes(carol, actor=carol)
    with_codes = queries_of(lambda: client.get(DASHBOARD))
    assert 'data-testid="nav-backup-codes"' in with_codes.result.content.decode()
    assert_same_queries(without, with_codes)
    assert not any("otp_static" in sql for sql in with_codes.sql), numbered(with_codes.sql)


def test_the_admin_shows_neither_backup_codes_nor_app_secrets(demo):
    """django-otp keeps both readable; the admin must not show them to other staff."""
    rachel = demo["rachel"]
    totp = device_for(rachel)
    codes = actions.generate_backup_codes(rachel, actor=rachel)
    static = StaticDevice.objects.get(user=rachel)
    admin = Client()
    admin.force_login(demo["admin"])
    for url in (
        reverse("admin:otp_static_staticdevice_change", args=[static.pk]),
        reverse("admin:otp_totp_totpdevice_change", args=[totp.pk]),
        reverse("admin:otp_totp_totpdevice_changelist"),
    ):
        page = admin.get(url)
        assert page.status_code == 200, url
        content = page.content.decode()
        assert totp.key not in content, url
        assert not [code for code in codes if code in content], url
