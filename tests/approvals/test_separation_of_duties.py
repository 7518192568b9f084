"""Separation of duties across revisions: nobody whose words a post may carry approves it.

A post's writers are its author, everyone who was ever its co-author and everyone who created
one of its revisions (`Post.writers`, only ever added to). Leaving the co-authors does not make
someone a reviewer of what she wrote: the approval rule, the buttons and API hints
(`available_actions`) and the review queue all say so. The race of leaving the co-authors
against submitting and approving is in test_concurrency.py.
"""

import pytest
from django.contrib.auth import get_user_model

from approvals import actions
from approvals import permissions as post_permissions
from approvals.models import Post, PostState, ReviewDecision
from approvals.selectors import review_queue_for
from core.errors import PermissionDenied
from governance import actions as governance_actions


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def cory(demo, channel):
    """A marketing author who is also a marketing reviewer (she may co-author and review)."""
    user = get_user_model().objects.create_user("cory", email="cory@example.org", password="a-long-password-1")
    for role in ("authors", "reviewers"):
        governance_actions.add_department_member(channel.owning_department, actor=None, user=user, role=role)
    return fresh(user)


def co_written(demo, channel, consent, cory, *, cory_edits=True):
    """alice's post with cory as co-author; cory rewrites it (or not), then leaves the
    co-authors; alice submits. The state of the finding."""
    post = actions.create_post(
        actor=demo["alice"], channel=channel, body="Our garden opens on Friday.", co_authors=[cory], consent=consent
    )
    if cory_edits:
        post = actions.edit_post(
            post, actor=cory, expected_version=post.version, body="Cory's words: the garden opens."
        )
    post = actions.edit_post(post, actor=cory, expected_version=post.version, co_authors=[])
    assert not post.co_authors.exists()
    return actions.submit(post, actor=demo["alice"], expected_version=post.version)


@pytest.mark.django_db
class TestWritersNeverApprove:
    @pytest.mark.parametrize("cory_edits", [True, False], ids=["wrote-a-revision", "was-only-a-co-author"])
    def test_a_former_co_author_may_not_approve(self, demo, channel, consent, cory, cory_edits):
        post = co_written(demo, channel, consent, cory, cory_edits=cory_edits)
        assert post.state == PostState.IN_REVIEW and post.current_stage.slug == "channel-review"
        with pytest.raises(PermissionDenied, match="Nobody who wrote"):
            actions.approve(post, actor=cory, expected_version=post.version)
        assert not ReviewDecision.objects.filter(post=post).exists()
        assert "approve" not in post_permissions.available_actions(cory, Post.objects.get(pk=post.pk))
        assert post.pk not in set(review_queue_for(cory).values_list("pk", flat=True))
        # A reviewer who never wrote a word of it still may.
        assert post.pk in set(review_queue_for(demo["rachel"]).values_list("pk", flat=True))
        actions.approve(post, actor=demo["rachel"], expected_version=post.version)

    def test_the_creator_of_an_earlier_revision_may_not_approve_a_later_one(self, demo, channel, consent, cory):
        post = co_written(demo, channel, consent, cory)
        # alice rewrites it again: the revision under review is hers, the earlier one cory's.
        post = actions.edit_post(post, actor=demo["alice"], expected_version=post.version, body="alice, again")
        post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
        assert post.current_revision.created_by_id == demo["alice"].pk
        with pytest.raises(PermissionDenied, match="Nobody who wrote"):
            actions.approve(post, actor=cory, expected_version=post.version)

    def test_the_queue_page_does_not_offer_it(self, demo, channel, consent, cory, client):
        post = co_written(demo, channel, consent, cory)
        client.force_login(cory)
        assert f"/posts/{post.pk}/" not in client.get("/queue/").content.decode()
