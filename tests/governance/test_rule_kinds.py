"""The registry of rule kinds: each kind is one module with its check, validation, description
and editor form, and the engine, the policy editor and the channel page all read the registry."""

from types import SimpleNamespace

import pytest
from django import forms
from django.http import QueryDict

from governance import actions
from governance.channel_views import describe_rule
from governance.models import Channel
from governance.policy_forms import RuleInput, kind_choices, rules_from_post
from governance.rules import engine
from governance.rules.findings import Finding
from governance.rules.kinds import KINDS, RuleKind
from governance.rules.kinds.base import RuleForm

CHANNEL = SimpleNamespace(name="Blog", platform="blog", requires_consent=False)


def test_the_engine_and_the_editor_list_the_registrys_kinds_in_its_order():
    names = ["lexicon", "disclaimer", "links", "sensitive", "posting_window", "alt_text", "training"]
    assert list(KINDS) == names
    assert list(engine.RULE_KINDS) == names
    assert [name for name, _label in kind_choices()] == names


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_has_a_check_a_validation_a_description_and_a_form_in_its_own_module(name):
    kind = KINDS[name]
    assert kind.name == name
    module = f"governance.rules.kinds.{name}"
    assert {kind.check.__module__, kind.validate.__module__, kind.describe.__module__, kind.form.__module__} == {module}

    rule = {"kind": name, "severity": "warn"}
    findings = kind.check(rule, engine.Draft(body="Hello"), CHANNEL)
    assert isinstance(findings, list) and all(isinstance(f, Finding) for f in findings)
    problems = kind.validate(rule)
    assert isinstance(problems, list) and all(isinstance(p, str) and p for p in problems)
    description = kind.describe(rule)
    assert isinstance(description, str) and description

    assert issubclass(kind.form, RuleForm) and kind.form.KIND == name and kind.form.LABEL
    assert f'name="rule-0-kind" value="{name}" data-testid="rule-0-kind"' in str(kind.form(index=0)["kind"])


class ShoutingRuleForm(RuleForm):
    KIND = "shouting"
    LABEL = "No shouting"
    PARAMS = ("min_length",)

    min_length = forms.IntegerField(label="Shortest shout", min_value=1)

    def params(self, data):
        return {"min_length": data["min_length"]}

    @classmethod
    def raw_params(cls, rule):
        return {"min_length": [str(rule.get("min_length", ""))]}


SHOUTING = RuleKind(
    "shouting",
    check=lambda rule, draft, channel: (
        [Finding("shouting", rule["severity"], "Please do not shout.")]
        if draft.body.isupper() and len(draft.body) >= rule.get("min_length", 1)
        else []
    ),
    validate=lambda rule: [] if isinstance(rule.get("min_length"), int) else ["min_length must be a number."],
    describe=lambda rule: f"No posts in capitals of {rule.get('min_length')} letters or more",
    form=ShoutingRuleForm,
)


@pytest.fixture
def shouting(monkeypatch):
    monkeypatch.setitem(KINDS, "shouting", SHOUTING)
    return SHOUTING


def test_a_registered_kind_is_known_to_the_engine_and_its_validation(shouting):
    assert list(engine.RULE_KINDS)[-1] == "shouting"
    assert engine.validate_rules([{"kind": "yelling", "severity": "warn"}]) == [
        "Rule 1: kind must be one of lexicon, disclaimer, links, sensitive, posting_window, alt_text, training, "
        "shouting."
    ]
    assert engine.validate_rules([{"kind": "shouting", "severity": "loud"}]) == [
        "Rule 1 (shouting): severity must be block, escalate or warn.",
        "Rule 1 (shouting): min_length must be a number.",
    ]
    rule = {"kind": "shouting", "severity": "warn", "min_length": 3}
    assert engine.validate_rules([rule]) == []

    policy = SimpleNamespace(pk=1, scope_label="organization", version=1, rules=[rule])
    # No crisis covers the (in-memory) channel: given, so that the engine reads nothing.
    result = engine.check(CHANNEL, engine.Draft(body="HELLO"), policies=[policy], crisis=None)
    assert [(f.rule, f.severity, f.message) for f in result.findings] == [("shouting", "warn", "Please do not shout.")]
    assert describe_rule(rule) == "No posts in capitals of 3 letters or more"


def test_a_registered_kind_is_offered_and_edited_by_the_policy_editor(shouting):
    assert kind_choices()[-1] == ("shouting", "No shouting")
    posted = QueryDict(mutable=True)
    posted.update({"rule_count": "1", "rule-0-kind": "shouting", "rule-0-severity": "warn", "rule-0-min_length": "4"})
    [rule] = rules_from_post(posted)
    form = rule.form(0, bound=True)
    assert isinstance(form, ShoutingRuleForm) and form.is_valid(), form.errors
    assert form.to_rule() == {"kind": "shouting", "severity": "warn", "min_length": 4}
    assert RuleInput.from_rule(form.to_rule()).raw["min_length"] == ["4"]


@pytest.mark.django_db
def test_a_registered_kind_shows_in_the_editor_page_and_on_the_channel_page(shouting, client_as):
    page = client_as("admin").get("/policies/new/").content.decode()
    assert '<option value="shouting">No shouting</option>' in page

    channel = Channel.objects.get(slug="mastodon-main")
    actions.save_policy(
        actor=None, name="Quiet", channel=channel, rules=[{"kind": "shouting", "severity": "warn", "min_length": 5}]
    )
    page = client_as("dana").get("/channels/mastodon-main/").content.decode()
    assert "No posts in capitals of 5 letters or more" in page
