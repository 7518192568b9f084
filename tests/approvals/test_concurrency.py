"""Races on PostgreSQL: row locks and versions decide, nothing is lost or approved unseen."""

import pytest
from django.contrib.auth import get_user_model

from approvals import actions
from approvals import permissions as post_permissions
from approvals.models import Decision, Post, PostState, ReviewDecision
from core.errors import Conflict, DomainError, StaleVersion
from governance import actions as governance_actions
from governance.models import Channel
from tests.support.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org(transactional_db):
    from approvals.demo import seed_organization

    seed_organization()
    User = get_user_model()
    channel = Channel.objects.get(slug="patient-stories")
    rita = User.objects.create_user("rita", password="a-long-password-1")
    governance_actions.add_department_member(channel.owning_department, actor=None, user=rita, role="reviewers")
    users = {u.username: u for u in User.objects.all()}
    return channel, users


def submitted(channel, users) -> Post:
    post = actions.create_post(actor=users["alice"], channel=channel, body="Our new garden opens on Friday.")
    return actions.submit(post, actor=users["alice"], expected_version=post.version)


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_two_reviewers_approving_at_once_give_one_approval_and_one_conflict(org):
    channel, users = org
    for _ in range(5):
        post = submitted(channel, users)
        version = post.version
        results = race(
            lambda: actions.approve(Post(pk=post.pk), actor=fresh(users["rachel"]), expected_version=version),
            lambda: actions.approve(Post(pk=post.pk), actor=fresh(users["rita"]), expected_version=version),
        )
        assert sum(isinstance(r, Post) for r in results) == 1, results
        assert sum(isinstance(r, StaleVersion) for r in results) == 1, results
        assert ReviewDecision.objects.filter(post_id=post.pk, decision="approve").count() == 1
        post.refresh_from_db()
        assert post.version == version + 1 and post.current_stage.slug == "compliance"


def test_an_edit_racing_an_approval_never_leaves_an_approval_on_unapproved_content(org):
    channel, users = org
    outcomes = set()
    for i in range(8):
        post = submitted(channel, users)
        version = post.version
        results = race(
            lambda: actions.edit_post(
                Post(pk=post.pk),
                actor=fresh(users["alice"]),
                expected_version=version,
                body=f"Changed at the last second ({i}).",
            ),
            lambda: actions.approve(Post(pk=post.pk), actor=fresh(users["rachel"]), expected_version=version),
        )
        assert sum(isinstance(r, Post) for r in results) == 1, results
        # The loser gets a 409: a stale version, or (edit first) approval of a draft.
        assert sum(isinstance(r, Conflict) for r in results) == 1, results
        post.refresh_from_db()
        outcomes.add(post.state)
        for decision in ReviewDecision.objects.filter(post=post, voided_at__isnull=True):
            assert decision.revision_id == post.current_revision_id
            assert decision.content_hash == post.current_revision.content_hash
        if post.state == PostState.DRAFT:  # the edit won: a new revision, nothing approved on it
            assert not ReviewDecision.objects.filter(post=post, voided_at__isnull=True).exists()
    assert outcomes <= {PostState.DRAFT, PostState.IN_REVIEW}


def test_a_co_author_leaving_while_submitted_and_approved_never_approves_her_words(org):
    """Separation of duties across revisions: cory co-authors alice's post and rewrites it, then
    removes herself from the co-authors while alice submits and cory tries to approve. Whatever
    the interleaving, no approval by anyone who wrote one of its revisions is ever recorded."""
    channel, users = org
    cory = get_user_model().objects.create_user("cory", password="a-long-password-1")
    for role in ("authors", "reviewers"):
        governance_actions.add_department_member(channel.owning_department, actor=None, user=cory, role=role)
    for _ in range(6):
        post = actions.create_post(actor=users["alice"], channel=channel, body="Garden news", co_authors=[fresh(cory)])
        post = actions.edit_post(post, actor=fresh(cory), expected_version=post.version, body="Garden news, by cory")

        def leave():
            current = Post.objects.get(pk=post.pk)
            return actions.edit_post(current, actor=fresh(cory), expected_version=current.version, co_authors=[])

        def submit():
            current = Post.objects.get(pk=post.pk)
            return actions.submit(current, actor=fresh(users["alice"]), expected_version=current.version)

        def approve():
            outcomes = []
            for _ in range(30):
                current = Post.objects.get(pk=post.pk)
                if current.state != PostState.IN_REVIEW:
                    continue
                try:
                    outcomes.append(actions.approve(current, actor=fresh(cory), expected_version=current.version))
                except DomainError as exc:
                    outcomes.append(exc)
            return outcomes

        race(leave, submit, approve)
        writers = {users["alice"].pk, cory.pk, *post.revisions.values_list("created_by_id", flat=True)}
        approvers = ReviewDecision.objects.filter(post=post, decision=Decision.APPROVE).values_list(
            "reviewer_id", flat=True
        )
        assert not set(approvers) & writers
        # And after the race, in whatever state it left the post, cory still may not approve.
        current = Post.objects.get(pk=post.pk)
        if current.state != PostState.IN_REVIEW:
            if current.state != PostState.DRAFT:
                continue
            current = actions.submit(current, actor=fresh(users["alice"]), expected_version=current.version)
        assert "approve" not in post_permissions.available_actions(fresh(cory), Post.objects.get(pk=current.pk))
