"""Issue 15 in Chromium: the organization directory on the policies pages, a finding that says what
it found and why, and a reviewer dismissing a false alarm with a reason. Screenshots go to
var/screenshots/ (not committed)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


def test_the_admin_adds_a_number_to_the_directory_and_the_screen_leaves_it_out(page, live_demo):
    sign_in(page, live_demo.url, "admin")
    page.goto(f"{live_demo.url}/policies/directory/")
    expect(page.locator('[data-testid="directory-section"][data-kind="phone"]')).to_be_visible()
    form = page.get_by_test_id("directory-add-form")
    form.get_by_label("Kind").select_option("phone")
    form.get_by_label("Value").fill("(617) 555-0177")
    form.get_by_label("Label").fill("Cardiology front desk")
    page.get_by_test_id("directory-add-submit").click()
    row = page.get_by_test_id("directory-row").filter(has_text="(617) 555-0177")
    expect(row).to_be_visible()
    shoot(page, "policies-directory")

    from governance.models import Channel
    from governance.rules import engine

    channel = Channel.objects.get(slug="x-news")
    text = "Maria Lopez was admitted with pneumonia; the ward's desk is 617-555-0177."
    kinds = {f.kind for f in engine.check(channel, engine.Draft(body=text)).findings if f.rule == "sensitive"}
    assert kinds == {"patient_name"}  # her name and condition, not the organization's number


def test_a_reviewer_dismisses_a_false_alarm_with_a_reason(page, live_demo):
    from django.contrib.auth import get_user_model

    from approvals import actions
    from governance.models import Channel

    bob = get_user_model().objects.get(username="bob")
    body = "Congratulations to Grace Kim, who finished the Boston Marathon a year after her knee surgery!"
    post = actions.create_post(actor=bob, channel=Channel.objects.get(slug="x-news"), body=body)
    post = actions.submit(post, actor=bob, expected_version=post.version)

    sign_in(page, live_demo.url, "ray")
    page.goto(f"{live_demo.url}/posts/{post.pk}/")
    finding = page.locator('[data-testid="finding"][data-kind="patient_name"]').first
    expect(finding).to_be_visible()
    expect(finding.get_by_test_id("finding-span")).to_contain_text("Grace Kim")
    finding.get_by_test_id("finding-dismiss-toggle").click()
    finding.get_by_test_id("finding-dismiss-reason").fill("She asked us to share it; her consent is on file.")
    finding.get_by_test_id("finding-dismiss-submit").click()
    page.wait_for_url(re.compile(rf"/posts/{post.pk}/"))
    dismissed = page.locator('[data-testid="finding"][data-dismissed="true"]').first
    expect(dismissed.get_by_test_id("finding-dismissal-reason")).to_have_text(
        "She asked us to share it; her consent is on file."
    )
    expect(dismissed.get_by_test_id("finding-dismissed-by")).to_be_visible()
    shoot(page, "post-finding-dismissed")

    # The dismissal informs; the post still waits for its review (no stage was lifted).
    from approvals.models import Post

    assert Post.objects.get(pk=post.pk).state == "in_review"
