from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from approvals import actions
from approvals import permissions as post_permissions
from approvals.models import Post, PostState, ReviewDecision, ReviewStage, Revision
from audit.models import AuditEvent
from core.errors import PermissionDenied, StaleVersion, ValidationFailed
from governance import actions as governance_actions
from governance.models import Channel

pytestmark = pytest.mark.django_db


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def submit(post, user, capture):
    with capture(execute=True) as callbacks:
        post = actions.submit(post, actor=user, expected_version=post.version)
    return post, callbacks


class TestCreateAndEdit:
    def test_create(self, demo, channel, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            post = actions.create_post(actor=demo["alice"], channel=channel, title="Hi", body="Hello world")
        assert post.state == PostState.DRAFT and post.version == 1
        revision = post.current_revision
        assert revision.number == 1 and revision.content_hash == Revision.hash_content(revision.content())
        event = last_event()
        assert (event.action, event.target_id, event.channel_id) == ("approvals.post.create", str(post.pk), channel.pk)
        assert event.data["content_hash"] == revision.content_hash
        assert callbacks == []

    def test_create_needs_draft_permission(self, demo, channel):
        with pytest.raises(PermissionDenied):
            actions.create_post(actor=demo["bob"], channel=channel, body="Not my channel")
        assert not Post.objects.exists()

    def test_create_validates(self, demo, channel):
        with pytest.raises(ValidationFailed) as error:
            actions.create_post(actor=demo["alice"], channel=channel, body="", link="not a url")
        assert {"body", "link"} <= set(error.value.errors)
        with pytest.raises(ValidationFailed):
            actions.create_post(
                actor=demo["alice"], channel=channel, body="x", scheduled_at=timezone.now() - timedelta(hours=1)
            )

    def test_edit_makes_a_new_revision_and_voids_approvals(self, demo, make_post):
        post = make_post("in_review")
        post = actions.approve(post, actor=demo["rachel"], expected_version=post.version)
        assert post.state == PostState.IN_REVIEW or post.state == PostState.APPROVED
        old = post.current_revision
        post = actions.edit_post(post, actor=demo["alice"], expected_version=post.version, body="New words")
        assert post.state == PostState.DRAFT and post.current_revision.number == 2
        assert post.current_revision.body == "New words" and old.body != "New words"
        assert ReviewDecision.objects.get(post=post).voided_reason == "edited"
        event = last_event()
        assert event.action == "approvals.post.edit" and event.data["voided_decisions"] == 1
        assert event.data["before_content_hash"] == old.content_hash
        assert event.data["content_hash"] == post.current_revision.content_hash

    def test_revisions_are_immutable(self, make_post):
        revision = make_post().current_revision
        revision.body = "rewritten in place"
        with pytest.raises(ValueError, match="immutable"):
            revision.save()

    def test_edit_with_nothing_changed_changes_nothing(self, demo, make_post):
        post = make_post()
        count = AuditEvent.objects.count()
        same = actions.edit_post(post, actor=demo["alice"], expected_version=1, body=post.current_revision.body)
        assert same.version == 1 and AuditEvent.objects.count() == count

    def test_stale_edit_is_refused_and_loses_nothing(self, demo, make_post):
        post = make_post()
        actions.edit_post(post, actor=demo["alice"], expected_version=1, body="First")
        with pytest.raises(StaleVersion):
            actions.edit_post(post, actor=demo["alice"], expected_version=1, body="Second")
        post.refresh_from_db()
        assert post.current_revision.body == "First" and post.version == 2

    def test_only_authors_edit(self, demo, make_post):
        with pytest.raises(PermissionDenied):
            actions.edit_post(make_post(), actor=demo["rachel"], expected_version=1, body="Reviewer rewrite")

    def test_co_author_may_edit_and_submit_but_never_review(self, demo, channel):
        marketing = channel.owning_department
        User = get_user_model()
        cory = User.objects.create_user("cory", email="cory@example.org", password="a-long-password-1")
        governance_actions.add_department_member(marketing, actor=None, user=cory, role="authors")
        governance_actions.add_department_member(marketing, actor=None, user=cory, role="reviewers")
        post = actions.create_post(actor=demo["alice"], channel=channel, body="Together", co_authors=[fresh(cory)])
        post = actions.edit_post(post, actor=fresh(cory), expected_version=1, body="Together, edited")
        post = actions.submit(post, actor=fresh(cory), expected_version=2)
        with pytest.raises(PermissionDenied, match="Nobody who wrote"):
            actions.approve(post, actor=fresh(cory), expected_version=post.version)


class TestSubmit:
    def test_submit_opens_the_first_stage_and_notifies_its_reviewers(
        self, demo, make_post, django_capture_on_commit_callbacks
    ):
        post, callbacks = submit(make_post(), demo["alice"], django_capture_on_commit_callbacks)
        assert post.state == PostState.IN_REVIEW and post.current_stage.slug == "channel-review"
        assert post.escalations == ["regulated-channel"]  # patient-stories is regulated
        plan = [ReviewStage.objects.get(pk=pk).slug for pk in post.review_plan]
        assert plan == ["channel-review", "compliance"]
        event = last_event()
        assert event.action == "approvals.post.submit" and event.data["stages"] == plan
        assert len(callbacks) == 1
        assert [m.to for m in mail.outbox] == [["rachel@stmarys.example.org"]]
        assert "Review needed" in mail.outbox[0].subject

    def test_unregulated_channel_has_only_channel_review(self, demo):
        post = actions.create_post(actor=demo["bob"], channel=Channel.objects.get(slug="x-news"), body="News")
        post = actions.submit(post, actor=demo["bob"], expected_version=1)
        assert [ReviewStage.objects.get(pk=pk).slug for pk in post.review_plan] == ["channel-review"]

    def test_nobody_else_submits(self, demo, make_post):
        with pytest.raises(PermissionDenied):
            actions.submit(make_post(), actor=demo["rachel"], expected_version=1)


class TestDecisions:
    def test_approve_through_both_stages(self, demo, make_post, django_capture_on_commit_callbacks, delivered):
        post, _ = submit(make_post(), demo["alice"], django_capture_on_commit_callbacks)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            post = actions.approve(post, actor=demo["rachel"], expected_version=post.version, comment="Lovely")
        assert post.state == PostState.IN_REVIEW and post.current_stage.slug == "compliance"
        assert len(callbacks) == 2  # the author hears of the decision, compliance of the open stage
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@stmarys.example.org", "carol@stmarys.example.org"]
        event = last_event()
        assert event.action == "approvals.post.approve"
        assert (event.data["stage"], event.data["opened_stage"]) == ("channel-review", "compliance")

        post = actions.approve(post, actor=demo["carol"], expected_version=post.version)
        assert post.state == PostState.APPROVED and post.current_stage is None
        decisions = ReviewDecision.objects.filter(post=post)
        assert {d.content_hash for d in decisions} == {post.current_revision.content_hash}
        assert {d.revision_id for d in decisions} == {post.current_revision_id}
        assert delivered == []

    def test_approval_of_a_post_with_a_time_schedules_it(self, demo, channel, delivered):
        when = timezone.now() + timedelta(days=2)
        post = actions.create_post(
            actor=demo["bob"], channel=Channel.objects.get(slug="x-news"), body="Soon", scheduled_at=when
        )
        post = actions.submit(post, actor=demo["bob"], expected_version=1)
        post = actions.approve(post, actor=demo["ray"], expected_version=post.version)
        assert post.state == PostState.SCHEDULED and post.scheduled_at == when
        assert delivered == [(post.pk, PostState.SCHEDULED)]

    def test_one_person_approves_at_most_one_stage(self, demo, channel):
        # Make rachel a compliance officer too: she may still approve only one of the two stages.
        governance_actions.assign_role(demo["rachel"], actor=None, role="Compliance Officer")
        rachel = fresh(demo["rachel"])
        post = actions.submit(
            actions.create_post(actor=demo["alice"], channel=channel, body="x"), actor=demo["alice"], expected_version=1
        )
        post = actions.approve(post, actor=rachel, expected_version=post.version)
        assert post.current_stage.slug == "compliance"
        with pytest.raises(PermissionDenied, match="another stage"):
            actions.approve(post, actor=fresh(rachel), expected_version=post.version)
        assert post_permissions.available_actions(fresh(rachel), post) == ["comment"]

    def test_the_database_refuses_a_second_approval_by_the_same_person(self, demo, make_post):
        post = make_post("in_review")
        post = actions.approve(post, actor=demo["rachel"], expected_version=post.version)
        compliance = ReviewStage.objects.get(slug="compliance")
        with pytest.raises(IntegrityError):
            ReviewDecision.objects.create(
                post=post,
                revision=post.current_revision,
                stage=compliance,
                reviewer=demo["rachel"],
                decision="approve",
                content_hash="x" * 64,
            )

    def test_a_stage_needing_two_approvals_waits_for_the_second(self, demo, channel):
        ReviewStage.objects.create(
            slug="two-eyes",
            name="Two reviewers",
            position=15,
            channel=channel,
            eligible_permission="review_on_channel",
            approvals_required=2,
        )
        User = get_user_model()
        second = User.objects.create_user("rita", email="rita@example.org", password="a-long-password-1")
        governance_actions.add_department_member(channel.owning_department, actor=None, user=second, role="reviewers")
        third = User.objects.create_user("rob", email="rob@example.org", password="a-long-password-1")
        governance_actions.add_department_member(channel.owning_department, actor=None, user=third, role="reviewers")
        post = actions.submit(
            actions.create_post(actor=demo["alice"], channel=channel, body="x"), actor=demo["alice"], expected_version=1
        )
        post = actions.approve(post, actor=demo["rachel"], expected_version=post.version)  # channel-review done
        assert post.current_stage.slug == "two-eyes"
        post = actions.approve(post, actor=fresh(second), expected_version=post.version)
        assert post.current_stage.slug == "two-eyes"  # one of two
        post = actions.approve(post, actor=fresh(third), expected_version=post.version)
        assert post.current_stage.slug == "compliance"

    def test_request_changes_needs_a_comment_and_returns_to_the_author(
        self, demo, make_post, django_capture_on_commit_callbacks
    ):
        post = make_post("in_review")
        with pytest.raises(ValidationFailed):
            actions.request_changes(post, actor=demo["rachel"], expected_version=post.version, comment="  ")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            post = actions.request_changes(
                post, actor=demo["rachel"], expected_version=post.version, comment="Name the ward, not the patient."
            )
        assert post.state == PostState.CHANGES_REQUESTED and post.current_stage is None
        assert last_event().action == "approvals.post.request_changes"
        assert len(callbacks) == 1 and mail.outbox[-1].to == ["alice@stmarys.example.org"]
        # The comment is read in Clearpost: e-mail carries no comment, no post text (issue 13).
        assert "Name the ward" not in mail.outbox[-1].body and "Their comment is on the post." in mail.outbox[-1].body

    def test_reject(self, demo, make_post):
        post = make_post("in_review")
        post = actions.reject(post, actor=demo["rachel"], expected_version=post.version, comment="Off-brand.")
        assert post.state == PostState.REJECTED
        assert last_event().action == "approvals.post.reject"

    def test_reviewer_of_another_channel_may_not_decide(self, demo, make_post):
        post = make_post("in_review")
        with pytest.raises(PermissionDenied):
            actions.approve(post, actor=demo["ray"], expected_version=post.version)


class TestAfterApproval:
    def test_schedule_and_publish(self, demo, make_post, delivered):
        post = make_post("approved")
        with pytest.raises(ValidationFailed):
            actions.schedule(
                post,
                actor=demo["rachel"],
                expected_version=post.version,
                scheduled_at=timezone.now() - timedelta(minutes=5),
            )
        with pytest.raises(PermissionDenied):
            actions.schedule(
                post,
                actor=demo["alice"],
                expected_version=post.version,
                scheduled_at=timezone.now() + timedelta(days=1),
            )
        post = actions.schedule(
            post, actor=demo["rachel"], expected_version=post.version, scheduled_at=timezone.now() + timedelta(days=1)
        )
        assert post.state == PostState.SCHEDULED and last_event().action == "approvals.post.schedule"
        post = actions.publish_now(post, actor=demo["rachel"], expected_version=post.version)
        assert post.state == PostState.PUBLISHING and last_event().action == "approvals.post.publish"
        assert delivered == [(post.pk, PostState.SCHEDULED), (post.pk, PostState.PUBLISHING)]

    def test_withdraw(self, demo, make_post):
        post = make_post("approved")
        with pytest.raises(PermissionDenied):
            actions.withdraw(post, actor=demo["rachel"], expected_version=post.version)
        post = actions.withdraw(post, actor=demo["alice"], expected_version=post.version)
        assert post.state == PostState.WITHDRAWN and last_event().action == "approvals.post.withdraw"


class TestComments:
    def test_threaded_comments(self, demo, make_post):
        post = make_post("in_review")
        question = actions.comment(post, actor=demo["rachel"], body="Do we have consent?")
        answer = actions.comment(post, actor=demo["alice"], body="Yes, signed.", parent=question)
        assert answer.parent == question and answer.revision_id == post.current_revision_id
        assert last_event().action == "approvals.post.comment"
        post.refresh_from_db()
        assert post.version == 1  # a comment never makes anyone's copy stale
        with pytest.raises(PermissionDenied):
            actions.comment(post, actor=demo["bob"], body="I should not be here")


def test_available_actions_follow_table_and_rules(demo, make_post):
    post = make_post("in_review")
    assert post_permissions.available_actions(demo["alice"], post) == ["edit", "withdraw", "comment"]
    assert post_permissions.available_actions(demo["rachel"], post) == [
        "approve",
        "request_changes",
        "reject",
        "comment",
    ]
    assert post_permissions.available_actions(demo["carol"], post) == ["comment"]  # compliance stage not open yet
    approved = make_post("approved")
    assert post_permissions.available_actions(demo["rachel"], approved) == ["schedule", "publish", "comment"]


class TestDeliveryAndHolds:
    def test_delivery_reports(self, demo, make_post, delivered):
        post = make_post("publishing")
        with pytest.raises(PermissionDenied, match="Only delivery"):
            actions.mark_failed(post, actor=demo["rachel"], reason="I say so")
        post = actions.mark_failed(post, actor=None, reason="HTTP 400: token expired")
        assert post.state == PostState.FAILED and post.status_reason == "HTTP 400: token expired"
        assert last_event().actor_label == "system" and last_event().data["reason"] == "HTTP 400: token expired"
        post = actions.retry(post, actor=demo["rachel"], expected_version=post.version)
        assert post.state == PostState.PUBLISHING and post.status_reason == ""
        assert delivered == [(post.pk, PostState.PUBLISHING)]
        post = actions.mark_published(
            post,
            actor=None,
            remote_id="42",
            remote_url="https://example.org/p/42",
            sent_hash=post.current_revision.content_hash,
        )
        assert post.state == PostState.PUBLISHED and post.published_at and post.remote_url.endswith("/42")
        assert last_event().data["sent_hash"] == post.current_revision.content_hash

    def test_a_publisher_records_a_manual_publication(self, demo, make_post):
        post = make_post("publishing")
        with pytest.raises(PermissionDenied):
            actions.mark_published(post, actor=demo["alice"], expected_version=post.version, remote_url="https://x")
        post = actions.mark_published(
            post, actor=demo["rachel"], expected_version=post.version, remote_url="https://stories.example.org/p/1"
        )
        assert post.state == PostState.PUBLISHED

    def test_hold_and_release(self, demo, make_post, delivered):
        post = make_post("scheduled", scheduled_at=timezone.now() + timedelta(hours=2))
        with pytest.raises(PermissionDenied):
            actions.hold(post, actor=demo["alice"], expected_version=post.version, reason="no")
        post = actions.hold(post, actor=demo["dana"], expected_version=post.version, reason="Storm")
        assert post.state == PostState.HELD and post.status_reason == "Storm"
        post = actions.release(post, actor=demo["dana"], expected_version=post.version)
        assert post.state == PostState.SCHEDULED and delivered == [(post.pk, PostState.SCHEDULED)]

    def test_release_after_the_time_passed_waits_for_a_publisher(self, demo, make_post):
        post = make_post("held", scheduled_at=timezone.now() - timedelta(hours=1))
        post = actions.release(post, actor=None)
        assert post.state == PostState.APPROVED

    def test_retract_needs_a_manager_and_a_reason(self, demo, make_post):
        post = make_post("published")
        with pytest.raises(PermissionDenied):
            actions.retract(post, actor=demo["rachel"], expected_version=post.version, reason="Typo")
        with pytest.raises(ValidationFailed):
            actions.retract(post, actor=demo["admin"], expected_version=post.version, reason="")
        post = actions.retract(post, actor=demo["admin"], expected_version=post.version, reason="Typo in dose")
        assert post.state == PostState.RETRACTED and last_event().action == "approvals.post.retract"

    def test_the_system_never_approves(self, make_post):
        with pytest.raises(PermissionDenied, match="needs a person"):
            actions.approve(make_post("in_review"), actor=None, expected_version=1)


def test_review_stages_are_defined_by_portal_admins_and_audited(demo, channel, client):
    with pytest.raises(PermissionDenied):
        actions.save_review_stage(
            None, actor=demo["dana"], slug="legal", name="Legal", eligible_permission="manage_channel"
        )
    stage = actions.save_review_stage(
        None,
        actor=demo["admin"],
        slug="legal",
        name="Legal review",
        position=25,
        channel=channel,
        eligible_permission="manage_channel",
    )
    assert last_event().action == "approvals.stage.create" and last_event().channel_id == channel.pk
    with pytest.raises(ValidationFailed):  # a permission and a group at once: one eligibility only
        actions.save_review_stage(stage, actor=demo["admin"], eligible_group=Group.objects.get(name="Reviewer"))
    client.force_login(demo["admin"])
    response = client.post(
        f"/admin/approvals/reviewstage/{stage.pk}/change/",
        {
            "slug": "legal",
            "name": "Legal review",
            "position": 26,
            "channel": channel.pk,
            "eligible_permission": "manage_channel",
            "approvals_required": 1,
            "applies": "always",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.position == 26
    event = last_event()
    assert event.action == "approvals.stage.update" and event.data["after"] == {"position": 26}


def test_notification_subject_stays_on_one_line(demo, channel, django_capture_on_commit_callbacks):
    post = actions.create_post(
        actor=demo["alice"], channel=channel, title="First line\nSecond line\r\nThird", body="A body."
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit(post, actor=demo["alice"], expected_version=1)
    assert mail.outbox and "\n" not in mail.outbox[-1].subject
    assert "First line Second line" in mail.outbox[-1].subject
