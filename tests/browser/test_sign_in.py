import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def sign_in(page, base_url, username, password="clearpost-demo"):
    page.goto(f"{base_url}/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


@pytest.mark.parametrize(
    "username, channels",
    [
        ("alice", {"patient-stories"}),
        ("bob", {"x-news", "facebook-main", "employee-news"}),
        ("dana", None),  # every channel: crisis team
    ],
)
def test_demo_user_signs_in_and_sees_their_channels(page, live_demo, username, channels):
    from governance.models import Channel

    sign_in(page, live_demo.url, username)
    page.wait_for_url("**/dashboard/")
    assert page.get_by_test_id("whoami").inner_text()
    rows = page.get_by_test_id("channel-row")
    shown = {rows.nth(i).get_attribute("data-channel") for i in range(rows.count())}
    assert shown == (channels or set(Channel.objects.values_list("slug", flat=True)))


def test_alice_may_draft_on_patient_stories(page, live_demo):
    sign_in(page, live_demo.url, "alice")
    row = page.locator('[data-testid="channel-row"][data-channel="patient-stories"]')
    assert row.get_by_test_id("channel-actions").inner_text().strip() == "Draft"


def test_wrong_password_shows_an_error_and_sign_out_returns_to_login(page, live_demo):
    sign_in(page, live_demo.url, "alice", password="not-the-password")
    assert "correct username and password" in page.get_by_test_id("login-error").inner_text()
    sign_in(page, live_demo.url, "alice")
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/accounts/login/")


def test_keyboard_reaches_the_sign_in_form(page, live_demo):
    page.goto(f"{live_demo.url}/accounts/login/")
    # The username field has focus on load; Tab moves to the password, then the button.
    # Wait for the focus itself: typing before autofocus lands sends "bob" nowhere.
    expect(page.get_by_test_id("login-username")).to_be_focused()
    page.keyboard.type("bob")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("login-password")).to_be_focused()
    page.keyboard.type("clearpost-demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")
