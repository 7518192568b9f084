"""Issue 14, finding 8 (part): bodies the API cannot read answer its JSON 400, never a 500 or
an HTML page — a JSON body nested too deeply for the decoder, on the anonymous token endpoint
and on endpoints that need a user, and a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
NESTED = "[" * 50_000 + "]" * 50_000


def assert_json_400(response):
    assert response.status_code == 400, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] in {"parse_error", "bad_request"} and body["detail"] and body["errors"] == {}


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/auth/token/"),
        ("bob", "/policy-check/"),
        ("bob", "/posts/"),
        ("carol", "/consents/"),
    ],
)
def test_json_nested_too_deeply_is_a_400(api_as, demo, who, path):
    client = api_as(who) if who else APIClient()
    client.raise_request_exception = False
    assert_json_400(client.post(f"{V1}{path}", data=NESTED, content_type="application/json"))


def test_a_body_over_the_upload_limit_is_the_apis_json_400(demo, settings):
    client = APIClient(raise_request_exception=False)
    big = '{"username": "' + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '", "password": "x"}'
    assert_json_400(client.post(f"{V1}/auth/token/", data=big, content_type="application/json"))


def test_pages_keep_their_html_400(client, demo, settings):
    big = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/accounts/login/", data={"username": big, "password": "x"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "raw",
    [
        '{"kind": "webhook", "settings": {"url": "https://example.org/h\\u0000"}, "version": 0}',
        '{"kind": "webhook", "settings": {"url": "https://example.org/\\ud800"}, "version": 0}',
        '{"kind": "email", "settings": {"recipients": ["a@example.org", "b\\u0000@example.org"]}, "version": 0}',
    ],
    ids=["nul", "lone-surrogate", "nul-in-a-list"],
)
def test_connector_settings_the_database_cannot_store_are_a_400(api_as, demo, raw):
    """Issue 14, finding 8 (part): NUL or a lone surrogate in connector settings was a 500."""
    client = api_as("admin")
    client.raise_request_exception = False
    response = client.put(f"{V1}/channels/research-blog/connector/", data=raw, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "NUL characters or lone surrogates" in response.json()["errors"]["settings"][0]
    assert client.get(f"{V1}/channels/research-blog/connector/").json()["kind"] == "feed"  # unchanged
