"""The crisis console and the audit log in Chromium: dana declares and ends a crisis and releases
the post it held; carol filters the audit log, finds the decisions, exports them, verifies the
chain. Screenshots go to var/screenshots/ (not committed)."""

import csv
import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


def _scheduled_post_on(slug: str):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from approvals import actions
    from approvals.models import Post
    from governance.models import Channel

    dana = get_user_model().objects.get(username="dana")
    post = actions.create_post(
        actor=dana, channel=Channel.objects.get(slug=slug), body="Open day at the lab <b>Saturday</b>."
    )
    Post.objects.filter(pk=post.pk).update(state="scheduled", scheduled_at=timezone.now() + timedelta(days=3))
    return post


def test_dana_declares_and_ends_a_crisis_and_releases_a_held_post(page, live_demo):
    from approvals.models import Post

    post = _scheduled_post_on("mastodon-main")
    sign_in(page, live_demo.url, "dana")
    page.get_by_test_id("nav-crisis").click()
    page.wait_for_url("**/crisis/")
    expect(page.get_by_test_id("no-active-crises")).to_be_visible()
    expect(page.locator(f'[data-testid="held-post"][data-post="{post.pk}"]')).to_have_count(0)
    shoot(page, "crisis-console")

    page.get_by_test_id("crisis-start-channel").select_option("channel:mastodon-main")
    page.get_by_test_id("crisis-reason").fill("Our Mastodon server was compromised <script>x</script>")
    page.get_by_test_id("crisis-start").click()
    page.wait_for_url("**/crisis/*/")
    expect(page.get_by_test_id("crisis-status")).to_have_text("Active")
    expect(page.get_by_test_id("crisis-reason-text")).to_have_text(
        "Our Mastodon server was compromised <script>x</script>"
    )
    held = page.locator(f'[data-testid="held-post"][data-post="{post.pk}"]')
    expect(held).to_contain_text("held while crisis", ignore_case=True)
    expect(page.get_by_test_id("timeline-event").first).to_have_attribute("data-action", "governance.crisis.start")
    shoot(page, "crisis")

    page.get_by_test_id("crisis-note").fill("Server rebuilt and keys rotated.")
    page.get_by_test_id("crisis-end").click()
    expect(page.get_by_test_id("crisis-status")).to_have_text("Ended")
    expect(page.locator(".messages")).to_contain_text("The crisis has ended")
    expect(page.get_by_test_id("release-all")).to_be_visible()
    held.get_by_test_id("release").click()
    expect(page.locator(".messages")).to_contain_text(f"Post #{post.pk} released")
    expect(page.get_by_test_id("no-held-posts")).to_be_visible()
    expect(page.locator('[data-testid="timeline-event"][data-action="approvals.post.release"]')).to_have_count(1)
    shoot(page, "crisis-ended")
    assert Post.objects.get(pk=post.pk).state == "in_review"  # held by the crisis: reviewed again


def test_carol_filters_exports_and_verifies_the_audit_log(page, live_demo):
    from django.contrib.auth import get_user_model

    from approvals import actions
    from audit.models import AuditEvent
    from governance.models import Channel

    users = {u.username: u for u in get_user_model().objects.all()}
    post = actions.create_post(actor=users["bob"], channel=Channel.objects.get(slug="x-news"), body="Flu shots today.")
    post = actions.submit(post, actor=users["bob"], expected_version=post.version)
    actions.approve(post, actor=users["ray"], expected_version=post.version)
    decisions = AuditEvent.objects.filter(action="approvals.post.approve").count()

    sign_in(page, live_demo.url, "carol")
    page.get_by_test_id("nav-audit").click()
    page.wait_for_url("**/audit/")
    expect(page.get_by_test_id("audit-row").first).to_be_visible()

    page.get_by_test_id("audit-filter-action").fill("approvals.post.approve")
    page.get_by_test_id("audit-filter-channel").select_option("x-news")
    page.get_by_test_id("audit-filter-apply").click()
    page.wait_for_url("**/audit/?*")
    rows = page.get_by_test_id("audit-row")
    x_news_decisions = AuditEvent.objects.filter(
        action="approvals.post.approve", channel_id=Channel.objects.get(slug="x-news").pk
    ).count()
    expect(rows).to_have_count(x_news_decisions)
    assert 0 < x_news_decisions <= decisions
    expect(page.locator('[data-testid="audit-row"][data-action="approvals.post.approve"]')).to_have_count(
        x_news_decisions
    )

    with page.expect_download() as download_info:
        page.get_by_test_id("audit-export-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    exported = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert len(exported) == x_news_decisions
    assert {row["action"] for row in exported} == {"approvals.post.approve"}
    assert {row["channel"] for row in exported} == {"x-news"}

    page.get_by_test_id("audit-verify").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("The chain is intact")
    expect(result).to_have_attribute("data-ok", "true")
    assert page.url.endswith("/audit/?" + page.url.split("?", 1)[1])  # htmx: the page stayed put
    shoot(page, "audit")

    page.locator('[data-testid="audit-evidence-link"]').first.click()
    page.wait_for_url("**/audit/posts/*/")
    expect(page.get_by_test_id("approved-hash").first).to_have_text(
        AuditEvent.objects.filter(action="approvals.post.approve", target_id=str(post.pk)).get().data["content_hash"]
    )
    shoot(page, "audit-evidence")
