"""Races through the API on PostgreSQL: requests released together by a barrier, each thread
on its own database connection. One request wins, the other gets a 409 (never a 500, never a
silent overwrite), nothing the loser sent survives, and the audit chain still verifies.

The action-level races of approve-vs-approve and edit-vs-approve live in
tests/approvals/test_concurrency.py; these add the HTTP contract, the outbox and the chain.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from approvals import actions
from approvals.models import Post, PostState, ReviewDecision, ReviewStage, Revision
from audit.models import AuditEvent
from audit.verify import verify_chain
from governance import actions as governance_actions
from governance.models import Channel, CrisisIncident
from publishing.models import PublishJob
from tests.support.clients import token_client
from tests.support.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3  # each race is run a few times: the interleavings differ from run to run


@pytest.fixture
def org(demo):
    """The demo plus a second reviewer in Public Affairs (x-news), so that two may race."""
    from django.contrib.auth import get_user_model

    rory = get_user_model().objects.create_user("rory", password="a-long-password-1")
    governance_actions.add_department_member(
        Channel.objects.get(slug="x-news").owning_department, actor=None, user=rory, role="reviewers"
    )
    return {**demo, "rory": rory}


@pytest.fixture
def client_for(org):
    def make(username: str) -> APIClient:
        return token_client(org[username])

    return make


def statuses(responses) -> list[int]:
    assert all(not isinstance(r, Exception) for r in responses), responses
    return sorted(r.status_code for r in responses)


def one_winner(responses):
    """Exactly one 2xx and one 409 in the API's error shape; returns (winner, loser)."""
    codes = statuses(responses)
    assert codes[0] < 300 and codes[1] == 409, [(r.status_code, r.content[:300]) for r in responses]
    winner, loser = sorted(responses, key=lambda r: r.status_code)
    assert set(loser.json()) >= {"detail", "code"}, loser.json()
    return winner, loser


def assert_chain_verifies():
    result = verify_chain()
    assert result.ok, result


def in_review(org, *, channel="x-news", author="bob", **fields) -> Post:
    post = actions.create_post(
        actor=org[author], channel=Channel.objects.get(slug=channel), body="Road works on Elm Street.", **fields
    )
    return actions.submit(post, actor=org[author], expected_version=post.version)


def approved(org, **fields) -> Post:
    """A post by dana on mastodon-main, approved by admin (no time yet)."""
    post = in_review(org, channel="mastodon-main", author="dana", **fields)
    return actions.approve(post, actor=org["admin"], expected_version=post.version)


def test_two_reviewers_approving_over_the_api_give_one_approval(org, client_for):
    ray, rory = client_for("ray"), client_for("rory")
    for _ in range(ROUNDS):
        post = in_review(org)
        body = {"version": post.version}
        responses = race(
            lambda: ray.post(f"/api/v1/posts/{post.pk}/approve/", body, format="json"),
            lambda: rory.post(f"/api/v1/posts/{post.pk}/approve/", body, format="json"),
        )
        winner, loser = one_winner(responses)
        # The winner's approval completed the review: the loser finds a changed state or version.
        assert loser.json()["code"] in ("stale_version", "transition_not_allowed")
        assert ReviewDecision.objects.filter(post_id=post.pk, decision="approve").count() == 1
        assert AuditEvent.objects.filter(action="approvals.post.approve", target_id=str(post.pk)).count() == 1
        post.refresh_from_db()
        assert post.version == body["version"] + 1 == winner.json()["version"]
    assert_chain_verifies()


def test_two_edits_with_the_same_version_keep_one_and_lose_nothing_silently(org, client_for):
    first, second = client_for("bob"), client_for("bob")
    for i in range(ROUNDS):
        post = in_review(org)
        revisions = Revision.objects.filter(post=post).count()
        version = post.version
        bodies = [f"Road works on Elm Street until {i + 3} pm.", f"Elm Street is closed until {i + 5} pm."]
        responses = race(
            lambda: first.patch(f"/api/v1/posts/{post.pk}/", {"body": bodies[0], "version": version}, format="json"),
            lambda: second.patch(f"/api/v1/posts/{post.pk}/", {"body": bodies[1], "version": version}, format="json"),
        )
        winner, loser = one_winner(responses)
        assert loser.json()["code"] == "stale_version"
        post.refresh_from_db()
        won = bodies[responses.index(winner)]
        # The winner's text is what the post holds, in exactly one new revision: no lost update,
        # and the loser's text was never stored.
        assert post.current_revision.body == won == winner.json()["revision"]["body"]
        assert post.version == version + 1 and post.state == PostState.DRAFT
        assert Revision.objects.filter(post=post).count() == revisions + 1
        assert not Revision.objects.filter(post=post, body=bodies[1 - responses.index(winner)]).exists()
    assert_chain_verifies()


def test_two_schedules_with_the_same_version_give_one_time_and_one_job(org, client_for):
    dana, admin = client_for("dana"), client_for("admin")
    for i in range(ROUNDS):
        post = approved(org)
        assert post.state == PostState.APPROVED
        times = [timezone.now() + timedelta(hours=2 + i), timezone.now() + timedelta(hours=5 + i)]
        version = post.version
        responses = race(
            lambda: dana.post(
                f"/api/v1/posts/{post.pk}/schedule/", {"version": version, "scheduled_at": times[0]}, format="json"
            ),
            lambda: admin.post(
                f"/api/v1/posts/{post.pk}/schedule/", {"version": version, "scheduled_at": times[1]}, format="json"
            ),
        )
        winner, loser = one_winner(responses)
        assert loser.json()["code"] == "stale_version"
        post.refresh_from_db()
        won = times[responses.index(winner)]
        assert post.state == PostState.SCHEDULED and post.scheduled_at == won and post.version == version + 1
        (job,) = PublishJob.objects.filter(post=post)  # one outbox row, due at the winner's time
        assert job.due_at == won
        assert AuditEvent.objects.filter(action="approvals.post.schedule", target_id=str(post.pk)).count() == 1
    assert_chain_verifies()


def test_two_crises_started_at_once_on_one_channel_give_one_crisis(org, client_for):
    dana, admin = client_for("dana"), client_for("admin")
    channel = Channel.objects.get(slug="youtube-main")
    for i in range(ROUNDS):
        responses = race(
            lambda: dana.post(f"/api/v1/channels/{channel.slug}/crisis/", {"reason": f"Leak {i}"}, format="json"),
            lambda: admin.post(f"/api/v1/channels/{channel.slug}/crisis/", {"reason": f"Leak {i}!"}, format="json"),
        )
        winner, loser = one_winner(responses)
        assert winner.status_code == 201 and loser.json()["code"] == "crisis_active"
        (incident,) = CrisisIncident.objects.filter(channel=channel, ended_at=None)
        assert AuditEvent.objects.filter(action="governance.crisis.start", target_id=str(incident.pk)).count() == 1
        actions.end_crisis(incident, actor=org["dana"])
    assert CrisisIncident.objects.filter(channel=channel).count() == ROUNDS
    assert_chain_verifies()


def test_a_manager_holding_a_post_as_it_is_approved_gives_one_outcome(org, client_for):
    ray, dana = client_for("ray"), client_for("dana")
    # dana manages the social-center channels; on x-news (pr) the crisis team holds (dana is in it).
    outcomes = set()
    for _ in range(ROUNDS + 1):
        post = in_review(org, scheduled_at=timezone.now() + timedelta(hours=3))
        body = {"version": post.version}
        responses = race(
            lambda: ray.post(f"/api/v1/posts/{post.pk}/approve/", body, format="json"),
            lambda: dana.post(f"/api/v1/posts/{post.pk}/hold/", {**body, "reason": "Checking facts"}, format="json"),
        )
        one_winner(responses)
        post.refresh_from_db()
        outcomes.add(post.state)
        decisions = ReviewDecision.objects.filter(post=post, decision="approve", voided_at=None).count()
        if post.state == PostState.HELD:  # the hold won: nothing approved, nothing queued
            assert decisions == 0 and not PublishJob.objects.filter(post=post).exists()
        else:  # the approval won: scheduled with its outbox row, not held
            assert post.state == PostState.SCHEDULED and decisions == 1
            assert PublishJob.objects.filter(post=post).count() == 1
    assert outcomes <= {PostState.HELD, PostState.SCHEDULED}
    assert_chain_verifies()


def test_a_crisis_starting_as_a_post_is_approved_holds_it_or_reopens_it(org, client_for):
    """The crisis holds scheduled posts and reopens the review of the others, under
    each post's lock, while the approval takes the post's lock first and the audit chain's
    last: whichever commits first, the post ends up held or back in review with the crisis
    team, both requests succeed, and no deadlock turns either into an error."""
    ray, dana = client_for("ray"), client_for("dana")
    channel = Channel.objects.get(slug="x-news")
    for i in range(ROUNDS + 1):
        post = in_review(org, scheduled_at=timezone.now() + timedelta(hours=3))
        responses = race(
            lambda: ray.post(f"/api/v1/posts/{post.pk}/approve/", {"version": post.version}, format="json"),
            lambda: dana.post(f"/api/v1/channels/{channel.slug}/crisis/", {"reason": f"Storm {i}"}, format="json"),
        )
        approve, crisis = responses
        assert crisis.status_code == 201, crisis.content[:500]
        assert approve.status_code in (200, 409), approve.content[:500]
        post.refresh_from_db()
        live = ReviewDecision.objects.filter(post=post, voided_at=None).count()
        if approve.status_code == 200 and post.state == PostState.HELD:  # approved, then held
            assert post.held_from == PostState.SCHEDULED
        else:  # the crisis came first, or voided the approval: the review starts again, crisis team included
            assert post.state == PostState.IN_REVIEW and live == 0, (post.state, approve.status_code)
            assert "crisis-team" in set(
                ReviewStage.objects.filter(pk__in=post.review_plan).values_list("slug", flat=True)
            )
        incident = CrisisIncident.objects.get(channel=channel, ended_at=None)
        actions.end_crisis(incident, actor=org["dana"])
    assert_chain_verifies()


@pytest.mark.parametrize("scope", ["channel", "department", "organization"])
def test_a_post_submitted_while_a_crisis_is_being_declared_gets_the_crisis_team(org, scope):
    """The crisis is paused after its audit event and before it commits; the submission made
    in that window must wait for it and plan the crisis-team stage. (Without the wait the
    submission saw no crisis yet, and the crisis, seeing a draft, did not reopen it.)"""
    from unittest import mock

    import audit

    channel = Channel.objects.get(slug="x-news")
    post = actions.create_post(actor=org["bob"], channel=channel, body="Road works on Elm Street.")
    paused, go_on = threading.Event(), threading.Event()
    record = audit.record

    def pausing_record(action, *args, **kwargs):
        event = record(action, *args, **kwargs)
        if action == "governance.crisis.start":
            paused.set()
            go_on.wait(10)
        return event

    patch = mock.patch.object(audit, "record", pausing_record)
    patch.start()
    try:
        where = {"channel": {"channel": channel}, "department": {"department": channel.owning_department}}
        crisis = threading.Thread(
            target=lambda: (
                actions.start_crisis(actor=org["dana"], reason="Storm", **where.get(scope, {})),
                connections.close_all(),
            )
        )
        crisis.start()
        assert paused.wait(10), "the crisis never reached its pause"
        submitted = {}

        def submit():
            try:
                submitted["post"] = actions.submit(post, actor=org["bob"], expected_version=post.version)
            finally:
                connections.close_all()

        submitter = threading.Thread(target=submit)
        submitter.start()
        submitter.join(1.0)
        # The submission waits on the channel for the uncommitted crisis.
        assert submitter.is_alive(), "the submission did not wait for the crisis being declared"
        go_on.set()
        crisis.join(10)
        submitter.join(10)
        assert not crisis.is_alive() and not submitter.is_alive()
    finally:
        go_on.set()
        patch.stop()
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW
    plan = set(ReviewStage.objects.filter(pk__in=post.review_plan).values_list("slug", flat=True))
    assert "crisis-team" in plan, plan
    assert_chain_verifies()
