"""Issue 14, finding 8 (part): policy rules that `validate_rules` accepted and that then made
every policy check on the channel a 500 (settings of the wrong type), and NUL characters or lone
surrogates in the policy editor's JSON (a 500 when PostgreSQL refused to store them).

The mechanism: `validate_rules` refuses what cannot be stored, bounds a policy's size, and
tries every rule on a trial draft before accepting it. The property: for any rule hypothesis
can make of a kind's keys with values of any JSON type, either `validate_rules` names a problem
or checking a draft with it works."""

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from governance.actions import save_policy
from governance.models import Channel, PostingPolicy
from governance.rules import engine
from governance.rules.engine import Draft
from governance.rules.kinds import KINDS

from .test_bounded_rules import RULES

V1 = "/api/v1"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
KEYS = sorted({key for rule in RULES.values() for key in rule} - {"kind"})


@st.composite
def malformed_rules(draw):
    kind = draw(st.sampled_from(sorted(RULES)))
    rule = dict(RULES[kind])
    for key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True)):
        rule[key] = draw(json_values)
    return rule


DRAFTS = [
    Draft(body="See https://a.org/x and www.b.net. Maria Lopez, dob 1/2/1990.", link="http://c.org/y"),
    Draft(
        body="Hello",
        title="T",
        media_url="https://a.org/i.png",
        media_alt_text="",
        scheduled_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
    ),
]


@hypothesis_settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(rule=malformed_rules())
def test_a_rule_the_engine_accepts_can_be_checked(rule):
    if engine.validate_rules([rule]):
        return
    channel = Channel(slug="c", name="C", platform="facebook")
    kind = KINDS[rule["kind"]]
    for draft in DRAFTS:
        for _, text in draft.published_fields():
            if kind.screens_text:
                kind.check(rule, text, channel)
        if not kind.screens_text:
            kind.check(rule, draft, channel)
    kind.describe(rule)


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "links", "severity": "block", "allow": "stmarys.org"},
        {"kind": "links", "severity": "block", "deny": [5]},
        {"kind": "links", "severity": "block", "allow": [None]},
        {"kind": "disclaimer", "severity": "block", "text": 5},
        {"kind": "disclaimer", "severity": "block", "text": ["Not advice."]},
        {"kind": "posting_window", "severity": "block", "days": "01234"},
        {"kind": "posting_window", "severity": "block", "blackout_dates": "2026-12-25"},
        {"kind": "posting_window", "severity": "block", "days": [True]},
        {"kind": "lexicon", "severity": "block", "terms": ["ok"], "message": 5},
        {"kind": "training", "severity": "block", "course": ["hipaa"]},
    ],
)
def test_rules_with_settings_of_the_wrong_type_are_refused(rule):
    assert engine.validate_rules([rule])


@pytest.mark.parametrize(
    "rules",
    [
        [{"kind": "lexicon", "severity": "block", "terms": ["nul\x00"]}],
        [{"kind": "lexicon", "severity": "block", "terms": ["ok"], "message": "\ud800"}],
        [{"kind": "disclaimer", "severity": "block", "text": "ok", "note\x00": 1}],
    ],
    ids=["nul", "lone-surrogate", "nul-in-a-key"],
)
def test_text_the_database_cannot_store_is_refused(rules):
    assert engine.validate_rules(rules)


@pytest.mark.django_db
@pytest.mark.parametrize("extra", ['{"note": "a\\u0000b"}', '{"note": "\\ud800"}'], ids=["nul", "lone-surrogate"])
def test_the_policy_editor_refuses_unstorable_json_with_a_message(client, demo, extra):
    client.force_login(demo["admin"])
    policy = PostingPolicy.objects.get(department=None, channel=None)
    data = {
        "name": policy.name,
        "version": str(policy.version),
        "is_active": "on",
        "rule_count": "1",
        "rule-0-kind": "lexicon",
        "rule-0-severity": "block",
        "rule-0-terms": "miracle cure",
        "rule-0-message": "",
        "rule-0-extra": extra,
        "save": "1",
    }
    response = client.post(f"/policies/{policy.pk}/", data)
    assert response.status_code in (200, 400), response.status_code
    assert b"cannot be stored" in response.content
    policy.refresh_from_db()
    assert all("note" not in rule for rule in policy.rules)


@pytest.mark.django_db
def test_a_malformed_rule_saved_through_the_action_is_refused_not_stored(demo):
    policy = PostingPolicy.objects.get(department=None, channel=None)
    bad = [*policy.rules, {"kind": "links", "severity": "block", "allow": "stmarys.org"}]
    with pytest.raises(ValidationFailed):
        save_policy(policy, actor=demo["admin"], expected_version=policy.version, rules=bad)
    checked = engine.check(Channel.objects.get(slug="x-news"), Draft(body="https://x.org"))
    assert checked.findings is not None
