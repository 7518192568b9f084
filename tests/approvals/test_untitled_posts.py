"""A post's title is never derived from its body: an untitled post is "Untitled post on
<channel> #<id>" everywhere (page titles, the queue, dashboards, the calendar and its feed,
notifications, the API). Notifications name the post by that title, its channel and its state,
and link to it: no post text, no findings' excerpts. The .ics feed carries no post text either."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from approvals import actions
from approvals.models import Notification, Post
from approvals.views.calendar import feed_token

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
BODY = "Maria Lopez was diagnosed with type 2 diabetes last spring; today she ran her first 5K."
PATIENT = ("Maria", "Lopez", "diabetes")


def _no_patient_data(text: str) -> None:
    for word in PATIENT:
        assert word not in text, (word, text)


@pytest.fixture
def untitled(demo, channel, consent, django_capture_on_commit_callbacks):
    post = actions.create_post(actor=demo["alice"], channel=channel, body=BODY, consent=consent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
    return post


def test_an_untitled_post_is_named_by_its_channel_and_id(untitled, channel, api_as):
    label = f"Untitled post on {channel.name} #{untitled.pk}"
    assert Post.objects.get(pk=untitled.pk).title == label
    detail = api_as("alice").get(f"{V1}/posts/{untitled.pk}/").json()
    assert detail["title"] == label and detail["revision"]["title"] == ""
    (row,) = [p for p in api_as("alice").get(f"{V1}/posts/").json()["results"] if p["id"] == untitled.pk]
    assert row["title"] == label


def test_pages_name_an_untitled_post_without_its_words(untitled, channel, client_as):
    label = f"Untitled post on {channel.name} #{untitled.pk}"
    page = client_as("rachel").get(f"/posts/{untitled.pk}/").content.decode()
    (title,) = re.findall(r"<title>(.*?)</title>", page, re.S)
    _no_patient_data(title)
    assert label in title
    (heading,) = re.findall(r'<h1 data-testid="post-title">(.*?)</h1>', page, re.S)
    assert heading.strip() == label
    for path in ("/queue/", "/dashboard/"):
        html = client_as("rachel").get(path).content.decode()
        assert label in html, path
        _no_patient_data(html)


def test_notifications_name_the_post_channel_and_state_and_link_to_it(untitled, channel, demo, settings):
    label = f"Untitled post on {channel.name} #{untitled.pk}"
    (message,) = [m for m in mail.outbox if m.to == [demo["rachel"].email]]
    _no_patient_data(message.subject + message.body)
    assert label in message.subject and channel.name in message.body
    assert "in review" in message.body.lower()
    assert f"{settings.SITE_URL}/posts/{untitled.pk}/" in message.body
    (note,) = Notification.objects.filter(recipient=demo["rachel"])
    _no_patient_data(note.message)
    assert label in note.message


def test_decision_mails_carry_no_post_text_or_comment(untitled, demo, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_changes(
            untitled, actor=demo["rachel"], expected_version=untitled.version, comment="Remove Maria Lopez's diagnosis."
        )
    (message,) = [m for m in mail.outbox if m.to == [demo["alice"].email]]
    _no_patient_data(message.subject + message.body)
    assert f"/posts/{untitled.pk}/" in message.body and "changes requested" in message.body.lower()


def test_the_calendar_and_its_feed_carry_no_post_text(untitled, channel, demo, client, client_as):
    when = timezone.now() + timedelta(days=1)
    Post.objects.filter(pk=untitled.pk).update(state="scheduled", scheduled_at=when)
    page = client_as("rachel").get("/calendar/", {"month": f"{when:%Y-%m}"}).content.decode()
    assert f"Untitled post on {channel.name} #{untitled.pk}" in page
    _no_patient_data(page)
    ics = client.get(f"/calendar/{feed_token(demo['rachel'])}.ics").content.decode()
    unfolded = ics.replace("\r\n ", "")
    assert f"UID:post-{untitled.pk}@clearpost" in unfolded
    _no_patient_data(unfolded)
    assert f"Untitled post on {channel.name} #{untitled.pk}" in unfolded
    assert f"/posts/{untitled.pk}/" in unfolded
