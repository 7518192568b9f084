"""The posting-policy editor in Chromium: add a rule, save, see the new version; by keyboard;
without JavaScript. Screenshots at desktop and phone widths go to var/screenshots/ (not
committed; SCREENSHOT_DIR overrides)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, sign_in
from tests.browser.conftest import shoot as _shoot

pytestmark = pytest.mark.browser


def shoot(page, name):
    _shoot(page, f"policy-{name}")


def organization_policy():
    from governance.models import PostingPolicy

    return PostingPolicy.objects.get(department=None, channel=None)


def test_admin_adds_a_lexicon_rule_and_sees_the_new_version(page, live_demo):
    policy = organization_policy()
    index = len(policy.rules)
    sign_in(page, live_demo.url, "admin")

    page.get_by_test_id("nav-policies").click()
    page.wait_for_url("**/policies/")
    expect(page.get_by_test_id("policy-group").first).to_contain_text("The whole organization")
    shoot(page, "list")

    page.locator('[data-scope="organization"] [data-testid="policy-link"]').click()
    page.wait_for_url(f"**/policies/{policy.pk}/")
    expect(page.get_by_test_id("policy-version")).to_have_text(f"Version {policy.version}")
    page.get_by_test_id("rule-kind-add").select_option("lexicon")
    page.get_by_test_id("rule-add").click()

    terms = page.get_by_test_id(f"rule-{index}-terms")
    expect(terms).to_be_focused()  # the new rule's first field, for keyboard users
    assert page.url.endswith(f"/policies/{policy.pk}/")  # htmx fetched the fieldset; no reload
    terms.fill("wonder drug\nmiracle pill")
    page.get_by_test_id(f"rule-{index}-severity").select_option("escalate")
    page.get_by_test_id(f"rule-{index}-message").fill("Claims about drugs need the pharmacy's review.")
    shoot(page, "editor")

    page.get_by_test_id("policy-save").click()
    page.wait_for_url(f"**/policies/{policy.pk}/")
    expect(page.get_by_test_id("policy-version")).to_have_text(f"Version {policy.version + 1}")
    expect(page.locator(".messages")).to_contain_text(f"now version {policy.version + 1}")
    expect(page.get_by_test_id(f"rule-{index}-terms")).to_have_value("wonder drug\nmiracle pill")
    shoot(page, "saved")

    saved = organization_policy()
    assert saved.rules[index] == {
        "kind": "lexicon",
        "severity": "escalate",
        "terms": ["wonder drug", "miracle pill"],
        "message": "Claims about drugs need the pharmacy's review.",
    }
    page.get_by_test_id("policy-history-link").click()
    expect(page.get_by_test_id("history-version").first).to_contain_text(f"Version {policy.version + 1}")
    expect(page.get_by_test_id("diff").first).to_contain_text('"wonder drug"')
    shoot(page, "history")


def test_errors_show_next_to_the_rule_and_keep_the_input(page, live_demo):
    sign_in(page, live_demo.url, "admin")
    page.goto(f"{live_demo.url}/policies/new/")
    page.get_by_test_id("policy-name").fill("Weekday posting")
    page.get_by_test_id("rule-kind-add").select_option("posting_window")
    page.get_by_test_id("rule-add").click()
    page.get_by_test_id("rule-0-start").fill("18:00")
    page.get_by_test_id("rule-0-end").fill("08:00")
    page.get_by_test_id("rule-0-timezone").fill("Mars/Olympus_Mons")
    page.get_by_test_id("policy-save").click()

    summary = page.get_by_test_id("policy-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("must end after it starts")
    expect(page.get_by_test_id("rule-0")).to_contain_text("is not a timezone we know")
    expect(page.get_by_test_id("rule-0-timezone")).to_have_value("Mars/Olympus_Mons")
    expect(page.get_by_test_id("policy-name")).to_have_value("Weekday posting")
    shoot(page, "errors")


def test_the_editor_works_by_keyboard(page, live_demo):
    policy = organization_policy()
    index = len(policy.rules)
    sign_in(page, live_demo.url, "admin")
    page.goto(f"{live_demo.url}/policies/{policy.pk}/")

    page.get_by_test_id("rule-kind-add").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("rule-add")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id(f"rule-{index}-terms")).to_be_focused()
    page.keyboard.type("cure-all")
    # Enter in a one-line field presses the form's first button: Save, never "Remove rule 1".
    page.get_by_test_id("policy-name").focus()
    page.keyboard.press("End")
    page.keyboard.type(" (2026)")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/policies/{policy.pk}/")
    expect(page.get_by_test_id("policy-version")).to_have_text(f"Version {policy.version + 1}")
    saved = organization_policy()
    assert saved.name.endswith(" (2026)") and saved.rules[index]["terms"] == ["cure-all"]
    assert len(saved.rules) == index + 1


def test_the_editor_works_without_javascript(browser, live_demo):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    try:
        policy = organization_policy()
        index = len(policy.rules)
        sign_in(page, live_demo.url, "admin")
        page.goto(f"{live_demo.url}/policies/{policy.pk}/")
        page.get_by_test_id("policy-name").fill("Renamed without JavaScript")
        page.get_by_test_id("rule-kind-add").select_option("disclaimer")
        page.get_by_test_id("rule-add").click()  # posts the whole form back
        page.wait_for_load_state()
        expect(page.get_by_test_id(f"rule-{index}-text")).to_be_visible()
        expect(page.get_by_test_id("policy-name")).to_have_value("Renamed without JavaScript")
        page.get_by_test_id(f"rule-{index}-text").fill("This is not medical advice.")
        page.get_by_test_id("rule-0-remove").click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("policy-notice")).to_contain_text("Rule 1")
        page.get_by_test_id("policy-save").click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("policy-version")).to_have_text(f"Version {policy.version + 1}")
        saved = organization_policy()
        assert saved.name == "Renamed without JavaScript"
        assert saved.rules == [
            *policy.rules[1:],
            {"kind": "disclaimer", "severity": "block", "text": "This is not medical advice."},
        ]
    finally:
        context.close()


def test_a_manager_sees_only_her_scopes(page, live_demo):
    sign_in(page, live_demo.url, "dana")
    page.get_by_test_id("nav-policies").click()
    scopes = page.get_by_test_id("policy-group")
    labels = {scopes.nth(i).get_attribute("data-scope") for i in range(scopes.count())}
    assert "organization" not in labels and labels
    page.get_by_test_id("policy-new").click()
    expect(page.get_by_test_id("policy-scope").locator('option[value="organization"]')).to_have_count(0)


def test_an_author_has_no_policies_link(page, live_demo):
    sign_in(page, live_demo.url, "alice")
    expect(page.get_by_test_id("nav-policies")).to_have_count(0)
    page.expected_problems += ["HTTP 403", "status of 403 (Forbidden)"]
    response = page.goto(f"{live_demo.url}/policies/")
    assert response.status == 403
    expect(page.get_by_test_id("forbidden")).to_be_visible()


def test_a_conflict_shows_both_sides_and_keeps_the_typed_text(page, live_demo):
    from governance import actions

    policy = organization_policy()
    sign_in(page, live_demo.url, "admin")
    page.goto(f"{live_demo.url}/policies/{policy.pk}/")
    page.get_by_test_id("rule-0-terms").fill("miracle cure\ninstant cure")
    # Meanwhile, someone else saves the policy.
    actions.save_policy(policy, actor=None, expected_version=policy.version, name="Renamed meanwhile")
    page.expected_problems += ["HTTP 409", "status of 409 (Conflict)"]
    page.get_by_test_id("policy-save").click()

    conflict = page.get_by_test_id("policy-conflict")
    expect(conflict).to_contain_text("Someone else saved this policy")
    expect(page.get_by_test_id("policy-conflict-saved")).to_contain_text("Renamed meanwhile")
    expect(page.get_by_test_id("policy-conflict-mine")).to_contain_text("instant cure")
    expect(page.get_by_test_id("rule-0-terms")).to_have_value("miracle cure\ninstant cure")
    shoot(page, "conflict")
    assert organization_policy().name == "Renamed meanwhile"
