"""Issue 14, finding 8 (part): a forged cursor is an invalid cursor (404), never a 500. DRF's
cursor is base64 of a query string; its position `p` is compared with the ordering field, so a
position that is not a value of that field (a year for a datetime, text for an id, a number
too large for the column) reached the database."""

import base64

import pytest
from django.utils import timezone

from approvals import actions
from governance.models import Channel

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
LISTS = [
    "/posts/",
    "/crises/",
    "/retraction-requests/",
    "/consents/",
    "/audit-events/",
    "/review-queue/",
    "/retrospective-reviews/",
]
POSITIONS = ["2026", "abc", "9" * 30, "2026-13-45T99:99:99", "\u00e9t\u00e9"]


def forged(position: str) -> str:
    return base64.b64encode(f"p={position}".encode()).decode()


@pytest.fixture
def rows(demo):
    """At least one row in every list (crises and retraction requests start empty)."""
    actions.start_crisis(actor=demo["dana"], channel=Channel.objects.get(slug="podcast"), reason="Rumour")
    post = actions.create_post(actor=demo["dana"], channel=Channel.objects.get(slug="youtube-main"), body="Tour.")
    type(post).objects.filter(pk=post.pk).update(state="published", published_at=timezone.now())
    actions.request_retraction(type(post).objects.get(pk=post.pk), reason="Consent withdrawn.")


@pytest.mark.parametrize("path", LISTS)
def test_a_forged_cursor_position_is_an_invalid_cursor(api_as, rows, path):
    client = api_as("admin")
    client.raise_request_exception = False
    assert client.get(f"{V1}{path}").status_code == 200
    for position in POSITIONS:
        response = client.get(f"{V1}{path}", {"cursor": forged(position)})
        assert response.status_code in (200, 404), (path, position, response.status_code)
        if response.status_code == 404:
            assert response.json()["code"] == "not_found"
