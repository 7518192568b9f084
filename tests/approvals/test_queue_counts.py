"""The queue's counts (per channel on the queue page, in all on the dashboard) and its filtered
pages, read along the walks of the in-review indexes on PostgreSQL, agree exactly with the
reference definition `review_queue_for(user)` narrowed by the same filters, for reviewers by
group and by permission (a department's or a user's own grant), with co-authored posts,
decided stages and resubmitted revisions; and they cost the same number of queries however
many channels the reviewer decides."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import roles
from approvals import actions, selectors
from approvals import panels as dashboard
from approvals.models import PolicyCheck, Post, ReviewStage
from approvals.selectors import review_queue_counts, review_queue_for, review_queue_page, review_queue_scope
from governance import actions as governance_actions
from governance.models import Channel, Department
from tests.support.queries import assert_same_queries, queries_of

# On SQLite the counts and pages are the reference queryset's own (narrowed in the ORM): these
# tests run there too; the walks, which they are about, are PostgreSQL's.
pytestmark = pytest.mark.django_db

FINDING = {"rule": "lexicon", "severity": "warn", "message": "m", "start": 0, "end": 1}
# Hours a post has waited: none close to the filters' 1 and 3 days, so that the instant the page
# computes its cutoff at does not matter.
WAITED = (1, 5, 20, 30, 50, 60, 90, 200)


def user(username):
    """A fresh user object (nothing cached from an earlier read)."""
    return get_user_model().objects.get(username=username)


def member(department, username, *group_roles, role=None):
    person = get_user_model().objects.create_user(username, password="a-long-password-1")
    for group_role in group_roles:
        governance_actions.add_department_member(department, actor=None, user=person, role=group_role)
    if role:
        governance_actions.assign_role(person, actor=None, role=role)
    return user(username)


@pytest.fixture
def organization(demo):
    """The demo organization with a varied queue (through the real actions; then each post's
    waiting time and a few policy findings set on the plain rows)."""
    rng = random.Random(11)
    admin = demo["admin"]
    stories = Channel.objects.get(slug="patient-stories")
    x_news = Channel.objects.get(slug="x-news")
    youtube = Channel.objects.get(slug="youtube-main")
    marketing, social = stories.owning_department, youtube.owning_department
    # rita reviews and writes for marketing; vera reviews marketing and signs off compliance;
    # uma reviews x-news by a grant of her own; sofia writes for the social-media center.
    rita = member(marketing, "rita", "reviewers", "authors")
    vera = member(marketing, "vera", "reviewers", role=roles.COMPLIANCE_OFFICER)
    uma = member(x_news.owning_department, "uma")
    governance_actions.grant_permission(x_news, actor=admin, perm="review_on_channel", user=uma)
    sofia = member(social, "sofia", "authors", role=roles.AUTHOR)
    # A group stage on x-news needing two approvals (decided by marketing's reviewers), and a
    # permission stage other than review: youtube-main's managers sign off first.
    ReviewStage.objects.create(
        slug="press-office", name="Press office", position=15, channel=x_news,
        eligible_group=marketing.reviewers_group, approvals_required=2,
    )  # fmt: skip
    ReviewStage.objects.create(
        slug="manager-sign-off", name="Manager sign-off", position=5, channel=youtube,
        eligible_permission=ReviewStage.EligiblePermission.MANAGE,
    )  # fmt: skip

    def fresh(post):
        return Post.objects.get(pk=post.pk)

    for i in range(70):
        kind = rng.choice(["stories", "stories", "x-news", "x-news", "youtube"])
        if kind == "stories":
            author, channel = rng.choice([demo["alice"], rita]), stories
            co = [rita] if author != rita and rng.random() < 0.25 else []
        elif kind == "x-news":
            author, channel, co = demo["bob"], x_news, []
        else:
            author, channel, co = sofia, youtube, []
        post = actions.create_post(actor=author, channel=channel, body=f"Post number {i}.", co_authors=co)
        post = actions.submit(post, actor=author, expected_version=post.version)
        roll = rng.random()
        if kind == "stories" and roll < 0.2:  # on to compliance; vera approved the first stage
            approver = vera if rng.random() < 0.5 else demo["rachel"]
            actions.approve(post, actor=approver, expected_version=post.version)
        elif kind == "stories" and roll < 0.3:  # sent back, then edited and resubmitted
            post = actions.request_changes(post, actor=demo["rachel"], expected_version=post.version, comment="again")
            post = actions.edit_post(post, actor=author, expected_version=post.version, body=f"Post {i}, edited.")
            post = actions.submit(fresh(post), actor=author, expected_version=fresh(post).version)
        elif kind == "x-news" and roll < 0.4:  # at the press office; some with one of its two approvals
            post = actions.approve(post, actor=demo["ray"], expected_version=post.version)
            if rng.random() < 0.5:
                actions.approve(fresh(post), actor=demo["rachel"], expected_version=fresh(post).version)
        elif kind == "youtube" and roll < 0.3:  # dana (a manager) signed off: now at channel review
            actions.approve(post, actor=demo["dana"], expected_version=post.version)
        elif roll < 0.4:
            reviewer = {"stories": demo["rachel"], "x-news": demo["ray"], "youtube": demo["dana"]}[kind]
            actions.request_changes(post, actor=reviewer, expected_version=post.version, comment="no")
        post = fresh(post)
        if post.state == "in_review":
            Post.objects.filter(pk=post.pk).update(awaiting_since=timezone.now() - timedelta(hours=rng.choice(WAITED)))
            if rng.random() < 0.3:
                PolicyCheck.objects.create(revision_id=post.current_revision_id, findings=[FINDING])
    return {"departments": [marketing, social, x_news.owning_department]}


USERS = ("rachel", "rita", "vera", "ray", "uma", "carol", "dana", "sam", "admin", "alice", "bob", "sofia")


def flagged_revisions() -> set[int]:
    return {
        check.revision_id for check in PolicyCheck.objects.all() if check.findings
    }  # in Python: not the SQL the code under test uses


def reference(person, *, flagged=False, waiting_before=None, channel="", department="") -> list[Post]:
    """`review_queue_for(person)` narrowed by the page's filters, in Python."""
    flags = flagged_revisions()
    posts = review_queue_for(person).select_related("channel__owning_department")
    return [
        post
        for post in posts
        if (not flagged or post.current_revision_id in flags)
        and (waiting_before is None or post.awaiting_since < waiting_before)
        and (not channel or post.channel.slug == channel)
        and (not department or post.channel.owning_department.slug == department)
    ]


def walk(person, size, **filters) -> list[int]:
    seen, after = [], None
    while True:
        page = review_queue_page(person, after=after, limit=size, **filters)
        seen += [post.pk for post in page]
        if len(page) < size:
            return seen
        after = (page[-1].awaiting_since, page[-1].pk)


@pytest.mark.postgres
def test_the_fixture_exercises_every_kind_of_branch(organization):
    sizes = {name: review_queue_for(user(name)).count() for name in USERS}
    for name in ("rachel", "rita", "vera", "ray", "uma", "carol", "dana", "admin"):
        assert sizes[name] >= 2, sizes
    assert sizes["alice"] == sizes["bob"] == sizes["sofia"] == 0
    scopes = {name: review_queue_scope(user(name)) for name in ("rita", "dana", "carol")}
    assert scopes["rita"].by_group and scopes["rita"].by_permission  # press office, and stories
    assert len(scopes["dana"].by_permission) == 2 and scopes["dana"].by_group  # review, manage; crisis team
    assert scopes["carol"].by_group and not scopes["carol"].by_permission
    # Each exclusion leaves out posts that the reviewer would otherwise decide.
    stories = Channel.objects.get(slug="patient-stories")
    at_review = Post.objects.filter(state="in_review", channel=stories, current_stage__slug="channel-review")
    assert at_review.filter(co_authors__username="rita").exists()
    assert at_review.count() > review_queue_for(user("rita")).filter(channel=stories).count()
    at_compliance = Post.objects.filter(state="in_review", current_stage__slug="compliance")
    assert at_compliance.filter(decisions__reviewer__username="vera").exists()
    press = Post.objects.filter(state="in_review", current_stage__slug="press-office")
    assert press.filter(decisions__reviewer__username="rachel", decisions__stage__slug="press-office").exists()
    assert Post.objects.filter(state="in_review", revisions__number=2).exists()  # resubmitted


@pytest.mark.parametrize("flagged", [False, True])
@pytest.mark.parametrize("waiting", [None, 24, 72])
def test_counts_per_channel_equal_the_reference_for_every_user(organization, flagged, waiting):
    waiting_before = timezone.now() - timedelta(hours=waiting) if waiting else None
    nonzero = 0
    for name in USERS:
        expected = Counter(
            post.channel_id for post in reference(user(name), flagged=flagged, waiting_before=waiting_before)
        )
        person = user(name)
        counts = review_queue_counts(person, flagged=flagged, waiting_before=waiting_before)
        assert counts == dict(expected), name
        # and with the scope computed once and shared, as the page does
        assert (
            review_queue_counts(
                person, flagged=flagged, waiting_before=waiting_before, scope=review_queue_scope(person)
            )
            == counts
        )
        nonzero += bool(counts)
    assert nonzero >= 5  # the filters leave something to count


def test_the_queue_pages_counts_and_rows_equal_the_reference(organization, client):
    key = {None: "", 24: "1d", 72: "3d"}
    for name in ("rachel", "rita", "vera", "ray", "uma", "carol", "dana", "admin"):
        client.force_login(user(name))
        for flagged in (False, True):
            for waiting in (None, 24, 72):
                query = {"flagged": "1"} if flagged else {}
                if waiting:
                    query["waiting"] = key[waiting]
                response = client.get("/queue/", query)
                expected = reference(
                    user(name),
                    flagged=flagged,
                    waiting_before=timezone.now() - timedelta(hours=waiting) if waiting else None,
                )
                by_slug = Counter(post.channel.slug for post in expected)
                assert {row["slug"]: row["count"] for row in response.context["by_channel"]} == dict(by_slug), (
                    name,
                    query,
                )
                assert response.context["total"] == len(expected)
                assert [row["post"].pk for row in response.context["rows"]] == [post.pk for post in expected[:25]]


@pytest.mark.parametrize(
    "filters",
    [
        {"channel": "patient-stories"},
        {"channel": "x-news", "flagged": True},
        {"department": "marketing"},
        {"department": "pr", "waiting": 24},
        {"flagged": True, "waiting": 24},
        {"waiting": 72},
        {"channel": "no-such-channel"},
        {"channel": "patient-stories", "department": "pr"},
    ],
)
def test_filtered_pages_walk_exactly_the_reference(organization, filters):
    filters = dict(filters)
    if "waiting" in filters:
        filters["waiting_before"] = timezone.now() - timedelta(hours=filters.pop("waiting"))
    for name in ("rachel", "rita", "vera", "ray", "uma", "carol", "dana", "admin", "alice"):
        expected = [post.pk for post in reference(user(name), **filters)]
        for size in (1, 7, 25):
            assert walk(user(name), size, **filters) == expected, (name, size)


def test_the_dashboard_counts_the_whole_queue(organization):
    # (the panel is for holders of a reviewing role: rita and uma review by grants alone)
    for name in ("rachel", "vera", "ray", "carol", "dana", "admin"):
        person = user(name)
        panel = dashboard.review_queue_panel(person)
        expected = reference(user(name))
        assert panel.context["count"] == len(expected) > 0, name
        assert [row["post"].pk for row in panel.context["rows"]] == [post.pk for post in expected[:5]]


def test_queries_do_not_grow_with_the_channels_or_posts_decided(organization, client_as, demo):
    """rachel's queue page and dashboard cost the same number of queries before and after her
    department gets eight more channels with posts in review, one of them at a stage her group
    decides."""

    def count_queries(path):
        client = client_as("rachel")
        client.get(path)
        measured = queries_of(lambda: client.get(path))
        assert measured.result.status_code == 200
        return measured, measured.result

    before = {path: count_queries(path) for path in ("/queue/", "/queue/?flagged=1&waiting=1d", "/dashboard/")}
    marketing = Department.objects.get(slug="marketing")
    for i in range(8):
        channel = governance_actions.create_channel(
            actor=demo["admin"], slug=f"more-{i}", name=f"More {i}", platform="blog", owning_department=marketing
        )
        if i == 0:  # a stage of this channel decided by rachel's group comes first
            ReviewStage.objects.create(
                slug="brand-check", name="Brand check", position=5, channel=channel,
                eligible_group=marketing.reviewers_group,
            )  # fmt: skip
        for _ in range(2):
            post = actions.create_post(actor=demo["alice"], channel=channel, body="More news.")
            actions.submit(post, actor=demo["alice"], expected_version=post.version)
    for path, (earlier, _) in before.items():
        assert_same_queries(earlier, count_queries(path)[0], what=path)
    _, page = count_queries("/queue/")
    assert Post.objects.filter(state="in_review", current_stage__slug="brand-check").count() == 2
    assert len(page.context["by_channel"]) >= len(before["/queue/"][1].context["by_channel"]) + 8
    assert page.context["total"] == len(reference(user("rachel")))


def test_counts_are_empty_for_anyone_without_a_queue(organization):
    assert selectors.queue_counts(user("alice"), selectors.QueueFilters()) == []
    inactive = user("rachel")
    inactive.is_active = False
    assert review_queue_counts(inactive) == {} and review_queue_page(inactive) == []
