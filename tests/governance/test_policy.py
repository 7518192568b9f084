"""Posting policies: rule kinds, merging across scopes, versions, and the policy-check API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import TrainingCertification
from audit.models import AuditEvent
from core.errors import PermissionDenied, StaleVersion, ValidationFailed
from governance import actions
from governance.models import Channel, PostingPolicy
from governance.rules.engine import Draft, check, validate_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog(db):
    department = actions.create_department(actor=None, slug="dept", name="Dept")
    return actions.create_channel(actor=None, slug="blog", name="Blog", platform="blog", owning_department=department)


def policy(rules, **scope):
    return actions.save_policy(actor=None, name="p", rules=rules, **scope)


def rules_found(result):
    return [(f.rule, f.severity) for f in result.findings]


class TestRuleKinds:
    def test_lexicon_whole_words_case_insensitive(self, blog):
        policy([{"kind": "lexicon", "severity": "block", "terms": ["miracle cure", "cure-all"]}])
        result = check(blog, Draft(body="A MIRACLE   cure? No. Miracle cures and cure-alls aren't real."))
        spans = [(f.start, f.end) for f in result.findings]
        assert rules_found(result) == [("lexicon", "block")]
        assert spans == [(2, 16)]  # "MIRACLE   cure"; "cures" and "cure-alls" are other words

    def test_disclaimer(self, blog):
        policy([{"kind": "disclaimer", "severity": "block", "text": "This is not medical advice."}])
        assert rules_found(check(blog, Draft(body="Sleep well."))) == [("disclaimer", "block")]
        assert check(blog, Draft(body="Sleep well. This is NOT medical   advice.")).findings == []

    def test_links(self, blog):
        policy(
            [
                {
                    "kind": "links",
                    "severity": "block",
                    "https_only": True,
                    "allow": ["stmarys.example.org"],
                    "deny": ["bit.ly"],
                }
            ]
        )
        body = "See https://stmarys.example.org/a, http://news.stmarys.example.org/b, https://bit.ly/x and https://evil.example.com."
        found = [(f.message, body[f.start : f.end]) for f in check(blog, Draft(body=body)).findings]
        assert sorted(span for _, span in found) == [
            "http://news.stmarys.example.org/b",
            "https://bit.ly/x",
            "https://evil.example.com",
        ]
        messages = {m for m, _ in found}
        assert "Use an https:// link: http://news.stmarys.example.org/b" in messages
        assert "Links to bit.ly are not allowed." in messages
        assert "evil.example.com is not an allowed link domain (allowed: stmarys.example.org)." in messages

    def test_link_field_is_checked_too(self, blog):
        policy([{"kind": "links", "severity": "block", "deny": ["bit.ly"]}])
        assert rules_found(check(blog, Draft(body="Read more", link="https://bit.ly/abc"))) == [("links", "block")]

    def test_alt_text(self, blog):
        policy([{"kind": "alt_text", "severity": "block"}])
        assert rules_found(check(blog, Draft(body="x", media_url="https://x.org/a.jpg"))) == [("alt_text", "block")]
        assert check(blog, Draft(body="x", media_url="https://x.org/a.jpg", media_alt_text="A nurse")).findings == []

    def test_posting_window_and_blackouts(self, blog):
        rule = {
            "kind": "posting_window",
            "severity": "block",
            "days": [0, 1, 2, 3, 4],
            "start": "08:00",
            "end": "18:00",
            "timezone": "America/New_York",
            "blackout_dates": ["2026-12-25"],
        }
        policy([rule])
        monday_noon = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 12:00 in New York
        saturday = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
        christmas = datetime(2026, 12, 25, 17, 0, tzinfo=UTC)
        assert check(blog, Draft(body="x", scheduled_at=monday_noon)).findings == []
        [finding] = check(blog, Draft(body="x", scheduled_at=saturday)).findings
        assert "Allowed: Mon, Tue, Wed, Thu, Fri 08:00–18:00 (America/New_York)" in finding.message
        assert "blackout" in check(blog, Draft(body="x", scheduled_at=christmas)).findings[0].message

    def test_training(self, blog, django_user_model):
        policy([{"kind": "training", "severity": "block", "course": "hipaa-privacy"}])
        author = django_user_model.objects.create_user("amy", password="a-long-password-1")
        assert rules_found(check(blog, Draft(body="x", author=author))) == [("training", "block")]
        TrainingCertification.objects.create(
            user=author,
            course="hipaa-privacy",
            completed_at=timezone.now() - timedelta(days=1),
            expires_at=timezone.now() + timedelta(days=300),
        )
        assert check(blog, Draft(body="x", author=author)).findings == []


class TestMerging:
    def test_narrower_scopes_add_rules_and_never_lift_a_block(self, blog):
        policy([{"kind": "lexicon", "severity": "block", "terms": ["cure"]}])
        policy(
            [
                {"kind": "lexicon", "severity": "warn", "terms": ["cure"]},
                {"kind": "lexicon", "severity": "warn", "terms": ["amazing"]},
            ],
            department=blog.owning_department,
        )
        policy([{"kind": "links", "severity": "block", "allow": ["a.org"]}], channel=blog)
        result = check(blog, Draft(body="An amazing cure at https://b.org"))
        assert sorted(rules_found(result)) == [("lexicon", "block"), ("lexicon", "warn"), ("links", "block")]
        assert [p["scope"] for p in result.policy_versions] == ["organization", "department dept", "channel blog"]

    def test_another_channel_is_not_affected(self, blog):
        other = actions.create_channel(
            actor=None, slug="other", name="Other", platform="blog", owning_department=blog.owning_department
        )
        policy([{"kind": "lexicon", "severity": "block", "terms": ["cure"]}], channel=blog)
        assert check(other, Draft(body="a cure")).findings == []

    def test_inactive_policies_do_not_apply(self, blog):
        p = policy([{"kind": "lexicon", "severity": "block", "terms": ["cure"]}])
        actions.save_policy(p, actor=None, is_active=False)
        assert check(blog, Draft(body="a cure")).findings == []


class TestPolicyActions:
    def test_versions_and_audit(self, blog):
        p = policy([{"kind": "alt_text", "severity": "warn"}], channel=blog)
        assert p.version == 1 and p.versions.count() == 1
        p = actions.save_policy(p, actor=None, expected_version=1, rules=[{"kind": "alt_text", "severity": "block"}])
        assert p.version == 2 and list(p.versions.values_list("version", flat=True)) == [2, 1]
        event = AuditEvent.objects.order_by("-seq").first()
        assert event.action == "governance.policy.update" and event.channel_id == blog.pk
        assert event.data["before"]["rules"][0]["severity"] == "warn"
        with pytest.raises(StaleVersion):
            actions.save_policy(p, actor=None, expected_version=1, name="late")

    def test_validation(self, blog):
        with pytest.raises(ValidationFailed) as error:
            policy([{"kind": "lexicon", "severity": "fatal", "terms": []}, {"kind": "vibes"}])
        assert len(error.value.errors["rules"]) == 3
        assert validate_rules([{"kind": "posting_window", "severity": "block", "timezone": "Mars/Base"}])
        assert not PostingPolicy.objects.exists()

    def test_who_may_change_policies(self, blog, django_user_model):
        nobody = django_user_model.objects.create_user("nobody", password="a-long-password-1")
        with pytest.raises(PermissionDenied):
            actions.save_policy(actor=nobody, name="x", rules=[])
        manager = django_user_model.objects.create_user("mgr", password="a-long-password-1")
        actions.add_department_member(blog.owning_department, actor=None, user=manager, role="managers")
        manager = django_user_model.objects.get(pk=manager.pk)
        actions.save_policy(actor=manager, name="blog rules", channel=blog, rules=[])
        with pytest.raises(PermissionDenied):
            actions.save_policy(actor=manager, name="org rules", rules=[])


def test_policy_check_api(api_as, demo):
    client = api_as("alice")
    body = "A miracle cure! Read https://bit.ly/x"
    response = client.post("/api/v1/policy-check/", {"channel": "patient-stories", "body": body}, format="json")
    assert response.status_code == 200
    data = response.json()
    found = {(f["rule"], f["severity"], body[f["start"] : f["end"]]) for f in data["findings"]}
    assert ("lexicon", "block", "miracle cure") in found
    assert ("links", "block", "https://bit.ly/x") in found
    assert data["limit"] is None and data["count"] == len(body) and data["unit"] == "characters"
    x = api_as("bob").post("/api/v1/policy-check/", {"channel": "x-news", "body": "a" * 300}, format="json").json()
    assert x["count"] == 300 and x["limit"] == 280
    assert [(f["rule"], f["severity"]) for f in x["findings"]] == [("length", "block")]
    hidden = client.post("/api/v1/policy-check/", {"channel": "x-news", "body": "hi"}, format="json")
    assert hidden.status_code == 400 and hidden.json()["errors"] == {"channel": ["No such channel."]}
    assert not Channel.objects.filter(slug="x-news", posts__isnull=False).exists()  # nothing saved


class TestEveryPublishedFieldIsScreened:
    """Issue 13, finding 9: title, body, link and the image's alt text all go through the policy,
    and a finding says which field it is in (its offsets index that field)."""

    PHI = "Maria Lopez, age 7, was diagnosed with leukemia in room 412."

    def test_a_childs_name_and_diagnosis_in_the_alt_text_are_found(self, blog):
        policy([{"kind": "sensitive", "severity": "escalate"}])
        draft = Draft(body="Our pediatric ward.", media_url="https://x.org/a.jpg", media_alt_text=self.PHI)
        found = [f for f in check(blog, draft).findings if f.rule == "sensitive"]
        assert found and {f.field for f in found} == {"media_alt_text"}
        assert all(0 <= f.start < f.end <= len(self.PHI) for f in found)
        assert any("Maria Lopez" in self.PHI[f.start : f.end] for f in found)
        assert check(blog, draft).escalations

    def test_title_and_link_are_screened_with_their_own_offsets(self, blog):
        policy(
            [
                {"kind": "lexicon", "severity": "block", "terms": ["miracle cure"]},
                {"kind": "links", "severity": "block", "deny": ["bit.ly"]},
            ]
        )
        title, link = "The miracle cure", "https://bit.ly/abc"
        found = {
            (f.rule, f.field, f.start, f.end) for f in check(blog, Draft(body="Hi.", title=title, link=link)).findings
        }
        assert ("lexicon", "title", 4, 16) in found
        assert ("links", "link", 0, len(link)) in found
        alt = check(blog, Draft(body="Hi.", media_url="https://x.org/a.jpg", media_alt_text="A miracle cure"))
        assert [(f.rule, f.field, f.start, f.end) for f in alt.findings] == [("lexicon", "media_alt_text", 2, 14)]
        assert alt.findings[0].message.startswith("In the image's alt text: ")

    def test_body_findings_say_body(self, blog):
        policy([{"kind": "lexicon", "severity": "block", "terms": ["miracle cure"]}])
        finding = check(blog, Draft(body="A miracle cure")).findings[0]
        assert (finding.field, finding.start, finding.end) == ("body", 2, 14)
        # API.md's shape, and the kind of what was found (issue: policy-check findings carry kind and span).
        assert set(finding.as_dict()) == {"rule", "severity", "message", "start", "end", "kind"}


def test_policy_check_api_screens_the_alt_text(api_as, demo):
    """Issue 13, finding 9: live policy-check uses the same screening as submit."""
    alt = "Maria Lopez, age 7, was diagnosed with leukemia in room 412."
    response = api_as("alice").post(
        "/api/v1/policy-check/",
        {"channel": "patient-stories", "body": "Our ward.", "media_url": "https://x.org/a.jpg", "media_alt_text": alt},
        format="json",
    )
    assert response.status_code == 200
    sensitive = [f for f in response.json()["findings"] if f["rule"] == "sensitive"]
    assert sensitive and {f["severity"] for f in sensitive} == {"escalate"}
    assert all(f["message"].startswith("In the image's alt text: ") for f in sensitive)
    assert all(0 <= f["start"] < f["end"] <= len(alt) for f in sensitive)


class TestACrisisIsAFinding:
    """Issue 13, finding 10: while a crisis covers the channel (organization, department or
    channel), the check says so: rule `crisis`, severity `escalate`, its reason and since when."""

    @pytest.mark.parametrize("scope", ["organization", "department", "channel"])
    def test_a_crisis_covering_the_channel_is_an_escalation(self, blog, django_user_model, scope):
        from governance.models import CrisisIncident

        starter = django_user_model.objects.create_user("crisis-lead", password="a-long-password-1")
        where = {"department": {"department": blog.owning_department}, "channel": {"channel": blog}}.get(scope, {})
        started = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
        assert [f.rule for f in check(blog, Draft(body="Hello.")).findings] == []
        CrisisIncident.objects.create(reason="Power outage downtown", started_by=starter, started_at=started, **where)
        result = check(blog, Draft(body="Hello."))
        crisis = [f for f in result.findings if f.rule == "crisis"]
        assert len(crisis) == 1 and crisis[0].severity == "escalate"
        assert "Power outage downtown" in crisis[0].message and "crisis team" in crisis[0].message
        assert "2026-03-04" in crisis[0].message
        # Where it was declared, in people's words (names, never slugs).
        said = {
            "organization": "declared organization-wide",
            "department": f"declared for every channel of {blog.owning_department.name}",
            "channel": f"declared on {blog.name}",
        }[scope]
        assert said in crisis[0].message and blog.slug not in crisis[0].message
        assert result.crisis is not None
        # The crisis adds its own crisis-team stages, not the escalation stages (compliance).
        assert result.escalations == []

    def test_an_ended_crisis_says_nothing(self, blog, django_user_model):
        from governance.models import CrisisIncident

        starter = django_user_model.objects.create_user("crisis-lead", password="a-long-password-1")
        now = timezone.now()
        CrisisIncident.objects.create(reason="Over", started_by=starter, started_at=now, ended_at=now, ended_by=starter)
        assert [f.rule for f in check(blog, Draft(body="Hello.")).findings] == []


def test_policy_check_api_reports_the_crisis_on_the_channel(api_as, demo):
    """Issue 13, finding 10: API.md's shape, rule `crisis`, severity `escalate`."""
    from approvals.actions import start_crisis

    x_news = Channel.objects.get(slug="x-news")
    start_crisis(actor=demo["dana"], reason="Shooting near the east entrance", channel=x_news)
    response = api_as("bob").post(
        "/api/v1/policy-check/", {"channel": "x-news", "body": "Flu shots today."}, format="json"
    )
    assert response.status_code == 200
    crisis = [f for f in response.json()["findings"] if f["rule"] == "crisis"]
    assert len(crisis) == 1
    assert set(crisis[0]) == {"rule", "severity", "message", "start", "end", "kind"}
    assert crisis[0]["severity"] == "escalate" and "Shooting near the east entrance" in crisis[0]["message"]


def test_a_link_the_body_regex_misses_is_still_judged_as_the_link(blog):
    """Issue 13, finding 9: screening the link field on its own keeps the links rule's check of
    the link as such (an ftp:// link is not https), once, over the whole field."""
    policy([{"kind": "links", "severity": "block", "https_only": True}])
    link = "ftp://files.example.org/a"
    found = [(f.rule, f.field, f.start, f.end) for f in check(blog, Draft(body="Hi.", link=link)).findings]
    assert found == [("links", "link", 0, len(link))]
    https = "http://example.org/a"
    found = [(f.rule, f.field, f.start, f.end) for f in check(blog, Draft(body="Hi.", link=https)).findings]
    assert found == [("links", "link", 0, len(https))]


class TestSensitiveSeverity:
    """Issue 15: an identifiable person's information escalates; an identifier tied to health blocks
    (a record number always; an SSN, date of birth or plan number when the post speaks of a health
    matter); an internal channel may take a severity of its own; every finding carries its kind."""

    def severities(self, channel, body, rule=None):
        policy([rule or {"kind": "sensitive", "severity": "escalate"}])
        return {(f.kind, f.severity) for f in check(channel, Draft(body=body)).findings if f.rule == "sensitive"}

    def test_a_name_with_a_diagnosis_escalates(self, blog):
        assert self.severities(blog, "Maria Lopez was admitted to the ICU with pneumonia.") == {
            ("patient_name", "escalate")
        }

    def test_a_record_number_blocks_by_default(self, blog):
        assert ("mrn", "block") in self.severities(blog, "Pull the chart for MRN 4478120 before Monday.")

    def test_a_date_of_birth_blocks_only_with_a_health_matter(self, blog):
        assert ("dob", "block") in self.severities(blog, "Mr. Fischer (DOB 04/12/1961) needs a refill of his insulin.")
        assert ("dob", "escalate") in self.severities(
            blog, "Our volunteer Ruth Adler, born on July 12, 1931, turns 95!"
        )

    def test_the_identifiers_severity_is_the_policys_choice(self, blog):
        rule = {"kind": "sensitive", "severity": "warn", "identifiers": "escalate"}
        assert ("mrn", "escalate") in self.severities(blog, "MRN 4478120 needs a fall-risk band.", rule)

    def test_an_internal_channel_takes_the_internal_severity(self, blog):
        newsletter = actions.create_channel(
            actor=None,
            slug="staff-news",
            name="Staff news",
            platform="newsletter",
            owning_department=blog.owning_department,
            visibility="internal",
        )
        rule = {"kind": "sensitive", "severity": "escalate", "internal": "warn"}
        text = "Maria Lopez was admitted to the ICU with pneumonia."
        assert self.severities(newsletter, text, rule) == {("patient_name", "warn")}
        assert self.severities(blog, text, rule) == {("patient_name", "escalate")}

    def test_bad_severities_are_refused(self):
        problems = validate_rules([{"kind": "sensitive", "severity": "escalate", "identifiers": "loud"}])
        assert problems == ["Rule 1 (sensitive): identifiers must be block, escalate or warn."]
        assert validate_rules([{"kind": "sensitive", "severity": "escalate", "internal": "warn"}]) == []


def test_policy_check_findings_carry_kind_and_span(api_as, demo):
    """API.md: `policy-check/` findings carry the kind and the span of what was found."""
    body = "Thanks @ana_r! So glad your biopsy came back clear. Her MRN 4478120 is on file."
    response = api_as("bob").post("/api/v1/policy-check/", {"channel": "x-news", "body": body}, format="json")
    assert response.status_code == 200
    found = {
        (f["kind"], f["severity"], body[f["start"] : f["end"]])
        for f in response.json()["findings"]
        if f["rule"] == "sensitive"
    }
    assert ("mrn", "block", "MRN 4478120") in found
    # The demo organization's rule: sensitive information escalates on every public channel, not only a warning.
    assert any(kind != "mrn" and severity == "escalate" for kind, severity, _ in found), found
