"""The publishing calendar: month and week views, the channel filter, and the iCalendar feed."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from approvals import actions
from approvals.models import Post
from approvals.views.calendar import feed_token
from governance.models import Channel
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db

# A fixed month away from today, so that "today" never changes what is shown.
MONTH = "2031-05"
IN_MONTH = datetime(2031, 5, 14, 9, 30)


def _at(naive: datetime) -> datetime:
    return timezone.make_aware(naive)


@pytest.fixture
def post_on(demo):
    """A post by `author` on `channel_slug` put straight into `state` at `when` (plain rows:
    the transitions themselves are tested through the actions)."""

    def make(channel_slug: str, author: str, state: str, when: datetime, body: str = "Calendar post", **fields) -> Post:
        channel = Channel.objects.get(slug=channel_slug)
        post = actions.create_post(actor=demo[author], channel=channel, body=body, **fields)
        field = "published_at" if state == "published" else "scheduled_at"
        Post.objects.filter(pk=post.pk).update(state=state, **{field: when})
        return Post.objects.get(pk=post.pk)

    return make


def _post_ids(response) -> set[int]:
    content = response.content.decode()
    return {int(chunk.split('"', 1)[0]) for chunk in content.split('data-post="')[1:]}


def test_month_shows_scheduled_published_and_held_posts_in_range(client_as, post_on):
    scheduled = post_on("x-news", "bob", "scheduled", _at(IN_MONTH))
    published = post_on("x-news", "bob", "published", _at(IN_MONTH + timedelta(days=2)))
    held = post_on("x-news", "bob", "held", _at(IN_MONTH + timedelta(days=3)))
    draft = post_on("x-news", "bob", "draft", _at(IN_MONTH))  # not on the calendar
    later = post_on("x-news", "bob", "scheduled", _at(IN_MONTH + timedelta(days=60)))  # another month

    response = client_as("ray").get("/calendar/", {"month": MONTH})

    assert response.status_code == 200
    assert _post_ids(response) == {scheduled.pk, published.pk, held.pk}
    assert draft.pk not in _post_ids(response) and later.pk not in _post_ids(response)
    content = response.content.decode()
    assert f'href="/posts/{scheduled.pk}/"' in content
    assert 'data-testid="calendar-held"' in content  # the held post is marked
    assert 'data-date="2031-05-14"' in content
    assert "May 2031" in content


def test_month_hides_posts_the_user_may_not_see(client_as, post_on):
    pr_post = post_on("x-news", "bob", "scheduled", _at(IN_MONTH))
    marketing_post = post_on("patient-stories", "alice", "scheduled", _at(IN_MONTH))

    ray_sees = _post_ids(client_as("ray").get("/calendar/", {"month": MONTH}))
    alice_sees = _post_ids(client_as("alice").get("/calendar/", {"month": MONTH}))

    assert ray_sees == {pr_post.pk}
    assert alice_sees == {marketing_post.pk}


def test_week_view_shows_only_that_week(client_as, post_on):
    monday = datetime(2031, 5, 12, 8, 0)
    this_week = post_on("x-news", "bob", "scheduled", _at(monday + timedelta(days=2)))
    next_week = post_on("x-news", "bob", "scheduled", _at(monday + timedelta(days=8)))

    response = client_as("ray").get("/calendar/week/", {"week": "2031-05-14"})  # any day of the week

    assert response.status_code == 200
    assert _post_ids(response) == {this_week.pk}
    content = response.content.decode()
    assert content.count('data-testid="calendar-day"') == 7
    assert 'data-date="2031-05-12"' in content and 'data-date="2031-05-18"' in content
    assert "?week=2031-05-19" in content  # next
    assert "?week=2031-05-05" in content  # previous
    assert next_week.pk not in _post_ids(response)


def test_channel_filter(client_as, post_on):
    on_x = post_on("x-news", "bob", "scheduled", _at(IN_MONTH))
    on_facebook = post_on("facebook-main", "bob", "scheduled", _at(IN_MONTH))

    everything = client_as("ray").get("/calendar/", {"month": MONTH})
    only_x = client_as("ray").get("/calendar/", {"month": MONTH, "channel": "x-news"})

    assert _post_ids(everything) == {on_x.pk, on_facebook.pk}
    assert _post_ids(only_x) == {on_x.pk}
    assert "?month=2031-06&amp;channel=x-news" in only_x.content.decode()  # next keeps the filter


def test_a_channel_the_user_may_not_see_is_not_offered_and_filters_nothing(client_as, post_on):
    post_on("patient-stories", "alice", "scheduled", _at(IN_MONTH))
    response = client_as("ray").get("/calendar/", {"month": MONTH, "channel": "patient-stories"})
    assert response.status_code == 200
    assert _post_ids(response) == set()
    assert 'value="patient-stories"' not in response.content.decode()


def test_bad_parameters_fall_back_to_this_month(client_as):
    response = client_as("ray").get("/calendar/", {"month": "not-a-month"})
    assert response.status_code == 200
    assert timezone.localdate().strftime("%B %Y") in response.content.decode()
    assert client_as("ray").get("/calendar/week/", {"week": "2031-02-30"}).status_code == 200


def test_calendar_needs_sign_in(db):
    response = Client().get("/calendar/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_titles_are_escaped(client_as, post_on, demo):
    post = post_on("x-news", "bob", "scheduled", _at(IN_MONTH), title="<script>alert(1)</script> hello")
    content = client_as("ray").get("/calendar/", {"month": MONTH}).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert f'data-post="{post.pk}"' in content


@pytest.mark.parametrize("path", ["/calendar/", "/calendar/week/"])
def test_constant_queries(client_as, post_on, path):
    client = client_as("ray")
    query = {"month": MONTH} if path == "/calendar/" else {"week": "2031-05-12"}
    post_on("x-news", "bob", "scheduled", _at(IN_MONTH))
    client.get(path, query)  # warm up (session, content types)
    few = queries_of(lambda: client.get(path, query))
    assert few.result.status_code == 200
    for i in range(20):
        channel = ("x-news", "facebook-main")[i % 2]
        state = ("scheduled", "published", "held")[i % 3]
        post_on(channel, "bob", state, _at(IN_MONTH + timedelta(hours=i)))
    many = queries_of(lambda: client.get(path, query))
    assert many.result.content.decode().count('data-testid="calendar-post"') == 21
    assert_same_queries(few, many)


def test_page_shows_the_feed_address(client_as, demo):
    content = client_as("ray").get("/calendar/").content.decode()
    assert f"/calendar/{feed_token(demo['ray'])}.ics" in content
    assert 'data-testid="ical-url"' in content


# --- the iCalendar feed -------------------------------------------------------------------


def _feed(client, user) -> Calendar:
    response = client.get(f"/calendar/{feed_token(user)}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_feed_lists_the_users_visible_posts(demo, post_on):
    soon = timezone.now() + timedelta(days=5)
    pr_post = post_on("x-news", "bob", "scheduled", soon, body="Annual report <b>out</b> & more")
    held = post_on("x-news", "bob", "held", soon + timedelta(hours=1))
    hidden = post_on("patient-stories", "alice", "scheduled", soon)
    post_on("x-news", "bob", "draft", soon)

    calendar = _feed(Client(), demo["ray"])  # no session: the token is the credential

    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"post-{pr_post.pk}@clearpost", f"post-{held.pk}@clearpost"}
    event = events[f"post-{pr_post.pk}@clearpost"]
    # Title, channel, state and link: never the post's text (it leaves the portal).
    assert "Annual report" not in str(event["description"])
    assert f"Untitled post on {pr_post.channel.name} #{pr_post.pk}" in str(event["description"])
    assert str(event["url"]).endswith(f"/posts/{pr_post.pk}/")
    assert event.decoded("dtstart") == soon.replace(microsecond=0) or event.decoded("dtstart") == soon
    assert str(events[f"post-{held.pk}@clearpost"]["summary"]).startswith("HELD: ")
    assert f"post-{hidden.pk}@clearpost" not in events


def test_feed_with_a_wrong_token_is_404(demo):
    ray = demo["ray"]
    good = feed_token(ray)
    client = Client()
    assert client.get(f"/calendar/{good[:-1]}x.ics").status_code == 404
    assert client.get(f"/calendar/{demo['bob'].pk}-{good.split('-', 1)[1]}.ics").status_code == 404
    assert client.get("/calendar/nothing.ics").status_code == 404
    assert client.get("/calendar/999999-abc.ics").status_code == 404


def test_changing_the_password_revokes_the_feed(demo):
    ray = demo["ray"]
    old = feed_token(ray)
    ray.set_password("a-new-password-for-ray")
    ray.save(update_fields=["password"])
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/calendar/{feed_token(ray)}.ics").status_code == 200


def test_feed_of_an_inactive_user_is_404(demo):
    ray = demo["ray"]
    token = feed_token(ray)
    ray.is_active = False
    ray.save(update_fields=["is_active"])
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_feed_constant_queries(demo, post_on):
    soon = timezone.now() + timedelta(days=2)
    post_on("x-news", "bob", "scheduled", soon)
    client = Client()
    url = f"/calendar/{feed_token(demo['ray'])}.ics"
    few = queries_of(lambda: client.get(url))
    for i in range(20):
        post_on("x-news", "bob", "scheduled", soon + timedelta(hours=i))
    many = queries_of(lambda: Calendar.from_ical(client.get(url).content))
    assert len(many.result.walk("VEVENT")) == 21
    assert_same_queries(few, many)
