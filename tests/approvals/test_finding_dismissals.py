"""Issue 15, item 5: findings people can act on. A reviewer dismisses a finding of the sensitive
screen as a false alarm with a reason: audited, kept with the revision, shown on the post's page
and API, exported as a labelled example for the corpus, and without any effect on the workflow."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from approvals import actions
from approvals.models import FindingDismissal, Post, PostState, ReviewStage
from audit.models import AuditEvent
from core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db
V1 = "/api/v1"

# The screen finds a patient's name with a health detail at 0–24 ("Maria Lopez was admitted").
BODY = "Maria Lopez was admitted to the ICU with sepsis last week. She is recovering at home."
SPAN = {"rule": "sensitive", "start": 0, "end": 24}
REASON = "Maria Lopez is our chief nursing officer, speaking about the ICU's new wing; no patient."


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


@pytest.fixture
def submitted(demo, channel, consent):
    """Alice's post on patient-stories, in review: channel review, then compliance sign-off."""
    post = actions.create_post(actor=demo["alice"], channel=channel, body=BODY, consent=consent)
    return actions.submit(post, actor=demo["alice"], expected_version=post.version)


def dismiss(post, user, **overrides):
    return actions.dismiss_finding(post, actor=user, **{**SPAN, "reason": REASON, **overrides})


# --- the action -------------------------------------------------------------------------------


class TestDismissFinding:
    def test_a_reviewer_dismisses_a_finding_and_the_workflow_does_not_move(
        self, demo, submitted, django_capture_on_commit_callbacks
    ):
        before = Post.objects.get(pk=submitted.pk)
        with django_capture_on_commit_callbacks() as callbacks:
            dismissal = dismiss(submitted, demo["rachel"])
        assert callbacks == []  # nobody is notified, nothing is published
        assert (dismissal.revision_id, dismissal.rule, dismissal.kind, dismissal.field) == (
            before.current_revision_id,
            "sensitive",
            "patient_name",
            "body",
        )
        assert (dismissal.start, dismissal.end, dismissal.reason, dismissal.dismissed_by) == (
            0,
            24,
            REASON,
            demo["rachel"],
        )
        assert dismissal.message.startswith("Patient name together with health details: a name next to")
        after = Post.objects.get(pk=submitted.pk)
        for name in ("state", "version", "review_plan", "current_stage_id", "escalations", "awaiting_since"):
            assert getattr(after, name) == getattr(before, name), name
        assert any(e.startswith("sensitive:") for e in after.escalations)

        event = last_event()
        assert (event.action, event.actor, event.target_id) == (
            "approvals.post.dismiss_finding",
            demo["rachel"],
            str(submitted.pk),
        )
        assert event.data == {
            "dismissal_id": dismissal.pk,
            "revision_id": before.current_revision_id,
            "content_hash": before.current_revision.content_hash,
            "rule": "sensitive",
            "kind": "patient_name",
            "severity": "escalate",
            "field": "body",
            "start": 0,
            "end": 24,
            "reason": REASON,
        }
        assert "Maria Lopez was admitted" not in json.dumps(event.data)  # the post's text is not audited

    def test_a_dismissal_does_not_lift_the_compliance_sign_off(self, demo, submitted):
        dismiss(submitted, demo["rachel"])
        post = actions.approve(submitted, actor=demo["rachel"], expected_version=submitted.version)
        assert post.state == PostState.IN_REVIEW and post.current_stage.slug == "compliance"
        plan = [ReviewStage.objects.get(pk=pk).slug for pk in post.review_plan]
        assert plan == ["channel-review", "compliance"]

    def test_a_compliance_officer_may_dismiss(self, demo, submitted):
        assert dismiss(submitted, demo["carol"]).dismissed_by == demo["carol"]

    @pytest.mark.parametrize(
        "username, why",
        [
            ("alice", "wrote"),  # the author
            ("ray", "may not see"),  # another channel's reviewer: he does not see the post at all
            ("dana", "reviewers and compliance officers"),  # sees it (crisis team), does not review there
        ],
    )
    def test_who_may_not(self, demo, submitted, username, why):
        with pytest.raises(PermissionDenied) as refused:
            dismiss(submitted, demo[username])
        assert why in refused.value.detail
        assert not FindingDismissal.objects.exists()

    def test_a_co_author_who_reviews_the_channel_may_not(self, demo, channel, consent):
        post = actions.create_post(
            actor=demo["alice"], channel=channel, body=BODY, consent=consent, co_authors=[demo["admin"]]
        )
        with pytest.raises(PermissionDenied, match="wrote"):
            dismiss(post, demo["admin"])  # a superuser, but one of the post's writers

    def test_reviewing_needs_the_channel_training(self, demo, submitted, channel):
        from governance.actions import save_policy

        save_policy(
            actor=None,
            name="Training",
            channel=channel,
            rules=[{"kind": "training", "severity": "block", "course": "hipaa-privacy"}],
        )
        with pytest.raises(PermissionDenied, match="hipaa-privacy"):
            dismiss(submitted, demo["rachel"])

    @pytest.mark.parametrize(
        "overrides, code",
        [
            ({"start": 1}, "no_such_finding"),
            ({"end": 30}, "no_such_finding"),
            ({"field": "title"}, "no_such_finding"),
            ({"rule": "lexicon"}, "not_dismissable"),
            ({"reason": "   "}, "invalid"),
            ({"reason": "x" * 501}, "invalid"),
        ],
    )
    def test_refused_without_the_finding_or_a_reason(self, demo, submitted, overrides, code):
        with pytest.raises(ValidationFailed) as refused:
            dismiss(submitted, demo["rachel"], **overrides)
        assert refused.value.code == code
        assert not FindingDismissal.objects.exists()
        assert last_event().action != "approvals.post.dismiss_finding"

    def test_once_per_finding_and_a_stale_version_is_a_conflict(self, demo, submitted):
        dismiss(submitted, demo["rachel"])
        with pytest.raises(Conflict, match="already dismissed .* by rachel"):
            dismiss(submitted, demo["carol"])
        with pytest.raises(StaleVersion):
            dismiss(submitted, demo["carol"], expected_version=submitted.version - 1)
        assert FindingDismissal.objects.count() == 1

    def test_an_edit_starts_with_no_dismissals(self, demo, submitted):
        dismissal = dismiss(submitted, demo["rachel"])
        post = actions.edit_post(submitted, actor=demo["alice"], expected_version=submitted.version, body=BODY + " ")
        assert post.current_revision_id != dismissal.revision_id
        assert not FindingDismissal.objects.filter(revision=post.current_revision).exists()
        assert FindingDismissal.objects.filter(pk=dismissal.pk).exists()  # kept with the revision it judged
        assert dismiss(post, demo["rachel"]).revision_id == post.current_revision_id  # the new finding is new

    def test_the_same_span_in_the_title_and_the_body_is_two_findings(self, demo, channel, consent):
        post = actions.create_post(
            actor=demo["alice"], channel=channel, title="Maria Lopez was admitted", body=BODY, consent=consent
        )
        with pytest.raises(ValidationFailed) as refused:
            dismiss(post, demo["rachel"])
        assert refused.value.code == "ambiguous_finding" and "field" in refused.value.errors
        assert dismiss(post, demo["rachel"], field="title").field == "title"
        assert dismiss(post, demo["rachel"], field="body").field == "body"


# --- the API ----------------------------------------------------------------------------------


def dismiss_url(post) -> str:
    return f"{V1}/posts/{post.pk}/findings/dismiss/"


class TestDismissAPI:
    def test_201_with_the_dismissal(self, api_as, submitted):
        response = api_as("rachel").post(dismiss_url(submitted), {**SPAN, "reason": REASON}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert {k: body[k] for k in ("rule", "kind", "field", "start", "end", "reason", "dismissed_by")} == {
            "rule": "sensitive",
            "kind": "patient_name",
            "field": "body",
            "start": 0,
            "end": 24,
            "reason": REASON,
            "dismissed_by": "rachel",
        }
        assert body["revision_id"] == submitted.current_revision_id and body["dismissed_at"]

    @pytest.mark.parametrize(
        "data, field",
        [
            ({**SPAN}, "reason"),
            ({**SPAN, "reason": ""}, "reason"),
            ({**SPAN, "reason": "x" * 501}, "reason"),
            ({**SPAN, "start": 3, "reason": REASON}, "finding"),
            ({"rule": "sensitive", "reason": REASON}, "start"),
        ],
    )
    def test_400(self, api_as, submitted, data, field):
        response = api_as("rachel").post(dismiss_url(submitted), data, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()["errors"]

    def test_403_for_who_sees_the_post_but_may_not_dismiss(self, api_as, submitted):
        for username in ("alice", "dana"):
            response = api_as(username).post(dismiss_url(submitted), {**SPAN, "reason": REASON}, format="json")
            assert response.status_code == 403, username
            assert response.json()["code"] == "permission_denied"

    def test_404_for_a_post_not_visible_or_missing(self, api_as, submitted):
        ray = api_as("ray")  # reviews PR's channels, not patient stories
        assert ray.post(dismiss_url(submitted), {**SPAN, "reason": REASON}, format="json").status_code == 404
        missing = f"{V1}/posts/{submitted.pk + 1000}/findings/dismiss/"
        assert api_as("rachel").post(missing, {**SPAN, "reason": REASON}, format="json").status_code == 404
        assert not FindingDismissal.objects.exists()

    def test_409_for_a_stale_version_or_a_second_dismissal(self, api_as, submitted):
        rachel = api_as("rachel")
        stale = {**SPAN, "reason": REASON, "version": submitted.version - 1}
        assert rachel.post(dismiss_url(submitted), stale, format="json").status_code == 409
        assert rachel.post(dismiss_url(submitted), {**SPAN, "reason": REASON}, format="json").status_code == 201
        again = api_as("carol").post(dismiss_url(submitted), {**SPAN, "reason": REASON}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "already_dismissed"

    def test_the_detail_carries_kind_field_and_dismissed(self, api_as, submitted):
        rachel = api_as("rachel")
        findings = rachel.get(f"{V1}/posts/{submitted.pk}/").json()["findings"]
        sensitive = [f for f in findings if f["rule"] == "sensitive"]
        assert sensitive and all(f["dismissed"] is False for f in findings)
        assert {(f["kind"], f["field"], f["start"], f["end"]) for f in sensitive} == {("patient_name", "body", 0, 24)}
        rachel.post(dismiss_url(submitted), {**SPAN, "reason": REASON}, format="json")
        found = next(
            f for f in rachel.get(f"{V1}/posts/{submitted.pk}/").json()["findings"] if f["rule"] == "sensitive"
        )
        assert found["dismissed"]["reason"] == REASON and found["dismissed"]["by"] == "rachel"
        assert found["dismissed"]["at"]
        assert (
            api_as("alice").get(f"{V1}/posts/{submitted.pk}/").json()["findings"]
            == rachel.get(f"{V1}/posts/{submitted.pk}/").json()["findings"]
        )  # the author sees why too

    def test_the_policy_check_names_what_the_screen_found(self, api_as):
        body = {"channel": "patient-stories", "body": BODY}
        findings = api_as("alice").post(f"{V1}/policy-check/", body, format="json").json()["findings"]
        assert [(f["kind"], f["start"], f["end"]) for f in findings if f["rule"] == "sensitive"] == [
            ("patient_name", 0, 24)
        ]

    def test_the_detail_costs_the_same_with_dismissals(self, api_as, demo, channel, consent):
        body = "Meet Kevin Brown, who beat cancer last year. His sister Ann Brown has diabetes."
        post = actions.create_post(actor=demo["alice"], channel=channel, body=body, consent=consent)
        post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
        client = api_as("rachel")
        client.get(f"{V1}/posts/{post.pk}/")  # the screening is stored on the first read
        none = queries_of(lambda: client.get(f"{V1}/posts/{post.pk}/"))
        for start, end in ((5, 33), (49, 78)):
            actions.dismiss_finding(post, actor=demo["rachel"], rule="sensitive", start=start, end=end, reason="Staff")
        both = queries_of(lambda: client.get(f"{V1}/posts/{post.pk}/"))
        assert all(f["dismissed"] for f in both.result.json()["findings"] if f["rule"] == "sensitive")
        assert_same_queries(none, both)

    def test_the_schema_documents_the_endpoint(self, api_as):
        from drf_spectacular.generators import SchemaGenerator

        schema = SchemaGenerator().get_schema(request=None, public=True)
        operation = schema["paths"]["/api/v1/posts/{post_id}/findings/dismiss/"]["post"]
        assert operation["tags"] == ["review"] and "201" in operation["responses"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        body = schema["components"]["schemas"][ref]
        assert set(body["properties"]) == {"rule", "start", "end", "field", "reason", "version"}
        assert set(body["required"]) == {"rule", "start", "end", "reason"}
        finding = schema["components"]["schemas"]["PostFinding"]
        assert {"kind", "field", "dismissed"} <= set(finding["properties"])


# --- the page ---------------------------------------------------------------------------------


class TestPostPage:
    def test_a_reviewer_gets_the_form_the_author_does_not(self, client_as, submitted):
        rachel = client_as("rachel").get(f"/posts/{submitted.pk}/").content.decode()
        assert 'data-testid="finding-dismiss-form"' in rachel
        assert "Not sensitive — dismiss as a false alarm" in rachel
        assert '<mark class="hl hl-escalate" data-testid="finding-span">Maria Lopez was admitted</mark>' in rachel
        assert 'data-kind="patient_name"' in rachel
        alice = client_as("alice").get(f"/posts/{submitted.pk}/").content.decode()
        assert 'data-testid="finding-span"' in alice  # she sees what was found and why
        assert 'data-testid="finding-dismiss-form"' not in alice
        carol = client_as("carol").get(f"/posts/{submitted.pk}/").content.decode()
        assert 'data-testid="finding-dismiss-form"' in carol

    def test_dismissing_from_the_page_shows_it_dismissed(self, client_as, submitted):
        rachel = client_as("rachel")
        form = {**SPAN, "field": "body", "reason": REASON, "version": submitted.version}
        response = rachel.post(f"/posts/{submitted.pk}/findings/dismiss/", form)
        assert response.status_code == 302 and response["Location"].startswith(f"/posts/{submitted.pk}/")
        for username in ("rachel", "alice"):
            html = client_as(username).get(f"/posts/{submitted.pk}/").content.decode()
            assert 'data-dismissed="true"' in html and 'data-testid="finding-dismissal"' in html
            assert REASON.replace("'", "&#x27;") in html and "Rachel" in html
            assert 'data-testid="finding-dismiss-form"' not in html
        timeline = client_as("alice").get(f"/posts/{submitted.pk}/").content.decode()
        assert 'data-action="approvals.post.dismiss_finding"' in timeline
        assert Post.objects.get(pk=submitted.pk).state == PostState.IN_REVIEW

    def test_a_refusal_or_a_missing_reason_is_shown_and_keeps_what_was_typed(self, client_as, submitted):
        form = {**SPAN, "field": "body", "reason": "", "version": submitted.version}
        response = client_as("rachel").post(f"/posts/{submitted.pk}/findings/dismiss/", form)
        assert response.status_code == 400 and 'data-testid="action-error"' in response.content.decode()
        typed = {**form, "start": 2, "reason": "Typed and kept"}
        response = client_as("rachel").post(f"/posts/{submitted.pk}/findings/dismiss/", typed)
        assert response.status_code == 400 and 'data-code="no_such_finding"' in response.content.decode()
        response = client_as("alice").post(f"/posts/{submitted.pk}/findings/dismiss/", {**form, "reason": "Mine"})
        assert response.status_code == 403
        assert client_as("ray").post(f"/posts/{submitted.pk}/findings/dismiss/", form).status_code == 404
        assert not FindingDismissal.objects.exists()

    def test_the_page_costs_the_same_with_dismissals(self, client_as, demo, channel, consent):
        body = "Meet Kevin Brown, who beat cancer last year. His sister Ann Brown has diabetes."
        post = actions.create_post(actor=demo["alice"], channel=channel, body=body, consent=consent)
        client = client_as("rachel")
        client.get(f"/posts/{post.pk}/")  # the screening is stored on the first read
        none = queries_of(lambda: client.get(f"/posts/{post.pk}/"))
        actions.dismiss_finding(post, actor=demo["rachel"], rule="sensitive", start=5, end=33, reason="Staff")
        one = queries_of(lambda: client.get(f"/posts/{post.pk}/"))
        assert one.result.content.decode().count('data-testid="finding-dismiss-form"') == 1
        assert_same_queries(none, one)


# --- the corpus -------------------------------------------------------------------------------


def exported(tmp_path, **options) -> list[dict]:
    path = tmp_path / "false_alarms.jsonl"
    call_command("export_false_alarms", output=str(path), **options)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class TestExport:
    def test_each_dismissal_is_a_labelled_sentence(self, demo, submitted, tmp_path, capsys):
        dismiss(submitted, demo["rachel"])
        assert exported(tmp_path) == [
            {
                "text": "Maria Lopez was admitted to the ICU with sepsis last week.",
                "sensitive": False,
                "kinds": ["dismissed"],
                "lang": "",
                "note": f"dismissed as a false alarm: {REASON} (rule sensitive, kind patient_name)",
            }
        ]
        assert "A person reviews each line" in capsys.readouterr().err

    def test_since_and_stdout(self, demo, submitted, tmp_path, capsys):
        dismiss(submitted, demo["rachel"])
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        assert exported(tmp_path, since=tomorrow) == []
        call_command("export_false_alarms", since=timezone.localdate().isoformat())
        lines = capsys.readouterr().out.splitlines()
        assert [json.loads(line)["sensitive"] for line in lines] == [False]

    def test_a_sentence_with_another_standing_finding_is_left_out(self, demo, channel, consent, tmp_path, capsys):
        body = "Our garden opens Friday. Nurse Joan Park had chemo jokes ready. Call 555 301 4488 for Mrs. Dalton."
        post = actions.create_post(actor=demo["alice"], channel=channel, body=body, consent=consent)
        actions.dismiss_finding(post, actor=demo["rachel"], rule="sensitive", start=69, end=81, reason="Our desk")
        assert exported(tmp_path) == []
        assert "1 left out" in capsys.readouterr().err
        actions.dismiss_finding(post, actor=demo["rachel"], rule="sensitive", start=45, end=97, reason="A joke")
        # The name's span runs across two sentences, the phone's is in the second: one example.
        [line] = exported(tmp_path)
        assert line["text"] == "Nurse Joan Park had chemo jokes ready. Call 555 301 4488 for Mrs. Dalton."
        assert line["note"] == (
            "dismissed as a false alarm: Our desk (rule sensitive, kind phone); "
            "dismissed as a false alarm: A joke (rule sensitive, kind patient_name)"
        )

    def test_the_help_says_a_person_reviews_the_lines(self):
        from approvals.management.commands.export_false_alarms import Command

        assert "reads each one" in Command.help and "before" in Command.help
