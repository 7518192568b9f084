"""The fast queue page and the reference queue definition agree, post for post."""

import random

import pytest
from django.contrib.auth import get_user_model

from approvals import actions
from approvals.models import ReviewStage
from approvals.selectors import review_queue_for, review_queue_page
from governance import actions as governance_actions
from governance.models import Channel

pytestmark = pytest.mark.django_db


def walk(user, size):
    seen, after = [], None
    while True:
        page = review_queue_page(user, after=after, limit=size)
        seen += [p.pk for p in page]
        if len(page) < size:
            return seen
        after = (page[-1].awaiting_since, page[-1].pk)


def test_pages_match_the_reference_queue(demo):
    rng = random.Random(7)
    User = get_user_model()
    stories = Channel.objects.get(slug="patient-stories")
    x_news = Channel.objects.get(slug="x-news")
    # A second marketing reviewer, and a channel stage decided by a group.
    rita = User.objects.create_user("rita", password="a-long-password-1")
    governance_actions.add_department_member(stories.owning_department, actor=None, user=rita, role="reviewers")
    governance_actions.add_department_member(stories.owning_department, actor=None, user=rita, role="authors")
    rita = User.objects.get(pk=rita.pk)
    ReviewStage.objects.create(
        slug="press-office",
        name="Press office",
        position=15,
        channel=x_news,
        eligible_group=stories.owning_department.reviewers_group,
    )
    authors = [demo["alice"], demo["bob"]]
    for i in range(60):
        author = rng.choice(authors)
        channel = stories if author.username == "alice" else x_news
        co = [rita] if channel == stories and rng.random() < 0.1 else []
        post = actions.create_post(actor=author, channel=channel, body=f"post {i}", co_authors=co)
        post = actions.submit(post, actor=author, expected_version=1)
        roll = rng.random()
        if roll < 0.25 and channel == stories:
            actions.approve(post, actor=demo["rachel"], expected_version=post.version)  # now at compliance
        elif roll < 0.35 and channel == x_news:
            actions.approve(post, actor=demo["ray"], expected_version=post.version)  # now at press-office
        elif roll < 0.45:
            reviewer = demo["rachel"] if channel == stories else demo["ray"]
            actions.request_changes(post, actor=reviewer, expected_version=post.version, comment="again")
    sizes = {u: review_queue_for(User.objects.get(username=u)).count() for u in ("rachel", "ray", "carol", "rita")}
    assert all(n >= 3 for n in sizes.values()), sizes  # every kind of branch has posts to page through
    for username in ("rachel", "rita", "ray", "carol", "dana", "admin", "alice", "bob"):
        user = User.objects.get(username=username)
        expected = list(review_queue_for(user).values_list("pk", flat=True))
        for size in (1, 7, 25):
            assert walk(User.objects.get(pk=user.pk), size) == expected, (username, size)
    assert walk(User.objects.get(username="rita"), 5)  # rita decides press-office by group, and stories
    assert walk(User.objects.get(username="carol"), 5)
