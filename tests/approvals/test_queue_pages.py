"""The review queue page (/queue/) and the dashboard's panels: who sees what, filters, counts,
paging, escaping, and a constant number of queries whatever the size of the queue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import roles
from approvals import actions
from approvals.models import PolicyCheck, Post, PostState, RetrospectiveReview, ReviewStage
from governance.models import Channel
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db


def rows(response) -> list[int]:
    """The post ids of the queue rows, in page order (from the rendered page)."""
    return [row["post"].pk for row in response.context["rows"]]


def pr_post(demo, body="Visiting hours change on Monday."):
    """A post by bob on x-news (pr), submitted through the real action: it waits on pr's reviewers."""
    post = actions.create_post(actor=demo["bob"], channel=Channel.objects.get(slug="x-news"), body=body)
    return actions.submit(post, actor=demo["bob"], expected_version=post.version)


def waiting(make_post, *, hours: float, **fields):
    return make_post("in_review", awaiting_since=timezone.now() - timedelta(hours=hours), **fields)


def compliance_stage():
    return ReviewStage.objects.get(slug="compliance", channel=None, department=None)


def retrospective_review(demo, post, *, due_in_hours=20):
    now = timezone.now()
    return RetrospectiveReview.objects.create(
        post=post,
        revision=post.current_revision,
        content_hash=post.current_revision.content_hash,
        reason="A wrong phone number was out; the fix could not wait.",
        requested_by=demo["dana"],
        requested_at=now,
        due_at=now + timedelta(hours=due_in_hours),
    )


def test_rachel_sees_marketing_posts_at_channel_review_oldest_first_and_no_pr_posts(client_as, demo, make_post):
    newer = waiting(make_post, hours=1)
    older = waiting(make_post, hours=30)
    at_compliance = waiting(make_post, hours=50, current_stage=compliance_stage())
    pr = pr_post(demo)

    response = client_as("rachel").get("/queue/")

    assert response.status_code == 200
    ids = rows(response)
    assert ids.index(older.pk) < ids.index(newer.pk)
    assert pr.pk not in ids and at_compliance.pk not in ids
    html = response.content.decode()
    assert f'href="/posts/{older.pk}/"' in html
    assert 'data-testid="nav-queue"' in html and 'aria-current="page">Review queue' in html
    assert response.context["retrospective"] is None  # rachel is no compliance officer


def test_carol_sees_compliance_stage_posts_and_open_retrospective_reviews(client_as, demo, make_post):
    at_channel_review = waiting(make_post, hours=3)
    at_compliance = waiting(make_post, hours=2, current_stage=compliance_stage())
    published = make_post("published")
    open_review = retrospective_review(demo, published)
    done = retrospective_review(demo, make_post("published"))
    RetrospectiveReview.objects.filter(pk=done.pk).update(completed_at=timezone.now(), completed_by=demo["carol"])

    response = client_as("carol").get("/queue/")

    ids = rows(response)
    assert at_compliance.pk in ids and at_channel_review.pk not in ids
    reviews = [row["review"].pk for row in response.context["retrospective"]["rows"]]
    assert reviews == [open_review.pk]
    html = response.content.decode()
    assert "Break-glass uses awaiting your retrospective review" in html
    assert f'data-review="{open_review.pk}"' in html and f'data-review="{done.pk}"' not in html


def test_authors_have_no_queue_link_and_an_empty_queue(client_as, make_post):
    waiting(make_post, hours=2)
    response = client_as("alice").get("/queue/")
    assert response.status_code == 200
    assert rows(response) == []
    assert 'data-testid="nav-queue"' not in response.content.decode()
    assert 'data-testid="queue-empty"' in response.content.decode()


def test_anonymous_users_are_sent_to_sign_in(client, demo):
    response = client.get("/queue/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_filters_by_channel_department_flag_and_waiting_time(client_as, demo, make_post):
    fresh = waiting(make_post, hours=2)
    stale = waiting(make_post, hours=49)
    flagged = waiting(make_post, hours=5)
    PolicyCheck.objects.create(
        revision=flagged.current_revision,
        findings=[{"rule": "lexicon", "severity": "warn", "message": "Say <b>clinic</b>", "start": 0, "end": 1}],
    )
    PolicyCheck.objects.create(revision=fresh.current_revision, findings=[])  # checked, nothing found
    client = client_as("rachel")

    mine = [stale.pk, flagged.pk, fresh.pk]  # oldest first

    def queue(query):
        """The posts of this test on the filtered page (the demo has posts in review too)."""
        return [pk for pk in rows(client.get(f"/queue/?{query}")) if pk in mine]

    assert queue("") == mine
    assert queue("channel=patient-stories") == mine
    assert queue("channel=x-news") == []
    assert queue("department=marketing") == mine
    assert queue("department=pr") == []
    assert queue("flagged=1") == [flagged.pk]
    assert queue("waiting=1d") == [stale.pk]
    assert queue("waiting=3d") == []
    assert queue("flagged=1&waiting=1d") == []
    assert queue("waiting=bogus&channel=patient-stories") == mine  # an unknown choice is ignored
    response = client.get("/queue/?flagged=1")
    html = response.content.decode()
    assert "Say &lt;b&gt;clinic&lt;/b&gt;" in html and "<b>clinic</b>" not in html


def test_counts_total_and_per_channel(client_as, demo, make_post):
    for hours in (1, 2, 3):
        waiting(make_post, hours=hours)
    for _ in range(2):
        pr_post(demo)
    response = client_as("admin").get("/queue/")  # the superuser reviews everything
    counts = {row["slug"]: row["count"] for row in response.context["by_channel"]}
    in_review = Post.objects.filter(state=PostState.IN_REVIEW)
    assert counts["x-news"] == in_review.filter(channel__slug="x-news").count() >= 2
    assert counts["patient-stories"] == in_review.filter(channel__slug="patient-stories").count() >= 3
    total = response.context["total"]
    assert total == sum(counts.values())
    assert f'data-count="{total}"' in response.content.decode()

    only_x = client_as("admin").get("/queue/?channel=x-news")
    assert only_x.context["total"] == counts["x-news"]
    assert len(rows(only_x)) == counts["x-news"]


def test_keyset_paging_walks_the_whole_queue_once(client_as, demo, make_post, monkeypatch):
    from approvals.views import queue as queue_views

    monkeypatch.setattr(queue_views, "PAGE_SIZE", 4)
    posts = [waiting(make_post, hours=100 - i) for i in range(10)]
    client = client_as("rachel")
    seen, url = [], "/queue/"
    for _ in range(10):
        response = client.get(url)
        seen += rows(response)
        url = response.context["next_url"]
        if not url:
            break
        url = "/queue/" + url
    expected = [p.pk for p in posts]
    assert [pk for pk in seen if pk in expected] == expected
    assert len(seen) == len(set(seen))
    # filtered pages carry their filters in the "next" link
    response = client.get("/queue/?channel=patient-stories")
    assert "channel=patient-stories" in response.context["next_url"]
    assert client.get("/queue/?after=not-a-key").status_code == 200  # a bad key is the first page


def test_post_text_and_names_are_escaped(client_as, demo, make_post):
    post = waiting(make_post, hours=1)
    post.current_revision.__class__.objects.filter(pk=post.current_revision_id).update(
        title="<script>alert(1)</script>", body="<img src=x onerror=alert(2)>"
    )
    html = client_as("rachel").get("/queue/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


@pytest.mark.parametrize(
    "username,query",
    [("rachel", ""), ("rachel", "?flagged=1&waiting=1d"), ("carol", ""), ("admin", "?department=marketing")],
)
def test_queue_page_issues_a_constant_number_of_queries(client_as, demo, make_post, username, query):
    def count_queries():
        client = client_as(username)
        client.get(f"/queue/{query}")  # warm caches (content types)
        measured = queries_of(lambda: client.get(f"/queue/{query}"))
        assert measured.result.status_code == 200
        return measured, measured.result

    def add(n):
        for i in range(n):
            post = waiting(make_post, hours=30 + i)
            PolicyCheck.objects.create(
                revision=post.current_revision,
                findings=[{"rule": "lexicon", "severity": "warn", "message": "m", "start": 0, "end": 1}],
            )
            waiting(make_post, hours=30 + i, current_stage=compliance_stage())
            retrospective_review(demo, make_post("published"))
        pr_post(demo)

    add(1)
    few, _ = count_queries()
    add(20)
    many, response = count_queries()
    assert len(rows(response)) > 1
    assert_same_queries(few, many)


def test_dashboard_panels_and_constant_queries(client_as, demo, make_post):
    client = client_as("rachel")

    def count_queries():
        client.get("/dashboard/")
        measured = queries_of(lambda: client.get("/dashboard/"))
        return measured, measured.result

    waiting(make_post, hours=1)
    few, _ = count_queries()
    for i in range(12):
        waiting(make_post, hours=10 + i)
    many, response = count_queries()
    assert_same_queries(few, many)
    html = response.content.decode()
    assert 'data-testid="panel-review-queue"' in html
    assert 'data-testid="panel-notifications"' in html
    assert 'data-testid="panel-my-decisions"' in html
    assert html.count('data-testid="dashboard-queue-row"') == 5
    panel = next(p for p in response.context["panels"] if p.key == "review-queue")
    assert panel.context["count"] >= 13


def test_dashboard_shows_drafts_to_authors_and_crises_to_everyone(client_as, demo, make_post):

    draft = make_post("draft")
    channel = Channel.objects.get(slug="x-news")
    actions.start_crisis(actor=demo["dana"], reason="Outage rumours", channel=channel)
    html = client_as("alice").get("/dashboard/").content.decode()
    assert 'data-testid="panel-my-drafts"' in html and f'data-post="{draft.pk}"' in html
    assert 'data-testid="panel-crises"' in html and "Outage rumours" in html
    assert 'data-testid="panel-review-queue"' not in html


@pytest.mark.parametrize("how", ["direct grant", "department reviewers group"])
def test_a_reviewer_without_the_reviewer_role_gets_the_queue_panel(demo, make_post, channel, how):
    """Reviewing through a grant (to the user, or to their department's reviewers group) gives
    the dashboard the same queue panels as the reviewer role, in as many queries as rachel's."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from governance import actions as governance_actions
    from governance import permissions

    gwen = get_user_model().objects.create_user("gwen", password="a-long-password-1")
    if how == "direct grant":
        governance_actions.grant_permission(channel, actor=demo["admin"], perm=permissions.REVIEW, user=gwen)
    else:
        governance_actions.add_department_member(
            channel.owning_department, actor=demo["admin"], user=gwen, role="reviewers"
        )
    assert not roles.role_names(gwen)  # no global role: the grant alone
    post = waiting(make_post, hours=3)

    client = Client()
    client.force_login(gwen)

    def dashboard():
        client.get("/dashboard/")
        measured = queries_of(lambda: client.get("/dashboard/"))
        return measured, measured.result

    few, response = dashboard()
    html = response.content.decode()
    assert 'data-testid="panel-review-queue"' in html and f'data-post="{post.pk}"' in html
    assert 'data-testid="panel-my-decisions"' in html
    assert 'data-testid="nav-queue"' in html
    for hours in range(4, 10):
        waiting(make_post, hours=hours)
    many, response = dashboard()
    assert response.context["panels"][0]
    assert_same_queries(few, many)


# --- issue 13, finding 12: a reviewer missing a required certification is told why ----------


def test_the_queue_says_which_certification_withholds_how_many_posts(client_as, demo, make_post):
    import re

    from approvals.selectors import review_queue_counts, review_queue_for, review_queue_page
    from governance import actions as governance_actions
    from governance.models import Channel

    make_post("in_review"), make_post("in_review")
    governance_actions.save_policy(
        actor=None,
        name="HIPAA",
        channel=Channel.objects.get(slug="patient-stories"),
        rules=[{"kind": "training", "severity": "block", "course": "hipaa-privacy"}],
    )
    rachel = demo["rachel"]
    assert list(review_queue_for(rachel)) == [] and review_queue_page(rachel) == []
    assert review_queue_counts(rachel) == {}
    html = client_as("rachel").get("/queue/").content.decode()
    assert 'data-testid="queue-row"' not in html
    line = re.search(r'<p[^>]*data-testid="queue-withheld"[^>]*>(.*?)</p>', html, re.S)
    assert line and "hipaa-privacy" in line.group(1) and "2 posts" in line.group(1)
