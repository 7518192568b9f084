"""Co-authors in Chromium: alice composes on patient-stories, types the start of a colleague's
name, picks her from the suggestions (only people who may draft there are offered), saves, and
the post's page names the co-author; the co-author then edits the post. Screenshots go to
var/screenshots/ (not committed)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


def _marketing_author(username: str, first: str, last: str):
    """A second author in marketing: the demo has alice only, and co-authors must be able to
    draft on the channel."""
    from django.contrib.auth import get_user_model

    from governance import actions as governance_actions
    from governance.models import Department

    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.org", password="clearpost-demo", first_name=first, last_name=last
    )
    governance_actions.add_department_member(
        Department.objects.get(slug="marketing"), actor=None, user=user, role="authors"
    )
    return user


def _consent_id() -> str:
    from governance.demo import VALID_CONSENT_REFERENCE
    from governance.models import Consent

    return str(Consent.objects.get(document_reference=VALID_CONSENT_REFERENCE).pk)


def test_alice_adds_a_co_author_picked_from_the_suggestions(page, live_demo):
    _marketing_author("mira", "Mira", "Costa")
    _marketing_author("milo", "Milo", "Berg")
    sign_in(page, live_demo.url, "alice")
    page.get_by_test_id("nav-new-post").click()
    page.wait_for_url("**/posts/new/")
    page.get_by_test_id("compose-channel").select_option("patient-stories")
    page.get_by_test_id("compose-consent").select_option(_consent_id())
    page.get_by_test_id("compose-title").fill("Our garden, by its gardeners")
    page.get_by_test_id("compose-body").fill("Our new healing garden opens on Friday, for patients and families.")

    box = page.get_by_test_id("compose-co-authors")
    box.press_sequentially("r")  # rachel reviews marketing, ray reviews PR: neither drafts here
    expect(page.get_by_test_id("co-author-none")).to_be_visible()
    expect(page.get_by_test_id("co-author-option")).to_have_count(0)
    box.fill("")
    box.press_sequentially("mi")
    options = page.get_by_test_id("co-author-option")
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("data-username", "milo")
    mira = options.filter(has_text="Mira Costa")
    expect(mira).to_have_attribute("data-username", "mira")

    mira.click()
    box = page.get_by_test_id("compose-co-authors")
    expect(box).to_have_value("mira, ")
    expect(box).to_be_focused()  # typing goes on where it was
    expect(page.get_by_test_id("co-author-option")).to_have_count(0)
    box.press_sequentially("mi")  # who is chosen already is not offered again
    expect(page.get_by_test_id("co-author-option")).to_have_count(1)
    expect(page.get_by_test_id("co-author-option")).to_have_attribute("data-username", "milo")
    # (After a screenshot, the page's inputs carry Playwright's `style=""`, which htmx would copy
    # onto a swapped-in box against the CSP: the box is not swapped again after this one.)
    shoot(page, "co-authors-suggestions")
    box.press("Backspace")
    box.press("Backspace")
    expect(page.get_by_test_id("co-author-option")).to_have_count(0)
    page.get_by_test_id("compose-save").click()
    page.wait_for_url(re.compile(r"/posts/\d+/edit/$"))
    expect(page.get_by_test_id("compose-co-authors")).to_have_value("mira")
    post_id = re.search(r"/posts/(\d+)/edit/$", page.url).group(1)

    page.goto(f"{live_demo.url}/posts/{post_id}/")
    expect(page.get_by_test_id("post-co-authors")).to_have_text("Mira Costa")
    shoot(page, "co-authors-post")

    # The co-author may edit the post like its author.
    page.get_by_test_id("logout").click()
    sign_in(page, live_demo.url, "mira")
    page.goto(f"{live_demo.url}/posts/{post_id}/")
    page.get_by_test_id("action-edit").click()
    page.get_by_test_id("compose-title").fill("Our garden, by its gardeners (updated)")
    page.get_by_test_id("compose-save").click()
    expect(page.get_by_test_id("post-state")).to_have_text("Draft")
    page.goto(f"{live_demo.url}/posts/{post_id}/")
    expect(page.get_by_test_id("post-title")).to_have_text("Our garden, by its gardeners (updated)")


def test_a_refused_co_author_is_named_next_to_the_box(page, live_demo):
    sign_in(page, live_demo.url, "alice")
    page.goto(f"{live_demo.url}/posts/new/?channel=patient-stories")
    page.get_by_test_id("compose-consent").select_option(_consent_id())
    page.get_by_test_id("compose-body").fill("Our new healing garden opens on Friday.")
    page.get_by_test_id("compose-co-authors").fill("bob")
    page.expected_problems += ["HTTP 400", "status of 400"]  # the form comes back with its error
    page.get_by_test_id("compose-save").click()
    expect(page.get_by_test_id("error-co_authors")).to_have_text(
        "bob may not draft on Patient Stories, so cannot be a co-author."
    )
    expect(page.get_by_test_id("compose-co-authors")).to_have_value("bob")
    shoot(page, "co-authors-refused")
