"""Holding statements in Chromium: sam (crisis team) writes one for x-news from the crisis
console with the live policy check, changes it over dana's concurrent edit (the conflict view
keeps his text), then declares a crisis on x-news and issues the statement from the console.
Screenshots go to var/screenshots/ (not committed)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser

CALM = "We are aware of reports of a disruption at St. Mary's. Emergency care remains open."


def test_sam_writes_a_statement_and_issues_it_during_a_crisis(page, live_demo):
    from django.contrib.auth import get_user_model

    from approvals import actions
    from approvals.demo import seed_holding_statements
    from approvals.models import HoldingStatement, Post

    seed_holding_statements()
    sign_in(page, live_demo.url, "sam")
    page.get_by_test_id("nav-crisis").click()
    page.wait_for_url("**/crisis/")
    x_news = page.locator('[data-testid="statement-group"][data-channel="x-news"]')
    expect(x_news.get_by_test_id("holding-statement").first).to_be_visible()  # the demo's statements
    x_news.get_by_test_id("statement-new").click()
    page.wait_for_url("**/crisis/statements/new/?channel=x-news")
    expect(page.get_by_test_id("statement-channel")).to_have_value("x-news")

    # The live check (the compose page's) flags a blocking claim while typing.
    page.get_by_test_id("statement-name").fill("Disruption <b>today</b>")
    page.get_by_test_id("statement-body").fill("Our miracle cure keeps everyone safe.")
    expect(
        page.locator('[data-testid="statement-live"] [data-testid="finding"][data-severity="block"]')
    ).to_be_visible()
    expect(page.get_by_test_id("char-count")).to_contain_text("blocking")
    shoot(page, "statement-new-blocked")
    page.get_by_test_id("statement-body").fill(CALM)
    expect(page.get_by_test_id("no-findings")).to_be_visible()
    page.get_by_test_id("statement-save").click()
    page.wait_for_url("**/crisis/#statement-*")
    expect(page.locator(".messages")).to_contain_text("saved and approved for St. Mary's News on X")
    statement = HoldingStatement.objects.get(name="Disruption <b>today</b>")
    card = page.locator(f'[data-testid="holding-statement"][data-statement="{statement.pk}"]')
    expect(card).to_contain_text("Disruption <b>today</b>")  # escaped, shown as typed
    expect(card.get_by_test_id("statement-text")).to_have_text(CALM)
    expect(card.get_by_test_id("statement-issue")).to_have_count(0)  # no crisis yet
    shoot(page, "statements-console")

    # sam opens the editor; dana changes the statement meanwhile; sam's save is a conflict
    # that keeps his text, and saving again is his deliberate choice.
    card.get_by_test_id("statement-edit").click()
    page.wait_for_url(f"**/crisis/statements/{statement.pk}/edit/")
    dana = get_user_model().objects.get(username="dana")
    actions.save_holding_statement(statement, actor=dana, expected_version=1, title="Dana's title")
    page.get_by_test_id("statement-body").fill(CALM + " Next update at 14:00.")
    page.expected_problems += [
        f"HTTP 409 {live_demo.url}/crisis/statements/{statement.pk}/edit/",
        "status of 409 (Conflict)",
    ]
    page.get_by_test_id("statement-save").click()
    expect(page.get_by_test_id("conflict")).to_be_visible()
    expect(page.get_by_test_id("conflict-theirs")).to_contain_text("Dana's title")
    expect(page.get_by_test_id("statement-body")).to_have_value(CALM + " Next update at 14:00.")
    shoot(page, "statement-conflict")
    page.get_by_test_id("statement-save").click()
    page.wait_for_url("**/crisis/#statement-*")
    statement.refresh_from_db()
    assert statement.version == 3 and statement.body.endswith("14:00.") and statement.title == ""

    # A crisis on x-news: the console offers to issue the statement.
    page.get_by_test_id("crisis-start-channel").select_option("channel:x-news")
    page.get_by_test_id("crisis-reason").fill("Power outage in wing B")
    page.get_by_test_id("crisis-start").click()
    page.wait_for_url("**/crisis/*/")
    page.get_by_test_id("nav-crisis").click()
    page.wait_for_url("**/crisis/")
    card = page.locator(f'[data-testid="holding-statement"][data-statement="{statement.pk}"]')
    shoot(page, "statements-console-crisis")
    card.get_by_test_id("statement-issue").click()
    page.wait_for_url("**/crisis/*/")
    expect(page.locator(".messages")).to_contain_text("issued as post #")
    issued = page.locator(f'[data-testid="holding-statement"][data-statement="{statement.pk}"]')
    expect(issued.get_by_test_id("statement-post")).to_have_count(1)
    post = Post.objects.get(holding_statement=statement)
    assert post.state == "in_review" and post.author.username == "sam"
    assert post.current_revision.body == statement.body
    shoot(page, "statement-issued")
