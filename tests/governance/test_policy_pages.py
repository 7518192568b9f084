"""The posting-policy pages: list, create, edit (structured rules), conflicts, history, access."""

from html.parser import HTMLParser

import pytest

from audit.models import AuditEvent
from core.errors import ValidationFailed
from governance import actions
from governance.models import Channel, Department, PostingPolicy, PostingPolicyVersion
from governance.rules.engine import RULE_KINDS
from governance.rules.kinds import KINDS
from tests.support.queries import Measured, assert_same_queries, queries_of

pytestmark = pytest.mark.django_db

LEXICON = {"kind": "lexicon", "severity": "block", "terms": "miracle cure\ncures cancer\n", "message": ""}
WINDOW = {
    "kind": "posting_window",
    "severity": "block",
    "days": ["0", "1", "2", "3", "4"],
    "start": "08:00",
    "end": "18:00",
    "timezone": "America/New_York",
    "blackout_dates": "2026-12-25\n2026-12-24",
}


def form_data(name="Press rules", *, rules=(), version=None, scope=None, active=True, button="save"):
    """What the browser posts: the policy's fields, `rule_count`, `rule-<i>-<field>`, the button."""
    data = {"name": name, "rule_count": str(len(rules)), button: "1"}
    if active:
        data["is_active"] = "on"
    if version is not None:
        data["version"] = str(version)
    if scope is not None:
        data["scope"] = scope
    for i, rule in enumerate(rules):
        data.update({f"rule-{i}-{key}": value for key, value in rule.items()})
    return data


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's policy form (no button pressed)."""

    def __init__(self):
        super().__init__()
        self.pairs, self._in_form, self._textarea, self._select, self._options = [], False, None, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "policy-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("type") not in ("submit", "button") and "name" in a:
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            else:
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.pairs.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [self._options[0][0]]
            self.pairs.append((self._select, chosen[0]))
            self._select = None


def page_form(response) -> dict:
    parser = _FormFields()
    parser.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return data


def org_policy():
    return PostingPolicy.objects.get(department=None, channel=None)


# --- create, edit, history ---------------------------------------------------------------


def test_admin_creates_an_organization_policy_with_a_lexicon_rule_and_a_posting_window(client, demo):
    client.force_login(demo["admin"])
    page = client.get("/policies/new/")
    assert page.status_code == 200
    assert 'data-testid="policy-scope"' in page.content.decode()

    response = client.post("/policies/new/", form_data(scope="organization", rules=[LEXICON, WINDOW]))

    policy = PostingPolicy.objects.get(name="Press rules")
    assert response.status_code == 302 and response.url == f"/policies/{policy.pk}/"
    assert (policy.version, policy.department, policy.channel, policy.is_active) == (1, None, None, True)
    assert policy.rules == [
        {"kind": "lexicon", "severity": "block", "terms": ["miracle cure", "cures cancer"]},
        {
            "kind": "posting_window",
            "severity": "block",
            "days": [0, 1, 2, 3, 4],
            "start": "08:00",
            "end": "18:00",
            "timezone": "America/New_York",
            "blackout_dates": ["2026-12-24", "2026-12-25"],
        },
    ]
    event = AuditEvent.objects.filter(target_type="governance.postingpolicy", target_id=str(policy.pk)).get()
    assert event.action == "governance.policy.create" and event.actor == demo["admin"]
    shown = client.get(response.url).content.decode()
    assert "Created “Press rules”: version 1." in shown
    assert 'data-testid="policy-version">Version 1<' in shown


def test_editing_makes_version_2_with_versions_kept_and_audited(client, demo):
    client.force_login(demo["admin"])
    client.post("/policies/new/", form_data(scope="organization", rules=[LEXICON]))
    policy = PostingPolicy.objects.get(name="Press rules")

    data = page_form(client.get(f"/policies/{policy.pk}/"))
    assert data["version"] == ["1"] and data["rule-0-terms"] == ["miracle cure\ncures cancer"]
    data["rule-0-terms"] = ["miracle cure\ncures cancer\nwonder drug"]
    data["name"] = ["Press rules 2026"]
    response = client.post(f"/policies/{policy.pk}/", {**data, "save": "1"}, follow=True)

    policy.refresh_from_db()
    assert policy.version == 2 and policy.name == "Press rules 2026"
    assert policy.rules[0]["terms"] == ["miracle cure", "cures cancer", "wonder drug"]
    assert list(policy.versions.values_list("version", "name")) == [(2, "Press rules 2026"), (1, "Press rules")]
    assert policy.versions.get(version=2).created_by == demo["admin"]
    update = AuditEvent.objects.filter(action="governance.policy.update", target_id=str(policy.pk)).get()
    assert update.data["version"] == 2 and update.data["before"]["name"] == "Press rules"
    body = response.content.decode()
    assert "Saved “Press rules 2026”: now version 2." in body
    assert 'data-testid="policy-version">Version 2<' in body


def test_history_lists_versions_newest_first_with_a_diff(client, demo):
    client.force_login(demo["admin"])
    client.post("/policies/new/", form_data(scope="organization", rules=[LEXICON]))
    policy = PostingPolicy.objects.get(name="Press rules")
    changed = dict(LEXICON, terms="miracle cure\nwonder drug")
    client.post(f"/policies/{policy.pk}/", form_data(version=1, rules=[changed], active=False))

    body = client.get(f"/policies/{policy.pk}/history/").content.decode()
    assert body.index('data-version="2"') < body.index('data-version="1"')
    assert "Deactivated" in body
    removed = [line.split("</del>")[0] for line in body.split("<del>")[1:]]
    added = [line.split("</ins>")[0] for line in body.split("<ins>")[1:]]
    assert "-      &quot;cures cancer&quot;" in removed
    assert "+      &quot;wonder drug&quot;" in added


def test_saving_unchanged_keeps_the_version_for_every_demo_policy(client, demo):
    """The structured form round-trips every rule the demo's policies use: loading and saving
    without a change makes no new version."""
    client.force_login(demo["admin"])
    for policy in PostingPolicy.objects.all():
        data = page_form(client.get(f"/policies/{policy.pk}/"))
        response = client.post(f"/policies/{policy.pk}/", {**data, "save": "1"}, follow=True)
        assert "Nothing changed" in response.content.decode(), policy.name
        assert PostingPolicy.objects.get(pk=policy.pk).version == policy.version


def test_settings_the_editor_does_not_show_are_kept(client, demo):
    rules = [{"kind": "disclaimer", "severity": "warn", "text": "#ad", "note": "sponsored posts"}]
    policy = actions.save_policy(actor=None, name="Sponsored", rules=rules)
    client.force_login(demo["admin"])
    data = page_form(client.get(f"/policies/{policy.pk}/"))
    data["rule-0-severity"] = ["block"]
    client.post(f"/policies/{policy.pk}/", {**data, "save": "1"})
    policy.refresh_from_db()
    assert policy.rules == [{"kind": "disclaimer", "severity": "block", "text": "#ad", "note": "sponsored posts"}]


# --- errors and conflicts ----------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"end": "07:00"}, "end", "The window must end after it starts"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "“Mars/Olympus_Mons” is not a timezone we know"),
        ({"blackout_dates": "2026-13-01"}, "blackout_dates", "Not a date: 2026-13-01"),
        ({"days": []}, "days", "Choose at least one day."),
    ],
)
def test_an_invalid_rule_is_shown_next_to_its_field_with_the_input_kept(client, demo, change, field, message):
    client.force_login(demo["admin"])
    events = AuditEvent.objects.count()
    window = {**WINDOW, **change}
    if window["days"] == []:
        del window["days"]
    response = client.post("/policies/new/", form_data("Kept name", scope="organization", rules=[LEXICON, window]))

    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert f'id="id_rule-1-{field}_error"' in body  # the error sits with its field
    assert 'data-testid="policy-errors"' in body and f'href="#id_rule-1-{field}"' in body
    data = page_form(response)
    assert data["name"] == ["Kept name"]
    assert data["rule-0-terms"] == ["miracle cure\ncures cancer\n"]
    assert data["rule-1-timezone"] == [window["timezone"]]
    assert data["rule-1-end"] == [window["end"]]
    assert not PostingPolicy.objects.filter(name="Kept name").exists()
    assert AuditEvent.objects.count() == events


def test_an_empty_lexicon_and_a_missing_name_are_refused(client, demo):
    client.force_login(demo["admin"])
    response = client.post("/policies/new/", form_data("", scope="organization", rules=[dict(LEXICON, terms=" \n")]))
    body = response.content.decode()
    assert "Enter at least one word or phrase." in body and 'id="id_name_error"' in body
    assert PostingPolicy.objects.count() == 5


def test_the_engines_own_objections_are_shown_next_to_the_rule(client, demo, monkeypatch):
    """Whatever save_policy refuses that the form let through lands on the rule it names."""

    def refuse(*args, **kwargs):
        raise ValidationFailed(errors={"rules": ["Rule 2 (posting_window): the window is odd."]})

    monkeypatch.setattr(actions, "save_policy", refuse)
    client.force_login(demo["admin"])
    response = client.post("/policies/new/", form_data("Odd", scope="organization", rules=[LEXICON, WINDOW]))
    body = response.content.decode()
    assert response.status_code == 200
    fieldset = body.split('data-testid="rule-1"')[1].split("</fieldset>")[0]
    assert "The window is odd." in fieldset


def test_a_stale_version_shows_the_conflict_and_keeps_what_was_typed(client, demo):
    policy = org_policy()
    client.force_login(demo["admin"])
    typed = page_form(client.get(f"/policies/{policy.pk}/"))
    loaded = policy.version
    # Meanwhile someone else saves a new version.
    actions.save_policy(policy, actor=demo["admin"], expected_version=loaded, name="Their name")
    typed["name"] = ["My name"]
    typed["rule-0-terms"] = ["miracle cure\nmy new term"]

    response = client.post(f"/policies/{policy.pk}/", {**typed, "save": "1"})

    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="policy-conflict"' in body
    assert "Their name" in body.split('data-testid="policy-conflict-saved"')[1].split("</pre>")[0]
    assert "my new term" in body.split('data-testid="policy-conflict-mine"')[1].split("</pre>")[0]
    kept = page_form(response)
    assert kept["name"] == ["My name"] and kept["rule-0-terms"] == ["miracle cure\nmy new term"]
    assert kept["version"] == [str(loaded + 1)]  # saving again is a deliberate choice
    policy.refresh_from_db()
    assert (policy.name, policy.version) == ("Their name", loaded + 1)

    client.post(f"/policies/{policy.pk}/", {**kept, "save": "1"})
    policy.refresh_from_db()
    assert (policy.name, policy.version) == ("My name", loaded + 2)
    assert "my new term" in policy.rules[0]["terms"]


def test_a_post_without_the_loaded_version_is_refused(client, demo):
    policy = org_policy()
    client.force_login(demo["admin"])
    data = page_form(client.get(f"/policies/{policy.pk}/"))
    del data["version"]
    data["name"] = ["Sneaky"]
    response = client.post(f"/policies/{policy.pk}/", {**data, "save": "1"})
    assert response.status_code == 200 and 'data-testid="policy-errors"' in response.content.decode()
    assert org_policy().name != "Sneaky"


# --- adding and removing rules without JavaScript -----------------------------------------


def test_add_rule_posts_back_the_form_with_an_empty_fieldset_and_nothing_saved(client, demo):
    client.force_login(demo["admin"])
    data = form_data("Draft name", scope="organization", rules=[LEXICON], button="add_rule")
    data["add_rule_kind"] = "training"
    response = client.post("/policies/new/", data)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="rule-1"' in body and 'data-kind="training"' in body
    assert 'data-testid="policy-errors"' not in body and "errorlist" not in body
    fields = page_form(response)
    assert fields["rule_count"] == ["2"] and fields["name"] == ["Draft name"]
    assert fields["rule-0-terms"] == ["miracle cure\ncures cancer\n"]
    assert "autofocus" in body.split('data-testid="rule-1"')[1].split("</fieldset>")[0]
    assert not PostingPolicy.objects.filter(name="Draft name").exists()


def test_remove_rule_renumbers_the_others(client, demo):
    client.force_login(demo["admin"])
    data = form_data("Draft", scope="organization", rules=[LEXICON, WINDOW], button="remove_rule")
    data["remove_rule"] = "0"
    response = client.post("/policies/new/", data)
    fields = page_form(response)
    assert fields["rule_count"] == ["1"] and fields["rule-0-kind"] == ["posting_window"]
    assert fields["rule-0-timezone"] == ["America/New_York"]
    assert "Rule 1 (Words and phrases) is removed from the form" in response.content.decode()


def test_htmx_fetches_an_empty_fieldset_and_the_new_count(client, demo):
    client.force_login(demo["admin"])
    response = client.get("/policies/rule-fieldset/", {"add_rule_kind": "links", "rule_count": "3"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="rule-3"' in body and 'name="rule-3-allow"' in body
    assert 'id="rule-count" value="4" hx-swap-oob="true"' in body
    assert client.get("/policies/rule-fieldset/", {"add_rule_kind": "nope", "rule_count": "0"}).status_code == 400


def test_the_engine_refuses_a_window_ending_before_it_starts_for_the_admin_and_api_too():
    from governance.rules.engine import validate_rules

    rule = {"kind": "posting_window", "severity": "block", "start": "18:00", "end": "08:00"}
    assert validate_rules([rule]) == ["Rule 1 (posting_window): the window must end after it starts, on the same day."]
    assert validate_rules([dict(rule, start="08:00", end="18:00")]) == []


def test_every_rule_kind_has_a_form():
    assert {kind.form.KIND for kind in KINDS.values()} == set(RULE_KINDS)


# --- who may do what ---------------------------------------------------------------------


def test_an_author_gets_403_everywhere_and_no_link(client, demo):
    client.force_login(demo["alice"])
    policy = org_policy()
    for url in ("/policies/", "/policies/new/", f"/policies/{policy.pk}/", f"/policies/{policy.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'data-testid="forbidden"' in response.content.decode()
    assert client.post(f"/policies/{policy.pk}/", form_data("Hacked", version=policy.version)).status_code == 403
    assert client.get("/policies/rule-fieldset/", {"add_rule_kind": "links", "rule_count": "0"}).status_code == 403
    assert 'data-testid="nav-policies"' not in client.get("/dashboard/").content.decode()
    assert org_policy().name != "Hacked"


def test_the_navigation_offers_policies_to_editors(client, demo):
    for username in ("admin", "dana"):
        client.force_login(demo[username])
        assert 'data-testid="nav-policies"' in client.get("/dashboard/").content.decode(), username


def test_a_channel_manager_edits_her_channels_policies_not_the_organizations(client, demo):
    dana = demo["dana"]
    client.force_login(dana)
    listed = client.get("/policies/").content.decode()
    scopes = {s.split('"')[0] for s in listed.split('data-testid="policy-group" data-scope="')[1:]}
    social = Channel.objects.filter(owning_department__slug="social-center")
    with_policies = {f"channel:{c.pk}" for c in social if c.posting_policies.exists()}
    assert scopes == with_policies  # research-blog, podcast, support-forums; not the organization's

    research = PostingPolicy.objects.get(channel__slug="research-blog")
    data = page_form(client.get(f"/policies/{research.pk}/"))
    data["rule-0-text"] = ["This is not medical advice. Talk to your doctor."]
    response = client.post(f"/policies/{research.pk}/", {**data, "save": "1"})
    assert response.status_code == 302
    research.refresh_from_db()
    assert research.version == 2 and research.rules[0]["text"].endswith("Talk to your doctor.")

    policy = org_policy()
    assert client.get(f"/policies/{policy.pk}/").status_code == 403
    assert client.post(f"/policies/{policy.pk}/", form_data("Mine", version=policy.version)).status_code == 403
    assert org_policy().version == policy.version
    patient = PostingPolicy.objects.get(channel__slug="patient-stories")  # marketing's channel
    assert client.get(f"/policies/{patient.pk}/").status_code == 403


def test_a_manager_creates_policies_only_in_her_scopes(client, demo):
    client.force_login(demo["dana"])
    body = client.get("/policies/new/").content.decode()
    social = Department.objects.get(slug="social-center")
    podcast = Channel.objects.get(slug="podcast")
    assert 'value="organization"' not in body
    assert f'value="department:{social.pk}"' in body and f'value="channel:{podcast.pk}"' in body

    refused = client.post("/policies/new/", form_data("Org-wide", scope="organization", rules=[LEXICON]))
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    x_news = Channel.objects.get(slug="x-news")
    refused = client.post("/policies/new/", form_data("PR", scope=f"channel:{x_news.pk}", rules=[LEXICON]))
    assert refused.status_code == 200 and not PostingPolicy.objects.filter(name="PR").exists()

    client.post("/policies/new/", form_data("Podcast extras", scope=f"channel:{podcast.pk}", rules=[LEXICON]))
    created = PostingPolicy.objects.get(name="Podcast extras")
    assert created.channel == podcast and created.versions.get().created_by == demo["dana"]


def test_a_policy_on_a_channel_the_user_cannot_see_is_404(client, demo):
    marketing = Department.objects.get(slug="marketing")
    hidden = actions.create_channel(
        actor=None, slug="secret", name="Secret", platform="blog", owning_department=marketing
    )
    policy = actions.save_policy(actor=None, name="Secret policy", channel=hidden, rules=[])
    social = Department.objects.get(slug="social-center")
    manager = demo["dana"]
    # Someone who manages a channel but is not on the crisis team (who sees every channel).
    from django.contrib.auth import get_user_model

    eve = get_user_model().objects.create_user("eve", password="x")  # noqa: S106
    actions.add_department_member(social, actor=None, user=eve, role="managers")
    client.force_login(eve)
    assert client.get(f"/policies/{policy.pk}/").status_code == 404
    assert client.get("/policies/999999/").status_code == 404
    client.force_login(manager)
    assert client.get(f"/policies/{policy.pk}/").status_code == 403  # the crisis team sees the channel


# --- performance and escaping ------------------------------------------------------------


def _list_queries(client) -> tuple[Measured, int]:
    measured = queries_of(lambda: client.get("/policies/"))
    assert measured.result.status_code == 200
    return measured, measured.result.content.decode().count('data-testid="policy-row"')


@pytest.mark.parametrize("username", ["admin", "dana"])
def test_the_list_costs_the_same_queries_for_5_or_25_policies(client, demo, username):
    client.force_login(demo[username])
    few, rows_before = _list_queries(client)
    social = Department.objects.get(slug="social-center")
    channels = list(Channel.objects.filter(owning_department=social))
    for i in range(4):
        for channel in channels:
            policy = actions.save_policy(
                actor=demo["dana"], name=f"Extra {i} {channel.slug}", channel=channel, rules=[]
            )
            actions.save_policy(policy, actor=demo["admin"], expected_version=1, rules=[LEXICON_RULE])
    actions.save_policy(actor=demo["admin"], name="Department extra", department=social, rules=[LEXICON_RULE])
    many, rows_after = _list_queries(client)
    assert rows_after >= rows_before + 20
    assert_same_queries(few, many)


LEXICON_RULE = {"kind": "lexicon", "severity": "warn", "terms": ["stat"]}


def test_names_and_rules_are_escaped(client, demo):
    evil = "<script>alert(1)</script>"
    policy = actions.save_policy(
        actor=None, name=evil, rules=[{"kind": "lexicon", "severity": "warn", "terms": ['<img src=x onerror="x">']}]
    )
    actions.save_policy(policy, actor=None, expected_version=1, name=evil + "!")
    client.force_login(demo["admin"])
    for url in ("/policies/", f"/policies/{policy.pk}/", f"/policies/{policy.pk}/history/"):
        body = client.get(url).content.decode()
        assert evil not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url


def test_pages_need_sign_in(client, db):
    response = client.get("/policies/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_versions_are_only_written_by_the_action(client, demo):
    before = PostingPolicyVersion.objects.count()
    client.force_login(demo["admin"])
    client.post("/policies/new/", form_data(scope="organization", rules=[LEXICON], button="add_rule"))
    assert PostingPolicyVersion.objects.count() == before
