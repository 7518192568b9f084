"""Break-glass publishing: publish now, approved or not, with a reason; compliance officers are
told at once and review it afterwards (within 24 hours)."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts import roles
from approvals import actions
from approvals import permissions as post_permissions
from approvals.models import Decision, Post, PostState, RetrospectiveReview, ReviewDecision
from approvals.workflow import BREAKABLE
from audit.models import AuditEvent
from core.errors import Conflict, PermissionDenied, StaleVersion, TransitionNotAllowed, ValidationFailed
from governance import actions as governance_actions
from governance import permissions
from governance.models import Channel, Consent
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
REASON = "Water main burst: tell patients the east entrance is closed."


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def story_consent(demo, channel):
    """A consent valid today covering patient-stories, whose posts must cite one."""
    made = Consent.objects.create(
        person_name="Maria Lopez",
        granted_on=timezone.localdate(),
        document_reference="DMS-TEST-BREAK-GLASS",
        recorded_by=demo["carol"],
    )
    made.channels.add(channel)
    return made


def new_post(actor, channel, consent=None, body="Our new garden opens on Friday."):
    post = actions.create_post(actor=actor, channel=channel, body=body)
    if consent is not None:
        Post.objects.filter(pk=post.pk).update(consent=consent)
        post.refresh_from_db()
    return post


def break_glass_mail(outbox):
    return [m for m in outbox if "Break-glass" in m.subject]


def broken(demo, channel_slug="research-blog", body="Clinic closed today.", by="dana"):
    """A post by dana on one of her channels, published by breaking the glass."""
    channel = Channel.objects.get(slug=channel_slug)
    post = actions.create_post(actor=demo[by], channel=channel, body=body)
    return actions.break_glass(post, actor=demo[by], expected_version=post.version, reason=REASON)


class TestBreakGlass:
    @pytest.mark.parametrize("state", BREAKABLE)
    def test_from_every_allowed_state(
        self, state, demo, make_post, delivered, django_capture_on_commit_callbacks, mailoutbox
    ):
        extra = {"held_from": "scheduled", "status_reason": "Held by crisis #1"} if state == "held" else {}
        if state == "failed":
            extra = {"status_reason": "HTTP 500 from the platform"}
        post = make_post(state, **extra)
        revision = post.current_revision
        before = timezone.now()
        with django_capture_on_commit_callbacks() as callbacks:
            post = actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)

        post.refresh_from_db()  # as committed (delivery, after the commit, takes it on from here)
        assert post.state == PostState.PUBLISHING and post.version == 2
        assert post.current_stage is None and post.awaiting_since is None
        assert post.held_from == "" and post.status_reason == ""
        assert post.current_revision_id == revision.pk  # exactly what was there goes out

        review = RetrospectiveReview.objects.get(post=post)
        assert review.revision_id == revision.pk and review.content_hash == revision.content_hash
        assert review.reason == REASON and review.requested_by == demo["dana"]
        assert before <= review.requested_at <= timezone.now()
        assert review.due_at - review.requested_at == timedelta(hours=24)
        assert review.completed_at is None and review.outcome == ""

        [event] = events("approvals.post.break_glass")
        assert event.actor_id == demo["dana"].pk and event.target_id == str(post.pk)
        assert event.data["reason"] == REASON and event.data["skipped_from"] == state
        assert event.data["before"]["state"] == state and event.data["after"]["state"] == "publishing"
        assert event.data["revision_id"] == revision.pk and event.data["content_hash"] == revision.content_hash
        assert event.data["retrospective_review_id"] == review.pk
        assert delivered == [(post.pk, PostState.PUBLISHING)]
        assert break_glass_mail(mailoutbox) == []  # not before the commit
        for callback in callbacks:
            callback()
        assert [m.to for m in break_glass_mail(mailoutbox)] == [["carol@stmarys.example.org"]]

    @pytest.mark.parametrize("state", sorted(set(PostState.values) - set(BREAKABLE)))
    def test_refused_from_the_other_states(self, state, demo, make_post, mailoutbox):
        post = make_post(state)
        with pytest.raises(TransitionNotAllowed):
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert not RetrospectiveReview.objects.exists() and mailoutbox == []

    @pytest.mark.parametrize("username", ["alice", "rachel", "carol", "bob", "ray"])
    def test_only_holders_of_the_permission(self, username, demo, make_post):
        post = make_post("approved")
        with pytest.raises(PermissionDenied):
            actions.break_glass(post, actor=demo[username], expected_version=post.version, reason=REASON)
        post.refresh_from_db()
        assert post.state == PostState.APPROVED and not RetrospectiveReview.objects.exists()
        assert not events("approvals.post.break_glass")

    def test_a_grant_on_one_channel_holds_there_only(self, demo):
        x_news, facebook = Channel.objects.get(slug="x-news"), Channel.objects.get(slug="facebook-main")
        bob = demo["bob"]
        governance_actions.grant_permission(x_news, actor=demo["admin"], perm=permissions.BREAK_GLASS, user=bob)
        bob = fresh(bob)
        # An author may break the glass on their own post: the retrospective review is the control.
        mine = actions.create_post(actor=bob, channel=x_news, body="Road closed outside A&E.")
        assert "break_glass" in post_permissions.available_actions(bob, mine)
        mine = actions.break_glass(mine, actor=bob, expected_version=mine.version, reason=REASON)
        assert mine.state == PostState.PUBLISHING
        elsewhere = actions.create_post(actor=bob, channel=facebook, body="Road closed outside A&E.")
        assert "break_glass" not in post_permissions.available_actions(bob, elsewhere)
        with pytest.raises(PermissionDenied):
            actions.break_glass(elsewhere, actor=bob, expected_version=elsewhere.version, reason=REASON)

    @pytest.mark.parametrize("reason", ["", "   ", None])
    def test_a_reason_is_required(self, reason, demo, make_post):
        post = make_post("draft")
        with pytest.raises(ValidationFailed) as error:
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=reason)
        assert "reason" in error.value.errors
        post.refresh_from_db()
        assert post.state == PostState.DRAFT and not RetrospectiveReview.objects.exists()

    def test_delivery_can_tell_a_break_glass_publication(self, demo, make_post):
        post = make_post("approved")
        assert not post_permissions.broke_the_glass(post)
        post = actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert post_permissions.broke_the_glass(post)

    def test_stale_version(self, demo, make_post):
        post = make_post("approved")
        with pytest.raises(StaleVersion):
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version + 1, reason=REASON)

    def test_approvals_stay_on_record_and_the_missing_stages_are_audited(self, demo, channel, story_consent):
        """Patient stories are regulated: channel review, then compliance sign-off. Rachel has
        approved the first; the glass is broken before compliance decides."""
        alice, rachel, dana = demo["alice"], demo["rachel"], demo["dana"]
        post = new_post(alice, channel, story_consent)
        post = actions.submit(post, actor=alice, expected_version=post.version)
        post = actions.approve(post, actor=rachel, expected_version=post.version)
        assert post.current_stage.slug == "compliance"
        post = actions.break_glass(post, actor=dana, expected_version=post.version, reason=REASON)

        [approval] = ReviewDecision.objects.filter(post=post)
        assert approval.decision == Decision.APPROVE and approval.voided_at is None
        assert approval.revision_id == post.current_revision_id
        data = events("approvals.post.break_glass")[0].data
        assert data["open_stage"] == "compliance" and data["unapproved_stages"] == ["compliance"]
        assert data["skipped_from"] == "in_review"

    def test_a_never_submitted_draft_skips_the_plan_a_submission_would_get(self, demo, channel, story_consent):
        post = new_post(demo["alice"], channel, story_consent)
        actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        data = events("approvals.post.break_glass")[0].data
        assert data["unapproved_stages"] == ["channel-review", "compliance"]  # regulated: compliance too
        assert data["open_stage"] is None

    def test_an_approved_post_skipped_no_stage(self, demo, channel, story_consent):
        alice = demo["alice"]
        post = new_post(alice, channel, story_consent)
        post = actions.submit(post, actor=alice, expected_version=post.version)
        post = actions.approve(post, actor=demo["rachel"], expected_version=post.version)
        post = actions.approve(post, actor=demo["carol"], expected_version=post.version)
        assert post.state == PostState.APPROVED
        actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert events("approvals.post.break_glass")[0].data["unapproved_stages"] == []

    def test_a_banned_term_is_refused_not_skipped(self, demo):
        """Break-glass skips review stages, never a `block` finding (issue 13, finding 5)."""
        research = Channel.objects.get(slug="research-blog")
        post = actions.create_post(actor=demo["dana"], channel=research, body="A miracle cure, see bit.ly/x")
        with pytest.raises(ValidationFailed, match="never what the posting policy blocks") as error:
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert error.value.code == "policy_blocked"
        assert {f["severity"] for f in error.value.extra["findings"]} >= {"block"}
        post.refresh_from_db()
        assert post.state == PostState.DRAFT and not RetrospectiveReview.objects.exists()
        assert not events("approvals.post.break_glass")

    def test_a_missing_certification_is_refused_not_skipped(self, demo, channel, story_consent):
        governance_actions.save_policy(
            actor=None,
            name="HIPAA",
            channel=channel,
            rules=[{"kind": "training", "severity": "block", "course": "hipaa-privacy"}],
        )
        post = new_post(demo["alice"], channel, story_consent)  # alice holds no certification
        with pytest.raises(ValidationFailed, match="hipaa-privacy") as error:
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert error.value.code == "policy_blocked"
        assert Post.objects.get(pk=post.pk).state == PostState.DRAFT

    def test_warnings_and_escalations_are_recorded_for_compliance(self, demo):
        research = Channel.objects.get(slug="research-blog")
        governance_actions.save_policy(
            actor=None,
            name="Careful words",
            channel=research,
            rules=[{"kind": "lexicon", "severity": "escalate", "terms": ["embargo"]}],
        )
        post = actions.create_post(actor=demo["dana"], channel=research, body="The embargo ends at noon.")
        post = actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert post.state == PostState.PUBLISHING
        findings = events("approvals.post.break_glass")[0].data["findings"]
        severities = {f["severity"] for f in findings}
        assert "escalate" in severities and "block" not in severities

    def test_a_consent_channel_still_needs_a_valid_consent(self, demo, channel, make_post, story_consent):
        channel = governance_actions.update_channel(channel, actor=None, requires_consent=True)
        post = make_post("approved", consent=None)
        with pytest.raises(ValidationFailed) as error:
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert error.value.code == "consent_required" and "consent" in error.value.errors
        post.refresh_from_db()
        assert post.state == PostState.APPROVED and not RetrospectiveReview.objects.exists()

        Consent.objects.filter(pk=story_consent.pk).update(revoked_at=timezone.now())
        Post.objects.filter(pk=post.pk).update(consent=story_consent)
        post.refresh_from_db()
        with pytest.raises(ValidationFailed) as error:
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert error.value.code == "consent_required" and "revoked" in error.value.detail

        Consent.objects.filter(pk=story_consent.pk).update(revoked_at=None)
        post = actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert post.state == PostState.PUBLISHING

    def test_compliance_officers_are_emailed_at_once(self, demo, make_post, django_capture_on_commit_callbacks):
        second = get_user_model().objects.create_user("cora", email="cora@stmarys.example.org")
        governance_actions.assign_role(second, actor=None, role=roles.COMPLIANCE_OFFICER)
        post = make_post("in_review")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        assert mail.outbox == []  # only once the change has committed
        for callback in callbacks:
            callback()
        sent = break_glass_mail(mail.outbox)
        assert sorted(m.to[0] for m in sent) == ["carol@stmarys.example.org", "cora@stmarys.example.org"]
        message = sent[0]
        review = RetrospectiveReview.objects.get()
        assert "Break-glass" in message.subject and "Patient Stories" in message.subject
        assert REASON in message.body and review.content_hash in message.body
        assert f"{settings.SITE_URL}/posts/{post.pk}/" in message.body
        assert "\n" not in message.subject


class TestCompleteRetrospective:
    def test_justified(self, demo):
        post = broken(demo)
        review = RetrospectiveReview.objects.get(post=post)
        done = actions.complete_retrospective(review, actor=demo["carol"], outcome="justified", comment="")
        review.refresh_from_db()
        assert review.completed_by == demo["carol"] and review.outcome == "justified" and review.completed_at
        assert done.pk == review.pk
        [event] = events("approvals.retrospective.complete")
        assert event.target_type == "approvals.retrospectivereview" and event.target_id == str(review.pk)
        assert event.data["post_id"] == post.pk and event.data["outcome"] == "justified"
        assert event.data["requested_by"] == "dana" and event.data["late"] is False

    def test_not_justified_needs_a_comment(self, demo):
        review = RetrospectiveReview.objects.get(post=broken(demo))
        for comment in ("", "  "):
            with pytest.raises(ValidationFailed) as error:
                actions.complete_retrospective(review, actor=demo["carol"], outcome="not_justified", comment=comment)
            assert "comment" in error.value.errors
        with pytest.raises(ValidationFailed) as error:
            actions.complete_retrospective(review, actor=demo["carol"], outcome="maybe", comment="")
        assert "outcome" in error.value.errors
        actions.complete_retrospective(review, actor=demo["carol"], outcome="not_justified", comment="Could wait.")
        review.refresh_from_db()
        assert (review.outcome, review.comment) == ("not_justified", "Could wait.")

    def test_only_once(self, demo):
        review = RetrospectiveReview.objects.get(post=broken(demo))
        actions.complete_retrospective(review, actor=demo["carol"], outcome="justified")
        with pytest.raises(Conflict):
            actions.complete_retrospective(review, actor=demo["carol"], outcome="not_justified", comment="Hm.")
        review.refresh_from_db()
        assert review.outcome == "justified" and len(events("approvals.retrospective.complete")) == 1

    @pytest.mark.parametrize("username", ["dana", "alice", "rachel", "sam"])
    def test_compliance_officers_only(self, username, demo):
        review = RetrospectiveReview.objects.get(post=broken(demo))
        with pytest.raises(PermissionDenied):
            actions.complete_retrospective(review, actor=demo[username], outcome="justified")

    def test_the_breaker_never_reviews_their_own_use(self, demo):
        carol = demo["carol"]
        governance_actions.assign_role(carol, actor=None, role=roles.CRISIS_TEAM)
        carol = fresh(carol)
        research = Channel.objects.get(slug="research-blog")
        post = actions.create_post(actor=demo["dana"], channel=research, body="Clinic closed today.")
        post = actions.break_glass(post, actor=carol, expected_version=post.version, reason=REASON)
        review = RetrospectiveReview.objects.get(post=post)
        with pytest.raises(PermissionDenied):
            actions.complete_retrospective(review, actor=carol, outcome="justified")
        actions.complete_retrospective(review, actor=demo["admin"], outcome="justified")  # another officer may


class TestBreakGlassApi:
    def test_break_glass_endpoint(self, api_as, demo, make_post, mailoutbox, django_capture_on_commit_callbacks):
        post = make_post("in_review")
        dana = api_as("dana")
        before = dana.get(f"{V1}/posts/{post.pk}/").json()
        assert "break_glass" in before["available_actions"]
        assert "break_glass" not in api_as("alice").get(f"{V1}/posts/{post.pk}/").json()["available_actions"]
        assert "break_glass" not in api_as("rachel").get(f"{V1}/posts/{post.pk}/").json()["available_actions"]

        with django_capture_on_commit_callbacks(execute=True):
            response = dana.post(
                f"{V1}/posts/{post.pk}/break-glass/", {"version": before["version"], "reason": REASON}, format="json"
            )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["state"] == "publishing" and body["version"] == before["version"] + 1
        assert "break_glass" not in body["available_actions"]
        [review] = body["retrospective_reviews"]
        assert review["reason"] == REASON and review["requested_by"] == "dana"
        assert review["content_hash"] == body["revision"]["content_hash"] and review["overdue"] is False
        assert review["completed_at"] is None and review["outcome"] == ""
        assert len(break_glass_mail(mailoutbox)) == 1

        now = dana.get(f"{V1}/posts/{post.pk}/").json()  # delivery may have taken it further since
        again = dana.post(f"{V1}/posts/{post.pk}/break-glass/", {"version": now["version"], "reason": REASON})
        assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"

    def test_errors(self, api_as, demo, make_post, channel):
        post = make_post("draft")
        path = f"{V1}/posts/{post.pk}/break-glass/"
        dana = api_as("dana")
        missing = dana.post(path, {"version": 1}, format="json")
        assert missing.status_code == 400 and "reason" in missing.json()["errors"]
        blank = dana.post(path, {"version": 1, "reason": "  "}, format="json")
        assert blank.status_code == 400 and "reason" in blank.json()["errors"]
        assert dana.post(path, {"version": 7, "reason": REASON}, format="json").status_code == 409
        for username in ("alice", "rachel", "carol"):
            refused = api_as(username).post(path, {"version": 1, "reason": REASON}, format="json")
            assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        # Bob cannot see a marketing post: it does not exist for him.
        assert api_as("bob").post(path, {"version": 1, "reason": REASON}, format="json").status_code == 404
        governance_actions.update_channel(channel, actor=None, requires_consent=True)
        Post.objects.filter(pk=post.pk).update(consent=None)
        refused = dana.post(path, {"version": 1, "reason": REASON}, format="json")
        assert refused.status_code == 400 and refused.json()["code"] == "consent_required"
        assert "consent" in refused.json()["errors"]
        assert not RetrospectiveReview.objects.exists()

    def test_a_grant_on_one_channel_through_the_api(self, api_as, demo):
        x_news, facebook = Channel.objects.get(slug="x-news"), Channel.objects.get(slug="facebook-main")
        governance_actions.grant_permission(x_news, actor=demo["admin"], perm=permissions.BREAK_GLASS, user=demo["bob"])
        bob = api_as("bob")
        here = actions.create_post(actor=demo["bob"], channel=x_news, body="Road closed outside A&E.")
        there = actions.create_post(actor=demo["bob"], channel=facebook, body="Road closed outside A&E.")
        ok = bob.post(f"{V1}/posts/{here.pk}/break-glass/", {"version": 1, "reason": REASON}, format="json")
        assert ok.status_code == 200 and ok.json()["state"] == "publishing"
        refused = bob.post(f"{V1}/posts/{there.pk}/break-glass/", {"version": 1, "reason": REASON}, format="json")
        assert refused.status_code == 403

    def test_post_detail_stays_at_constant_queries(self, api_as, demo):
        client = api_as("carol")
        post = broken(demo)
        one = queries_of(lambda: client.get(f"{V1}/posts/{post.pk}/").json()["retrospective_reviews"])
        assert len(one.result) == 1
        for _ in range(3):  # broken again after each failed delivery
            post = actions.mark_failed(post, reason="HTTP 500")
            post = actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason=REASON)
        four = queries_of(lambda: client.get(f"{V1}/posts/{post.pk}/").json()["retrospective_reviews"])
        reviews = four.result
        assert len(reviews) == 4
        assert_same_queries(one, four)
        assert [r["id"] for r in reviews] == sorted(r["id"] for r in reviews)


def _list(client, url=f"{V1}/retrospective-reviews/", **params):
    measured = queries_of(lambda: client.get(url, params))
    assert measured.result.status_code == 200, measured.result.content
    return measured, measured.result.json()


class TestRetrospectiveReviewList:
    def test_compliance_officers_only(self, api_as, demo):
        broken(demo)
        for username in ("alice", "dana", "rachel", "sam"):
            response = api_as(username).get(f"{V1}/retrospective-reviews/")
            assert response.status_code == 403 and response.json()["code"] == "permission_denied"
        assert api_as("carol").get(f"{V1}/retrospective-reviews/").status_code == 200
        assert api_as("admin").get(f"{V1}/retrospective-reviews/").status_code == 200
        assert (
            api_as("dana").post(f"{V1}/retrospective-reviews/1/complete/", {"outcome": "justified"}).status_code == 403
        )

    def test_open_first_oldest_due_first_with_overdue(self, api_as, demo):
        reviews = [RetrospectiveReview.objects.get(post=broken(demo, body=f"Notice {i}")) for i in range(4)]
        now = timezone.now()
        # Due times out of creation order; the first is overdue; the second is done.
        for review, hours in zip(reviews, (-2, 5, 1, 3), strict=True):
            RetrospectiveReview.objects.filter(pk=review.pk).update(due_at=now + timedelta(hours=hours))
        actions.complete_retrospective(reviews[1], actor=demo["carol"], outcome="justified")
        _, body = _list(api_as("carol"))
        rows = body["results"]
        assert [r["id"] for r in rows] == [reviews[0].pk, reviews[2].pk, reviews[3].pk, reviews[1].pk]
        assert [r["overdue"] for r in rows] == [True, False, False, False]
        first = rows[0]
        assert first["post"] == reviews[0].post_id and first["channel"] == "research-blog"
        assert first["requested_by"] == "dana" and first["reason"] == REASON
        assert first["content_hash"] == reviews[0].content_hash and first["outcome"] == ""
        assert {"requested_at", "due_at", "completed_at", "completed_by"} <= set(first)
        assert rows[-1]["outcome"] == "justified" and rows[-1]["completed_by"] == "carol"

        carol = api_as("carol")
        assert [r["id"] for r in carol.get(f"{V1}/retrospective-reviews/", {"open": "true"}).json()["results"]] == [
            reviews[0].pk,
            reviews[2].pk,
            reviews[3].pk,
        ]
        done = carol.get(f"{V1}/retrospective-reviews/", {"open": "false"}).json()["results"]
        assert [r["id"] for r in done] == [reviews[1].pk]
        assert carol.get(f"{V1}/retrospective-reviews/", {"open": "perhaps"}).status_code == 400

    def test_constant_queries_and_keyset_pages(self, api_as, demo):
        carol = api_as("carol")
        broken(demo)
        one, body = _list(carol)
        assert len(body["results"]) == 1 and body["next"] is None
        for i in range(19):
            broken(demo, body=f"Notice {i}")
        done = RetrospectiveReview.objects.order_by("id")[:5]
        for review in done:
            actions.complete_retrospective(review, actor=demo["carol"], outcome="justified")
        twenty, body = _list(carol)
        assert len(body["results"]) == 20
        assert_same_queries(one, twenty)
        ids = [r["id"] for r in body["results"]]
        assert [r["completed_at"] is None for r in body["results"]] == [True] * 15 + [False] * 5

        first = carol.get(f"{V1}/retrospective-reviews/", {"page_size": 7}).json()
        second = carol.get(first["next"]).json()
        third = carol.get(second["next"]).json()  # crosses from the open reviews to the completed ones
        assert [r["id"] for r in first["results"] + second["results"] + third["results"]] == ids
        assert third["next"] is None
        deep, _ = _list(carol, second["next"])
        assert_same_queries(one, deep)
        assert carol.get(f"{V1}/retrospective-reviews/", {"cursor": "garbage"}).status_code == 404

    def test_complete_endpoint(self, api_as, demo):
        review = RetrospectiveReview.objects.get(post=broken(demo))
        path = f"{V1}/retrospective-reviews/{review.pk}/complete/"
        carol = api_as("carol")
        needs_comment = carol.post(path, {"outcome": "not_justified"}, format="json")
        assert needs_comment.status_code == 400 and "comment" in needs_comment.json()["errors"]
        assert carol.post(path, {"outcome": "maybe"}, format="json").status_code == 400
        response = carol.post(path, {"outcome": "not_justified", "comment": "It could wait an hour."}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["outcome"] == "not_justified" and body["completed_by"] == "carol" and body["completed_at"]
        assert body["comment"] == "It could wait an hour."
        twice = carol.post(path, {"outcome": "justified"}, format="json")
        assert twice.status_code == 409
        assert carol.post(f"{V1}/retrospective-reviews/999999/complete/", {"outcome": "justified"}).status_code == 404
        detail = carol.get(f"{V1}/posts/{review.post_id}/").json()["retrospective_reviews"]
        assert detail[0]["outcome"] == "not_justified"


def _dashboard(client):
    measured = queries_of(lambda: client.get("/dashboard/"))
    assert measured.result.status_code == 200
    return measured, measured.result.content.decode()


class TestDashboard:
    def test_open_reviews_show_in_the_compliance_officers_queue_until_done(self, client, demo):
        client.force_login(demo["carol"])
        _, page = _dashboard(client)
        assert 'data-testid="panel-retrospective-reviews"' in page
        assert 'data-testid="no-retrospective-reviews"' in page

        review = RetrospectiveReview.objects.get(post=broken(demo))
        one, page = _dashboard(client)
        assert page.count('data-testid="retrospective-row"') == 1
        assert f'data-review="{review.pk}"' in page and "retrospective-overdue" not in page
        RetrospectiveReview.objects.filter(pk=review.pk).update(due_at=timezone.now() - timedelta(minutes=1))
        _, page = _dashboard(client)
        assert 'data-testid="retrospective-overdue"' in page

        for i in range(11):
            broken(demo, body=f"Notice {i}")
        twelve, page = _dashboard(client)
        assert_same_queries(one, twelve)
        assert page.count('data-testid="retrospective-row"') == 10 and 'data-testid="retrospective-more"' in page
        assert "12 break-glass publications await" in page

        for review in RetrospectiveReview.objects.all():
            actions.complete_retrospective(review, actor=demo["carol"], outcome="justified")
        _, page = _dashboard(client)
        assert 'data-testid="retrospective-row"' not in page and 'data-testid="no-retrospective-reviews"' in page

    @pytest.mark.parametrize("username", ["alice", "dana"])
    def test_nobody_else_sees_the_panel(self, username, client, demo):
        broken(demo)
        client.force_login(demo[username])
        _, page = _dashboard(client)
        assert "panel-retrospective-reviews" not in page and "retrospective-row" not in page

    def test_reasons_are_escaped(self, client, demo):
        research = Channel.objects.get(slug="research-blog")
        post = actions.create_post(actor=demo["dana"], channel=research, body="Clinic closed today.")
        actions.break_glass(post, actor=demo["dana"], expected_version=1, reason='<script>alert("x")</script>')
        client.force_login(demo["carol"])
        _, page = _dashboard(client)
        assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page


def test_lower_apps_never_import_higher_ones():
    """core ← accounts ← audit ← governance ← approvals ← publishing ← portal ← config: the
    dashboard panel comes from approvals through the dashboard's registry (core.panels), not an
    import. (`lint-imports` in CI checks the same, indirect imports and circles included.)"""
    order = ["core", "accounts", "audit", "governance", "approvals", "publishing", "portal", "config"]
    root = Path(settings.BASE_DIR)
    for position, app in enumerate(order):
        higher = set(order[position + 1 :])
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    assert name.split(".")[0] not in higher, f"{path.relative_to(root)} imports {name}"
