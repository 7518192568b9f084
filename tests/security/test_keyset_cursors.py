"""Issue 14, finding 8 (part): the review queue's and the retrospective reviews' cursors hold a
key (a date-time and an id, and for the retrospective reviews whether the review is done).
A cursor whose key is out of range (year 0 or 99999, month 13, a date-time that leaves Python's
years once in UTC, an id past the bigint, NaN, Infinity, a boolean or a string for an id) is an
invalid cursor, 404 "Invalid cursor." like any forged cursor, never a 500. The queue's browser
page reads its own `after` key and starts from the beginning when that key is out of range.

The class is fuzzed with a table: every bad date-time with a good id, every bad id with a good
date-time, every bad shape, and for the retrospective reviews every bad "done" flag."""

import base64
import itertools
import json

import pytest

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
GOOD_MOMENT = "2026-01-05T09:30:00+00:00"
GOOD_ID = 1

# JSON text, so that NaN, Infinity and numbers Python's json would not write can be sent.
BAD_MOMENTS = [
    '"0000-01-01T00:00:00+00:00"',  # year 0
    '"99999-01-01T00:00:00+00:00"',  # year 99999
    '"2026-13-01T00:00:00+00:00"',  # month 13
    '"2026-02-30T00:00:00+00:00"',  # day 30 of February
    '"2026-01-01T24:61:61+00:00"',  # hour, minute, second
    '"0001-01-01T00:00:00+14:00"',  # before year 1 in UTC
    '"9999-12-31T23:59:59-14:00"',  # after year 9999 in UTC
    '"2026-01-01T00:00:00"',  # no UTC offset
    '"2026-01-01T00:00:00+99:00"',  # no such offset
    '""',
    '"not a date"',
    "2026",
    "1e308",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "true",
    "[]",
    "{}",
]
BAD_IDS = [
    str(2**63),  # past the bigint
    str(10**30),
    "-1",
    "-" + str(2**63 + 1),
    "1e300",
    "1.5",
    "NaN",
    "Infinity",
    "-Infinity",
    "true",
    "false",
    '"1"',
    "null",
    "[]",
]
BAD_DONE = ["0", "1", '"yes"', "null", "NaN", "Infinity", "[]"]


def cursor(*json_values: str) -> str:
    return base64.urlsafe_b64encode(f"[{','.join(json_values)}]".encode()).decode()


def queue_cursors():
    good_moment, good_id = json.dumps(GOOD_MOMENT), json.dumps(GOOD_ID)
    yield from (cursor(moment, good_id) for moment in BAD_MOMENTS)
    yield from (cursor(good_moment, pk) for pk in BAD_IDS)
    yield from (cursor(moment, pk) for moment, pk in itertools.product(BAD_MOMENTS[:6], BAD_IDS[:6]))
    yield from (cursor(), cursor(good_moment), cursor(good_moment, good_id, good_id))  # wrong lengths
    yield base64.urlsafe_b64encode(b'{"a": 1, "b": 2}').decode()  # two keys, not a key
    yield base64.urlsafe_b64encode(b"[" * 100_000).decode()  # nested past the parser's depth


def retrospective_cursors():
    moment, pk = json.dumps(GOOD_MOMENT), json.dumps(GOOD_ID)
    for done in ("false", "true"):
        yield from (cursor(done, bad, pk) for bad in BAD_MOMENTS)
        yield from (cursor(done, moment, bad) for bad in BAD_IDS)
    yield from (cursor(done, moment, pk) for done in BAD_DONE)
    yield from (cursor("false", moment), cursor("false", moment, pk, pk))


def assert_invalid_cursor(client, path, cursors):
    client.raise_request_exception = False
    assert client.get(f"{V1}{path}").status_code == 200
    answers = {}
    for forged in cursors:
        response = client.get(f"{V1}{path}", {"cursor": forged})
        if response.status_code != 404 or response.json() != {"detail": "Invalid cursor.", "code": "not_found"}:
            answers[base64.urlsafe_b64decode(forged)[:80]] = response.status_code
    assert not answers, answers


def test_the_cursors_the_lists_write_are_accepted(api_as):
    """The table's good values are what the lists write: a good key is read, and continues."""
    for path, key in [("/review-queue/", [GOOD_MOMENT, GOOD_ID]), ("/retrospective-reviews/", [False, GOOD_MOMENT, 1])]:
        response = api_as("carol").get(f"{V1}{path}", {"cursor": cursor(*map(json.dumps, key))})
        assert response.status_code == 200, (path, response.content)


@pytest.mark.parametrize("username", ["rachel", "admin"])
def test_an_out_of_range_review_queue_cursor_is_an_invalid_cursor(api_as, username):
    """A reviewer's queue (the walk in SQL) and a superuser's (the ORM's)."""
    assert_invalid_cursor(api_as(username), "/review-queue/", queue_cursors())


def test_an_out_of_range_retrospective_review_cursor_is_an_invalid_cursor(api_as):
    assert_invalid_cursor(api_as("carol"), "/retrospective-reviews/", retrospective_cursors())


def test_the_queue_page_starts_over_on_an_out_of_range_key(client_as):
    """The page's `after` key is microseconds since 1970 and an id: out of range, it is ignored
    (the first page), as a malformed one is."""
    client = client_as("rachel")
    client.raise_request_exception = False
    first = client.get("/queue/")
    assert first.status_code == 200
    keys = [
        f"{10**20}-1",  # past year 9999
        f"-{10**17}-1",  # before year 1
        f"0-{2**63}",  # past the bigint
        f"0-{10**30}",
        "0--1",
        "NaN-1",
        "Infinity-1",
        "1e300-1",
    ]
    for key in keys:
        response = client.get("/queue/", {"after": key})
        assert response.status_code == 200, (key, response.status_code)
        assert [r["post"].pk for r in response.context["rows"]] == [r["post"].pk for r in first.context["rows"]], key


def test_the_notifications_page_ignores_an_id_past_the_bigint(client_as):
    client = client_as("rachel")
    client.raise_request_exception = False
    for before in (str(2**63), str(10**30)):
        assert client.get("/notifications/", {"before": before}).status_code == 200, before
