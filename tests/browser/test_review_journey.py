"""The review journey across the pages, as the demo users: alice submits a patient story;
rachel approves it from her queue; carol signs it off from hers, then finds both decisions
in the audit log and exports them."""

import csv
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/accounts/login/**")


def approve_from_queue(page, base_url, username, title):
    sign_in(page, base_url, username)
    page.get_by_test_id("nav-queue").click()
    page.wait_for_url("**/queue/**")
    row = page.get_by_test_id("queue-row").filter(has_text=title)
    expect(row).to_have_count(1)
    row.get_by_test_id("queue-post-link").click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    page.get_by_test_id("action-approve").click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    expect(page.get_by_test_id("action-approve")).to_have_count(0)  # decided: no second approval
    sign_out(page)


def test_alice_submits_rachel_approves_carol_signs_off_and_exports(page, live_demo):
    from approvals.models import Post
    from audit.models import AuditEvent
    from governance.demo import VALID_CONSENT_REFERENCE
    from governance.models import Consent

    title = "The garden that heals"
    sign_in(page, live_demo.url, "alice")
    page.get_by_test_id("nav-new-post").click()
    page.get_by_test_id("compose-channel").select_option("patient-stories")
    page.get_by_test_id("compose-consent").select_option(
        str(Consent.objects.get(document_reference=VALID_CONSENT_REFERENCE).pk)
    )
    page.get_by_test_id("compose-title").fill(title)
    page.get_by_test_id("compose-body").fill("Our new healing garden opens on Friday for patients and families.")
    page.get_by_test_id("compose-submit").click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    expect(page.get_by_test_id("post-state")).to_have_text("In review")
    post = Post.objects.get(revisions__title=title)
    sign_out(page)

    approve_from_queue(page, live_demo.url, "rachel", title)  # channel review
    approve_from_queue(page, live_demo.url, "carol", title)  # compliance sign-off (regulated channel)
    post.refresh_from_db()
    assert post.state == "approved"

    sign_in(page, live_demo.url, "carol")
    page.get_by_test_id("nav-audit").click()
    page.get_by_test_id("audit-filter-action").fill("approvals.post.approve")
    page.get_by_test_id("audit-filter-target-type").fill("approvals.post")
    page.get_by_test_id("audit-filter-target-id").fill(str(post.pk))
    page.get_by_test_id("audit-filter-apply").click()
    page.wait_for_url("**/audit/?*")
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="rachel")).to_have_count(1)
    expect(rows.filter(has_text="carol")).to_have_count(1)

    with page.expect_download() as download:
        page.get_by_test_id("audit-export-csv").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        decisions = list(csv.DictReader(exported))
    assert [(row["actor"], row["action"]) for row in decisions] == [
        ("rachel", "approvals.post.approve"),
        ("carol", "approvals.post.approve"),
    ]
    hashes = {row["hash"] for row in decisions}
    assert hashes == set(
        AuditEvent.objects.filter(action="approvals.post.approve", target_id=str(post.pk)).values_list(
            "hash", flat=True
        )
    )
