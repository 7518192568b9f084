"""Working through the review queue: after a decision on a post's page (which stays where it
was), the page says which post waits on the reviewer next, the longest-waiting one, or that
nothing else does; once, not on later visits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import Post

pytestmark = pytest.mark.django_db


def waiting(make_post, *, hours: float) -> Post:
    return make_post("in_review", awaiting_since=timezone.now() - timedelta(hours=hours))


def decide(client, post: Post, action: str):
    fields = {"version": Post.objects.get(pk=post.pk).version}
    if action != "approve":
        fields["comment"] = "Please check the date."
    return client.post(f"/posts/{post.pk}/{action}/", fields)


def next_link(html: str) -> str | None:
    marker = 'data-testid="next-in-queue-link"'
    if marker not in html:
        return None
    return html[: html.index(marker)].rsplit('href="', 1)[1].split('"', 1)[0]


def test_each_decision_points_to_the_next_post_waiting_then_to_the_queue(client_as, make_post):
    oldest = waiting(make_post, hours=30)
    middle = waiting(make_post, hours=20)
    newest = waiting(make_post, hours=2)
    rachel = client_as("rachel")

    done = decide(rachel, oldest, "approve")
    assert done.status_code == 302 and done["Location"] == f"/posts/{oldest.pk}/"  # the page stays
    page = rachel.get(done["Location"]).content.decode()
    assert next_link(page) == f"/posts/{middle.pk}/"
    assert "Approved." in page
    assert next_link(rachel.get(f"/posts/{oldest.pk}/").content.decode()) is None  # said once

    decide(rachel, middle, "reject")
    assert next_link(rachel.get(f"/posts/{middle.pk}/").content.decode()) == f"/posts/{newest.pk}/"
    decide(rachel, newest, "request-changes")
    page = rachel.get(f"/posts/{newest.pk}/").content.decode()
    assert next_link(page) is None
    assert "Nothing else is waiting on you." in page and 'href="/queue/"' in page
    assert [Post.objects.get(pk=p.pk).state for p in (oldest, middle, newest)] == [
        "approved",
        "rejected",
        "changes_requested",
    ]


def test_no_pointer_without_a_decision(client_as, make_post):
    post = waiting(make_post, hours=5)
    waiting(make_post, hours=10)
    rachel = client_as("rachel")
    assert 'data-testid="next-in-queue"' not in rachel.get(f"/posts/{post.pk}/").content.decode()
    refused = rachel.post(f"/posts/{post.pk}/approve/", {"version": post.version - 1})
    assert refused.status_code == 409
    assert 'data-testid="next-in-queue"' not in rachel.get(f"/posts/{post.pk}/").content.decode()
