"""The review queue, notifications and dashboard in Chromium: rachel opens her queue from the
navigation, finds alice's submitted post, filters by channel and follows the link to the post;
reads her notifications. Screenshots go to var/screenshots/ (not committed)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def live_posts(live_demo):
    """The demo organization with its posts (submitted and decided through the real actions,
    so that their notifications were written too)."""
    from approvals.demo import seed_posts

    seed_posts()
    return live_demo


def alices_post_in_review():
    from approvals.models import Post

    return Post.objects.get(author__username="alice", state="in_review", current_stage__slug="channel-review")


def test_rachel_reviews_from_her_queue(page, live_posts):
    post = alices_post_in_review()
    sign_in(page, live_posts.url, "rachel")
    shoot(page, "dashboard")
    expect(page.get_by_test_id("panel-review-queue")).to_contain_text(post.title)

    page.get_by_test_id("nav-queue").click()
    page.wait_for_url("**/queue/")
    expect(page.get_by_test_id("nav-queue")).to_have_attribute("aria-current", "page")
    row = page.locator(f'[data-testid="queue-row"][data-post="{post.pk}"]')
    expect(row).to_contain_text(post.title)
    expect(row).to_contain_text("Alice")
    expect(page.get_by_test_id("queue-count")).to_contain_text(re.compile(r"\d+ posts? waiting on you"))
    shoot(page, "queue")

    page.get_by_test_id("queue-filter-channel").select_option("patient-stories")
    page.get_by_test_id("queue-filter-apply").click()
    page.wait_for_url("**/queue/?channel=patient-stories*")
    expect(page.get_by_test_id("queue-row")).not_to_have_count(0)
    for channel in page.get_by_test_id("queue-row").evaluate_all("rows => rows.map(r => r.dataset.channel)"):
        assert channel == "patient-stories"
    link = row.get_by_test_id("queue-post-link")
    expect(link).to_have_attribute("href", f"/posts/{post.pk}/")
    link.focus()  # the link is reachable by keyboard
    expect(link).to_be_focused()

    # Only channels with posts waiting on her are offered; pr's x-news is not among them.
    expect(page.locator('[data-testid="queue-filter-channel"] option[value="x-news"]')).to_have_count(0)
    page.get_by_test_id("queue-filter-waiting").select_option("7d")  # the demo's posts are fresh
    page.get_by_test_id("queue-filter-apply").click()
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    page.get_by_test_id("queue-filter-clear").click()
    page.wait_for_url("**/queue/")
    expect(row).to_be_visible()


def test_rachel_reads_her_notifications(page, live_posts):
    from approvals.models import Notification

    unread = Notification.objects.filter(recipient__username="rachel", read_at=None).count()
    assert unread > 0  # the demo's submissions told her (Celery runs eagerly in tests)
    sign_in(page, live_posts.url, "rachel")
    expect(page.get_by_test_id("unread-count")).to_have_text(str(unread))

    page.get_by_test_id("nav-notifications").click()
    page.wait_for_url("**/notifications/")
    expect(page.get_by_test_id("notification-row")).to_have_count(unread)
    expect(page.get_by_test_id("notification-row").first).to_have_attribute("data-read", "false")
    shoot(page, "notifications")

    page.get_by_test_id("notification-row").first.get_by_test_id("mark-read").click()
    page.wait_for_url("**/notifications/")
    expect(page.get_by_test_id("unread-count")).to_have_text(str(unread - 1))

    page.get_by_test_id("mark-all-read").click()
    page.wait_for_url("**/notifications/")
    expect(page.get_by_test_id("unread-count")).to_have_text("0")
    expect(page.locator('[data-testid="notification-row"][data-read="false"]')).to_have_count(0)


def test_carol_sees_compliance_work_and_the_phone_layout(page, live_posts):
    sign_in(page, live_posts.url, "carol")
    page.get_by_test_id("nav-queue").click()
    page.wait_for_url("**/queue/")
    expect(page.get_by_test_id("queue-retrospective")).to_be_visible()
    expect(page.get_by_test_id("queue-row")).not_to_have_count(0)
    page.set_viewport_size({"width": 390, "height": 844})
    # nothing overflows sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "queue-compliance")


def test_rachel_works_through_her_queue_one_post_after_another(page, live_posts):
    """After each decision the post's page points to the next post waiting on rachel, the
    longest-waiting first; after the last, back to her queue."""
    from datetime import timedelta

    from django.utils import timezone

    from approvals import actions
    from approvals.models import Post
    from governance.models import Channel

    first = alices_post_in_review()
    channel = Channel.objects.get(slug="patient-stories")
    for i, body in enumerate(["The garden opens on Friday.", "Volunteers wanted for the summer fair."]):
        post = actions.create_post(actor=first.author, channel=channel, body=body, consent=first.consent)
        post = actions.submit(post, actor=first.author, expected_version=post.version)
        Post.objects.filter(pk=post.pk).update(awaiting_since=timezone.now() - timedelta(minutes=10 - i))
    sign_in(page, live_posts.url, "rachel")
    page.get_by_test_id("nav-queue").click()
    page.wait_for_url("**/queue/")
    count = page.get_by_test_id("queue-row").count()
    assert count >= 3
    page.get_by_test_id("queue-post-link").first.click()
    decided = []
    for _ in range(count):
        page.wait_for_url(re.compile(r"/posts/\d+/$"))
        decided.append(int(re.search(r"/posts/(\d+)/", page.url).group(1)))
        page.get_by_test_id("action-approve").click()
        page.wait_for_url(f"**/posts/{decided[-1]}/")
        expect(page.locator(".messages")).to_contain_text("Approved.")  # decided; the page stays
        pointer = page.get_by_test_id("next-in-queue")
        expect(pointer).to_be_visible()
        if len(decided) < count:
            page.get_by_test_id("next-in-queue-link").click()
    expect(pointer).to_contain_text("Nothing else is waiting on you.")
    shoot(page, "queue-worked-through")
    assert len(set(decided)) == count
    assert not Post.objects.filter(pk__in=decided, state="in_review", current_stage__slug="channel-review").exists()
