"""Compose, the post's page and the conflict page in Chromium: alice writes on patient-stories,
watches the counter and a live finding, submits; a stale edit shows both versions and keeps
her text. Screenshots go to var/screenshots/ (not committed)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


def _consent_id() -> str:
    from governance.demo import VALID_CONSENT_REFERENCE
    from governance.models import Consent

    return str(Consent.objects.get(document_reference=VALID_CONSENT_REFERENCE).pk)


def test_alice_composes_sees_the_counter_and_a_finding_and_submits(page, live_demo):
    sign_in(page, live_demo.url, "alice")
    page.get_by_test_id("nav-new-post").click()
    page.wait_for_url("**/posts/new/")

    picker = page.get_by_test_id("consent-picker")
    expect(picker).to_be_hidden()  # shown only for a channel that requires consent
    page.get_by_test_id("compose-channel").select_option("patient-stories")
    expect(picker).to_be_visible()
    page.get_by_test_id("compose-consent").select_option(_consent_id())
    page.get_by_test_id("compose-title").fill("A garden that heals")

    counter = page.get_by_test_id("char-count")
    body = page.get_by_test_id("compose-body")
    body.press_sequentially("Our garden is a miracle cure")
    expect(counter).to_have_attribute("data-count", "28")
    finding = page.get_by_test_id("finding").filter(has_text="Unfounded medical claims")
    expect(finding).to_be_visible()
    expect(finding).to_have_attribute("data-severity", "block")
    expect(page.get_by_test_id("highlight").first).to_have_text("miracle cure")
    expect(page.get_by_test_id("preview")).to_contain_text("A garden that heals")
    shoot(page, "compose")

    text = "Our new healing garden opens on Friday, for patients and their families."
    body.fill(text)
    expect(counter).to_have_attribute("data-count", str(len(text)))
    expect(page.get_by_test_id("finding").filter(has_text="Unfounded medical claims")).to_have_count(0)
    page.get_by_test_id("compose-submit").click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    expect(page.get_by_test_id("post-state")).to_have_text("In review")
    expect(page.get_by_test_id("post-body")).to_contain_text("healing garden")
    expect(page.get_by_test_id("timeline-event").last).to_contain_text("submit")
    expect(page.get_by_test_id("consent-valid")).to_be_visible()

    page.get_by_test_id("comment-body").fill("Photos are from the opening rehearsal.")
    page.get_by_test_id("comment-submit").click()
    expect(page.get_by_test_id("comment")).to_contain_text("opening rehearsal")
    shoot(page, "post-detail")


def test_rachel_approves_on_the_page(page, live_demo):
    from approvals import actions
    from governance.models import Channel, Consent

    users = _users()
    post = actions.create_post(
        actor=users["alice"],
        channel=Channel.objects.get(slug="patient-stories"),
        body="Our new healing garden opens on Friday.",
        consent=Consent.objects.get(pk=_consent_id()),
    )
    actions.submit(post, actor=users["alice"], expected_version=post.version)
    sign_in(page, live_demo.url, "rachel")
    page.goto(f"{live_demo.url}/posts/{post.pk}/")
    expect(page.get_by_test_id("action-withdraw")).to_have_count(0)
    # A rejection needs a comment: the browser asks for it (the server refuses without it too).
    reject_comment = page.get_by_test_id("reject-comment")
    expect(reject_comment).to_have_attribute("required", "")
    page.get_by_test_id("approve-comment").fill("Lovely story.")
    page.get_by_test_id("action-approve").click()
    page.wait_for_url(f"**/posts/{post.pk}/")
    expect(page.get_by_test_id("decision").first).to_contain_text("approved")


def _users():
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def test_a_stale_edit_shows_the_conflict_and_keeps_the_text(page, live_demo):
    from approvals import actions
    from governance.models import Channel, Consent

    alice = _users()["alice"]
    post = actions.create_post(
        actor=alice,
        channel=Channel.objects.get(slug="patient-stories"),
        title="Garden opening",
        body="The garden opens on Friday.",
        consent=Consent.objects.get(pk=_consent_id()),
    )
    sign_in(page, live_demo.url, "alice")
    page.goto(f"{live_demo.url}/posts/{post.pk}/edit/")
    body = page.get_by_test_id("compose-body")
    body.fill("The garden opens on Friday at noon, with music by the staff choir.")

    # Meanwhile a co-worker's change lands through the action (another tab, the API…).
    actions.edit_post(post, actor=alice, expected_version=post.version, body="The garden opening moves to Monday.")

    # The conflict page answers 409, which Chromium also logs on the console.
    page.expected_problems += [f"HTTP 409 {live_demo.url}/posts/{post.pk}/edit/", "status of 409 (Conflict)"]
    page.get_by_test_id("compose-save").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(page.get_by_test_id("conflict-theirs")).to_contain_text("moves to Monday")
    expect(page.get_by_test_id("conflict-mine")).to_contain_text("staff choir")
    expect(body).to_have_value("The garden opens on Friday at noon, with music by the staff choir.")
    shoot(page, "conflict")

    page.get_by_test_id("compose-save").click()  # a deliberate overwrite, now at the current version
    page.wait_for_url(f"**/posts/{post.pk}/edit/")
    expect(page.get_by_test_id("conflict")).to_have_count(0)
    post.refresh_from_db()
    assert post.current_revision.body == "The garden opens on Friday at noon, with music by the staff choir."
