"""The calendar and the channel pages in Chromium: ray finds a scheduled x-news post on his
calendar; dana grants bob draft permission on mastodon-main and revokes it. Screenshots at
desktop and phone widths go to var/screenshots/ (not committed)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


def test_ray_sees_a_scheduled_x_news_post_on_his_calendar(page, live_demo):
    from approvals.demo import seed_posts
    from approvals.models import Post

    seed_posts()
    post = Post.objects.filter(channel__slug="x-news", state="scheduled").order_by("scheduled_at").first()
    assert post is not None
    sign_in(page, live_demo.url, "ray")

    page.get_by_test_id("nav-calendar").click()
    page.wait_for_url("**/calendar/")
    due = timezone.localtime(post.scheduled_at)
    if due.strftime("%Y-%m") != timezone.localdate().strftime("%Y-%m"):
        page.get_by_test_id("calendar-next").click()
        page.wait_for_url(f"**/calendar/?month={due:%Y-%m}")
    day = page.locator(f'[data-testid="calendar-day"][data-date="{due:%Y-%m-%d}"]')
    link = day.locator(f'[data-testid="calendar-post"][data-post="{post.pk}"]')
    expect(link).to_be_visible()
    expect(link).to_contain_text(post.channel.name)
    expect(link).to_have_attribute("href", f"/posts/{post.pk}/")
    expect(page.get_by_test_id("ical-url")).to_have_value(re.compile(r"^http://.+/calendar/\d+-[0-9a-f]+\.ics$"))
    shoot(page, "calendar")

    page.get_by_test_id("calendar-week-view").click()
    page.wait_for_url("**/calendar/week/**")
    expect(page.get_by_test_id("calendar-day")).to_have_count(7)
    shoot(page, "calendar-week")

    # The feed answers to its address without a session.
    feed = page.request.get(page.get_by_test_id("ical-url").input_value())
    assert feed.status == 200 and "BEGIN:VCALENDAR" in feed.text()


def test_dana_grants_bob_draft_on_mastodon_and_revokes_it(page, live_demo):
    sign_in(page, live_demo.url, "dana")

    page.get_by_test_id("nav-channels").click()
    page.wait_for_url("**/channels/")
    expect(page.locator('[data-testid="channel-row"][data-channel="mastodon-main"]')).to_be_visible()
    shoot(page, "channels")

    page.locator('[data-channel="mastodon-main"] [data-testid="channel-link"]').click()
    page.wait_for_url("**/channels/mastodon-main/")
    expect(page.get_by_test_id("channel-owner")).to_have_text("Center for Social Media")

    page.get_by_label("Username").fill("bob")
    page.get_by_test_id("grant-user-perm").select_option("draft_on_channel")
    page.get_by_test_id("grant-submit").click()
    page.wait_for_url("**/channels/mastodon-main/")
    expect(page.locator(".messages")).to_contain_text("bob may now draft on")
    bob = page.locator('[data-testid="grant-row"][data-kind="user"][data-grantee="bob"]')
    expect(bob).to_contain_text("Draft")
    shoot(page, "channel-detail")

    bob.locator('[data-testid="revoke"][data-perm="draft_on_channel"]').click()
    page.wait_for_url("**/channels/mastodon-main/")
    expect(page.locator(".messages")).to_contain_text("bob no longer holds Draft")
    expect(page.locator('[data-testid="grant-row"][data-grantee="bob"]')).to_have_count(0)

    from audit.models import AuditEvent

    actions = list(
        AuditEvent.objects.filter(action__in=["governance.channel.grant", "governance.channel.revoke"])
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["governance.channel.grant", "governance.channel.revoke"]
