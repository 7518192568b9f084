"""The crisis console in the browser: declare, hold, end, release, holding statements, timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import HoldingStatement, Post
from governance.models import Channel, CrisisIncident
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db

CONSOLE = "/crisis/"


@pytest.fixture
def mastodon(demo):
    return Channel.objects.get(slug="mastodon-main")


@pytest.fixture
def scheduled_on(demo):
    """`scheduled_on(channel)`: a post by dana put straight into `scheduled` (a plain-row factory)."""

    def make(channel, body="Open day at the research lab on Saturday.") -> Post:
        post = actions.create_post(actor=demo["dana"], channel=channel, body=body)
        Post.objects.filter(pk=post.pk).update(state="scheduled", scheduled_at=timezone.now() + timedelta(days=3))
        return Post.objects.get(pk=post.pk)

    return make


def signed_in(client, demo, username):
    client.force_login(demo[username])
    return client


def test_dana_declares_ends_and_releases_from_the_console(client, demo, mastodon, scheduled_on):
    post = scheduled_on(mastodon)
    signed_in(client, demo, "dana")
    page = client.get(CONSOLE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="crisis-start-channel"' in html and 'value="channel:mastodon-main"' in html
    assert 'value="organization"' in html  # dana is on the crisis team

    started = client.post(f"{CONSOLE}start/", {"scope": "channel:mastodon-main", "reason": "Server outage"})
    incident = CrisisIncident.objects.get(channel=mastodon, ended_at=None)
    assert started.status_code == 302 and started["Location"] == f"/crisis/{incident.pk}/"
    post.refresh_from_db()
    assert post.state == "held"

    detail = client.get(f"/crisis/{incident.pk}/").content.decode()
    assert f'data-testid="held-post" data-post="{post.pk}"' in detail
    assert 'data-testid="crisis-end"' in detail
    assert 'data-testid="release-all"' not in detail  # not while it is active
    assert 'data-testid="release-blocked"' in detail
    assert 'data-testid="timeline-event" data-action="governance.crisis.start"' in detail

    # Releasing while the crisis is active is refused with the action's 409, shown as a message.
    refused = client.post(
        f"/crisis/posts/{post.pk}/release/", {"version": post.version, "crisis": incident.pk}, follow=False
    )
    assert refused.status_code == 409 and "end it before releasing" in refused.content.decode()

    ended = client.post(f"/crisis/{incident.pk}/end/", {"note": "Back up"})
    assert ended.status_code == 302
    incident.refresh_from_db()
    assert incident.ended_at is not None and incident.end_note == "Back up"
    again = client.post(f"/crisis/{incident.pk}/end/", {"note": "twice"})
    assert again.status_code == 409 and "already ended" in again.content.decode()

    detail = client.get(f"/crisis/{incident.pk}/").content.decode()
    assert 'data-testid="release-all"' in detail and 'data-testid="release"' in detail
    released = client.post(
        f"/crisis/posts/{post.pk}/release/", {"version": post.version, "crisis": incident.pk}, follow=True
    )
    assert released.status_code == 200 and "released" in released.content.decode()
    post.refresh_from_db()
    assert post.state == "in_review"  # held by the crisis: back to review (its approvals predate it)
    timeline = client.get(f"/crisis/{incident.pk}/").content.decode()
    for action in ("governance.crisis.start", "approvals.post.hold", "governance.crisis.end", "approvals.post.release"):
        assert f'data-testid="timeline-event" data-action="{action}"' in timeline


def test_release_all_reports_what_stays_held(client, demo, mastodon, scheduled_on):
    first, second = scheduled_on(mastodon), scheduled_on(mastodon, body="Second post.")
    incident = actions.start_crisis(actor=demo["dana"], channel=mastodon, reason="Outage")
    # A second crisis over the whole department keeps the second post held (and the first too).
    actions.end_crisis(incident, actor=demo["dana"])
    signed_in(client, demo, "dana")
    response = client.post(f"/crisis/{incident.pk}/release-all/", follow=True)
    assert response.status_code == 200 and "Released 2 posts." in response.content.decode()
    assert set(Post.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)) == {"in_review"}

    third = scheduled_on(mastodon, body="Third post.")
    incident = actions.start_crisis(actor=demo["dana"], channel=mastodon, reason="Again")
    actions.end_crisis(incident, actor=demo["dana"])
    department = actions.start_crisis(
        actor=demo["dana"], department=mastodon.owning_department, reason="Whole department"
    )
    response = client.post(f"/crisis/{incident.pk}/release-all/", follow=True)
    html = response.content.decode()
    assert f"Post #{third.pk} stays held" in html and f"#{department.pk}" in html
    assert Post.objects.get(pk=third.pk).state == "held"


def test_active_release_all_is_409(client, demo, mastodon):
    incident = actions.start_crisis(actor=demo["dana"], channel=mastodon, reason="Outage")
    signed_in(client, demo, "dana")
    response = client.post(f"/crisis/{incident.pk}/release-all/")
    assert response.status_code == 409 and "still active" in response.content.decode()


def test_missing_reason_is_400_and_keeps_the_choice(client, demo):
    signed_in(client, demo, "dana")
    response = client.post(f"{CONSOLE}start/", {"scope": "channel:mastodon-main", "reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "reason is required" in html and 'value="channel:mastodon-main" selected' in html
    assert not CrisisIncident.objects.exists()


def test_bob_may_not_post_and_sees_no_forms(client, demo, mastodon):
    incident = actions.start_crisis(actor=demo["dana"], channel=mastodon, reason="Outage")
    signed_in(client, demo, "bob")
    page = client.get(CONSOLE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="crisis-start"' not in html and 'data-testid="nav-crisis"' not in html
    assert client.post(f"{CONSOLE}start/", {"scope": "channel:x-news", "reason": "x"}).status_code == 403
    assert client.post(f"/crisis/{incident.pk}/end/", {}).status_code == 403
    assert client.post(f"/crisis/{incident.pk}/release-all/").status_code == 403
    assert not CrisisIncident.objects.filter(channel__slug="x-news").exists()
    # bob cannot see mastodon-main (social-center): its crisis is hidden from him.
    assert client.get(f"/crisis/{incident.pk}/").status_code == 404


def test_invisible_and_forbidden_scopes(client, demo):
    # ray reviews in pr: he may not declare a crisis; a pr manager could. dana may on x-news
    # (crisis team) but an unknown crisis is 404.
    signed_in(client, demo, "dana")
    assert client.get("/crisis/999999/").status_code == 404
    assert client.post("/crisis/999999/end/", {}).status_code == 404
    assert client.post(f"{CONSOLE}start/", {"scope": "channel:no-such", "reason": "x"}).status_code == 404
    assert client.post(f"{CONSOLE}start/", {"scope": "nowhere", "reason": "x"}).status_code == 400


def test_holding_statement_is_issued_during_a_crisis(client, demo):
    from approvals.demo import seed_holding_statements

    seed_holding_statements()
    x_news = Channel.objects.get(slug="x-news")
    statement = HoldingStatement.objects.filter(channel=x_news).order_by("pk").first()
    incident = actions.start_crisis(actor=demo["dana"], channel=x_news, reason="Fire in wing B")
    signed_in(client, demo, "dana")
    detail = client.get(f"/crisis/{incident.pk}/").content.decode()
    assert f'data-statement="{statement.pk}"' in detail and 'data-testid="statement-issue"' in detail
    response = client.post(f"/crisis/statements/{statement.pk}/issue/", {"crisis": incident.pk})
    assert response.status_code == 302 and response["Location"] == f"/crisis/{incident.pk}/"
    post = Post.objects.get(holding_statement=statement)
    assert post.state == "in_review"
    detail = client.get(f"/crisis/{incident.pk}/").content.decode()
    assert 'data-testid="statement-issued"' in detail and f"post #{post.pk}" in detail

    actions.end_crisis(incident, actor=demo["dana"])
    refused = client.post(f"/crisis/statements/{statement.pk}/issue/", {"crisis": incident.pk})
    assert refused.status_code == 409 and "No crisis covers" in refused.content.decode()


def test_reasons_and_notes_are_escaped(client, demo, mastodon):
    evil = "<script>alert(1)</script>"
    incident = actions.start_crisis(actor=demo["dana"], channel=mastodon, reason=evil)
    actions.end_crisis(incident, actor=demo["dana"], note=evil)
    signed_in(client, demo, "dana")
    for url in (CONSOLE, f"/crisis/{incident.pk}/"):
        html = client.get(url).content.decode()
        assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_crisis_pages_issue_a_constant_number_of_queries(client, demo, mastodon, scheduled_on):
    signed_in(client, demo, "dana")

    def measure(url):
        measured = queries_of(lambda: client.get(url))
        assert measured.result.status_code == 200
        return measured

    incident = actions.start_crisis(actor=demo["dana"], channel=mastodon, reason="Outage")
    scheduled_on(mastodon)
    few_console, few_detail = measure(CONSOLE), measure(f"/crisis/{incident.pk}/")
    actions.end_crisis(incident, actor=demo["dana"])
    for i in range(3):  # more crises, held posts and timeline events
        for _ in range(5):
            scheduled_on(mastodon, body=f"Post {i}")
        other = actions.start_crisis(
            actor=demo["dana"], channel=Channel.objects.get(slug=["x-news", "podcast", "youtube-main"][i]), reason="r"
        )
        if i < 2:
            actions.end_crisis(other, actor=demo["dana"])
    incident = actions.start_crisis(actor=demo["dana"], channel=mastodon, reason="Outage again")
    assert Post.objects.filter(state="held").count() > 10
    assert_same_queries(few_console, measure(CONSOLE), what="console")
    assert_same_queries(few_detail, measure(f"/crisis/{incident.pk}/"), what="crisis detail")
