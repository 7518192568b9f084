"""One definition of what the audit log proves about a post (approvals.selectors.evidence): the
hash each publication's content was authorised with, the hash of what was sent, and whether they
match. The post's page, the compliance officers' evidence page and the deliveries API read it."""

import pytest

from approvals import actions
from approvals.selectors.evidence import evidence_for, hashes_match

pytestmark = pytest.mark.django_db


def _approved(demo, make_post, **fields):
    post = make_post("in_review", **fields)
    return actions.approve(post, actor=demo["rachel"], expected_version=post.version)


def test_what_was_sent_is_compared_with_the_last_approval(demo, make_post):
    post = _approved(demo, make_post)
    post = actions.publish_now(post, actor=demo["rachel"], expected_version=post.version)
    approved = post.current_revision.content_hash
    actions.mark_published(post, actor=None, remote_id="42", remote_url="https://x.example/1", sent_hash=approved)
    latest = evidence_for(post.pk).latest
    assert (latest.approved_hash, latest.sent_hash, latest.remote_id) == (approved, approved, "42")
    assert latest.matches is True


def test_an_edit_after_an_approval_is_not_what_the_publication_was_approved_as(demo, make_post):
    """The approval of the first words does not vouch for the second: an edit voids it, and the
    approved hash of the publication is the one of the approval that came after the edit."""
    post = _approved(demo, make_post)
    first = post.current_revision.content_hash
    post = actions.edit_post(post, actor=demo["alice"], expected_version=post.version, body="Other words.")
    post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
    post = actions.approve(post, actor=demo["rachel"], expected_version=post.version)  # channel review
    post = actions.approve(post, actor=demo["carol"], expected_version=post.version)  # compliance (regulated)
    post = actions.publish_now(post, actor=demo["rachel"], expected_version=post.version)
    second = post.current_revision.content_hash
    assert first != second
    actions.mark_published(post, actor=None, remote_id="7", remote_url="https://x.example/7", sent_hash=first)
    latest = evidence_for(post.pk).latest
    assert latest.approved_hash == second and latest.matches is False


def test_breaking_the_glass_authorises_what_goes_out(demo, make_post):
    post = make_post("draft")
    post = actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason="Evacuation")
    sent = post.current_revision.content_hash
    actions.mark_published(post, actor=None, remote_id="9", remote_url="https://x.example/9", sent_hash=sent)
    found = evidence_for(post.pk)
    assert found.approvals == []  # nobody approved it; the glass was broken
    assert found.latest.approved_hash == sent and found.latest.matches is True


def test_unknown_is_neither_a_match_nor_a_difference():
    assert hashes_match(None, "a" * 64) is None and hashes_match("a" * 64, "") is None
    assert hashes_match("a" * 64, "a" * 64) is True and hashes_match("a" * 64, "b" * 64) is False
