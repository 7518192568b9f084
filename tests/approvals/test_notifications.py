"""In-app notifications: written with the e-mails (after commit, by the same tasks), listed to
their recipient only, counted in the navigation, marked read one by one or all at once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from approvals import actions, notifications
from approvals.models import Notification, RetrospectiveReview
from tests.support.queries import assert_same_queries, numbered, queries_of

pytestmark = pytest.mark.django_db


def unread(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, read_at__isnull=True))


def test_submitting_notifies_the_stage_reviewers_after_commit(demo, make_post, django_capture_on_commit_callbacks):
    post = make_post("draft")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.submit(post, actor=demo["alice"], expected_version=post.version)
        assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()

    [note] = unread(demo["rachel"])
    assert note.kind == Notification.Kind.STAGE_OPENED
    assert note.post_id == post.pk and note.url == f"/posts/{post.pk}/"
    assert "Channel review" in note.message and "Alice" in note.message
    assert not Notification.objects.filter(recipient=demo["alice"]).exists()  # authors never review their own
    assert not Notification.objects.filter(recipient=demo["ray"]).exists()  # pr's reviewer
    assert any("rachel" in m.to[0] for m in mail.outbox)  # the e-mail still goes out


def test_a_decision_notifies_the_author_and_opens_the_next_stage_for_compliance(
    demo, make_post, django_capture_on_commit_callbacks
):
    post = make_post("draft")
    with django_capture_on_commit_callbacks(execute=True):
        post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(post, actor=demo["rachel"], expected_version=post.version, comment="Lovely")

    [note] = unread(demo["alice"])
    assert note.kind == Notification.Kind.DECISION and "Rachel" in note.message and "approved" in note.message
    # patient-stories is regulated: the compliance stage opened, and carol is told.
    assert [n.kind for n in unread(demo["carol"])] == [Notification.Kind.STAGE_OPENED]


def test_break_glass_and_retraction_notify_in_app_too(demo, make_post):
    post = make_post("published")
    now = timezone.now()
    review = RetrospectiveReview.objects.create(
        post=post,
        revision=post.current_revision,
        content_hash=post.current_revision.content_hash,
        reason="It could not wait.",
        requested_by=demo["dana"],
        requested_at=now,
        due_at=now + timedelta(hours=24),
    )
    notifications.break_glass_used(review.pk)
    assert [n.kind for n in unread(demo["carol"])] == [Notification.Kind.BREAK_GLASS]
    assert not unread(demo["rachel"])


def test_the_list_shows_only_ones_own_notifications_newest_first(client_as, demo, make_post):
    post = make_post("in_review")
    mine = [
        Notification.objects.create(recipient=demo["rachel"], post=post, kind="stage_opened", message=f"m{i}")
        for i in range(3)
    ]
    other = Notification.objects.create(recipient=demo["ray"], kind="stage_opened", message="for ray only")

    response = client_as("rachel").get("/notifications/")

    assert [n.pk for n in response.context["notifications"]] == [n.pk for n in reversed(mine)]
    html = response.content.decode()
    assert "for ray only" not in html
    assert html.count('data-testid="notification-row"') == 3
    assert 'data-testid="unread-count">3<' in html

    # another user's notification: 404, and it stays unread
    assert client_as("rachel").post(f"/notifications/{other.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert client_as("rachel").post("/notifications/999999/read/").status_code == 404


def test_mark_one_and_mark_all_read(client_as, demo):
    notes = [Notification.objects.create(recipient=demo["alice"], kind="decision", message=f"n{i}") for i in range(3)]
    other = Notification.objects.create(recipient=demo["bob"], kind="decision", message="bob's")
    client = client_as("alice")

    response = client.post(f"/notifications/{notes[0].pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert Notification.objects.get(pk=notes[0].pk).read_at is not None
    assert 'data-testid="unread-count">2<' in client.get("/dashboard/").content.decode()

    response = client.post("/notifications/read-all/", {"unread": "1"})
    assert response["Location"] == "/notifications/?unread=1"
    assert not unread(demo["alice"])
    assert unread(demo["bob"]) == [other]  # only one's own
    page = client.get("/notifications/?unread=1")
    assert page.context["notifications"] == []
    assert 'data-testid="unread-count">0<' in page.content.decode()

    assert client.get("/notifications/read-all/").status_code == 405  # writes are POSTs


def test_anonymous_users_see_no_count_and_pay_no_query_for_it(client, demo):
    login = queries_of(lambda: client.get("/accounts/login/"))
    assert login.result.status_code == 200
    assert not any("approvals_notification" in sql for sql in login.sql), numbered(login.sql)
    assert client.get("/notifications/").status_code == 302


def test_messages_are_escaped(client_as, demo):
    Notification.objects.create(recipient=demo["rachel"], kind="decision", message="<script>alert(1)</script>")
    html = client_as("rachel").get("/notifications/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_keyset_paging_and_constant_queries(client_as, demo, make_post, monkeypatch):
    from approvals.views import notifications as notification_views

    monkeypatch.setattr(notification_views, "PAGE_SIZE", 5)
    post = make_post("in_review")
    client = client_as("rachel")

    def add(n):
        Notification.objects.bulk_create(
            Notification(recipient=demo["rachel"], post=post, kind="stage_opened", message="m") for _ in range(n)
        )

    def count_queries(url="/notifications/"):
        client.get(url)
        measured = queries_of(lambda: client.get(url))
        return measured, measured.result

    add(1)
    few, _ = count_queries()
    add(30)
    many, response = count_queries()
    assert_same_queries(few, many)

    expected = list(Notification.objects.filter(recipient=demo["rachel"]).order_by("-id").values_list("pk", flat=True))
    seen, url = [], "/notifications/"
    while url:
        page = client.get(url)
        seen += [n.pk for n in page.context["notifications"]]
        url = "/notifications/" + page.context["next_url"] if page.context["next_url"] else None
    assert seen == expected


def test_navigation_count_is_one_query(client_as, demo):
    client = client_as("rachel")
    dashboard = queries_of(lambda: client.get("/dashboard/"))
    nav = [sql for sql in dashboard.sql if "approvals_notification" in sql and "accounts_user" in sql]
    assert len(nav) == 1, numbered(dashboard.sql)
