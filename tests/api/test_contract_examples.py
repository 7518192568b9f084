"""API.md, read word for word, performed against the demo organization.

Each test names the part of API.md it checks. The examples run as the demo users, on the
demo organization loaded by the real `seed_demo` command (posts in every state included).
"""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from approvals.models import PolicyCheck, Post, Revision
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
PASSWORD = "clearpost-demo"
DEMO_USERS = ["alice", "bob", "rachel", "ray", "carol", "dana", "admin"]
ERROR_KEYS = {"detail", "code"}


@pytest.fixture
def seeded(demo):
    """The whole demo organization of `make run`: `manage.py seed_demo` (posts included)."""
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    return demo


def post_with_body(start: str) -> Post:
    return Post.objects.get(current_revision__body__startswith=start)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert ERROR_KEYS <= set(body), body
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if status == 400:
        assert isinstance(body["errors"], dict)
    if code is not None:
        assert body["code"] == code, body
    return body


# --- Demo organization ------------------------------------------------------------------


class TestDemoOrganization:
    @pytest.mark.parametrize("username", DEMO_USERS)
    def test_every_demo_user_gets_a_token_with_the_shared_password(self, api, seeded, username):
        """`POST /api/v1/auth/token/` with `{"username","password"}` → `{"token"}`; then
        `Authorization: Token <token>`."""
        response = api.post(f"{V1}/auth/token/", {"username": username, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"token"} and isinstance(body["token"], str) and body["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
        assert api.get(f"{V1}/me/").json()["username"] == username

    def test_departments_through_the_api(self, api_as):
        body = api_as("bob").get(f"{V1}/departments/").json()
        assert {d["slug"]: d["name"] for d in body["results"]} == {
            "pr": "Public Affairs",
            "marketing": "Marketing",
            "it": "Information Technology",
            "social-center": "Center for Social Media",
        }

    def test_channels_through_the_api(self, api_as):
        body = api_as("admin").get(f"{V1}/channels/", {"page_size": 100}).json()
        channels = {c["slug"]: c for c in body["results"]}
        assert {slug: (c["platform"], c["department"]["slug"]) for slug, c in channels.items()} == {
            "youtube-main": ("youtube", "social-center"),
            "x-news": ("x", "pr"),
            "facebook-main": ("facebook", "pr"),
            "patient-stories": ("blog", "marketing"),
            "research-blog": ("blog", "social-center"),
            "podcast": ("podcast", "social-center"),
            "support-forums": ("forum", "social-center"),
            "employee-news": ("newsletter", "pr"),
            "mastodon-main": ("mastodon", "social-center"),
        }
        assert channels["employee-news"]["visibility"] == "internal"
        assert all(c["visibility"] != "internal" for slug, c in channels.items() if slug != "employee-news")

    @pytest.mark.parametrize(
        "username, role, memberships",
        [
            ("alice", "Author", [("marketing", "authors")]),
            ("bob", "Author", [("pr", "authors")]),
            ("rachel", "Reviewer", [("marketing", "reviewers")]),
            ("ray", "Reviewer", [("pr", "reviewers")]),
            ("carol", "Compliance Officer", []),
            ("dana", "Crisis Team", [("social-center", "managers")]),
        ],
    )
    def test_demo_people(self, api_as, username, role, memberships):
        """alice author in marketing; bob author in pr; rachel reviewer in marketing; ray
        reviewer in pr; carol compliance officer; dana manager of social-center and member of
        the crisis team."""
        me = api_as(username).get(f"{V1}/me/").json()
        assert role in me["roles"]
        assert [(d["slug"], role_) for d in me["departments"] for role_ in d["roles"]] == memberships
        assert me["is_superuser"] is False

    def test_admin_is_a_superuser(self, api_as):
        assert api_as("admin").get(f"{V1}/me/").json()["is_superuser"] is True

    def test_patient_stories_escalate_sensitive_information_to_compliance(self, api_as):
        """`patient-stories` … sensitive-information rules escalate to compliance."""
        body = "Our patient Eleanor Whitfield turned 100 yesterday on the geriatric ward."
        response = api_as("alice").post(
            f"{V1}/policy-check/", {"channel": "patient-stories", "body": body}, format="json"
        )
        findings = response.json()["findings"]
        assert any(f["rule"] == "sensitive" and f["severity"] == "escalate" for f in findings), findings
        created = api_as("alice").post(f"{V1}/posts/", {"channel": "patient-stories", "body": body}, format="json")
        post = created.json()
        submitted = api_as("alice").post(
            f"{V1}/posts/{post['id']}/submit/", {"version": post["version"]}, format="json"
        )
        assert submitted.status_code == 200, submitted.content
        assert "compliance" in [stage["slug"] for stage in submitted.json()["stages"]]


# --- REST API: conventions ----------------------------------------------------------------


class TestConventions:
    def test_json_out_and_401_body(self, api, seeded):
        """`401` not authenticated; error bodies `{"detail", "code"}`."""
        assert_error(api.get(f"{V1}/posts/"), 401, "not_authenticated")
        assert_error(api.post(f"{V1}/policy-check/", {}, format="json"), 401)

    def test_session_authentication_enforces_csrf(self, seeded):
        """Authentication: session (browser, CSRF enforced)."""
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(seeded["alice"])
        assert browser.get(f"{V1}/me/").json()["username"] == "alice"
        payload = json.dumps({"channel": "patient-stories", "body": "Hello"})
        refused = browser.post(f"{V1}/policy-check/", payload, content_type="application/json")
        assert_error(refused, 403)
        browser.get("/dashboard/")  # a page with a form: sets the CSRF cookie
        token = browser.cookies["csrftoken"].value
        accepted = browser.post(f"{V1}/policy-check/", payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert accepted.status_code == 200, accepted.content

    def test_token_authentication_needs_no_csrf(self, api_as):
        client = api_as("alice")
        client.enforce_csrf_checks = True
        response = client.post(f"{V1}/policy-check/", {"channel": "patient-stories", "body": "Hi"}, format="json")
        assert response.status_code == 200

    def test_openapi_schema_and_docs(self, client, db):
        """OpenAPI 3 schema at `/api/schema/`, interactive docs at `/api/docs/`."""
        schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert schema.status_code == 200
        document = json.loads(schema.content)
        assert document["openapi"].startswith("3.")
        for path in [
            "me/",
            "departments/",
            "departments/{slug}/",
            "channels/",
            "channels/{slug}/",
            "channels/{slug}/crisis/",
            "crises/{crisis_id}/end/",
            "policy-check/",
            "posts/",
            "posts/{post_id}/",
            "posts/{post_id}/submit/",
            "posts/{post_id}/approve/",
            "posts/{post_id}/request-changes/",
            "posts/{post_id}/reject/",
            "posts/{post_id}/withdraw/",
            "posts/{post_id}/schedule/",
            "posts/{post_id}/publish/",
            "review-queue/",
            "audit-events/",
            "audit-events/verify/",
            "auth/token/",
        ]:
            assert f"/api/v1/{path}" in document["paths"], path
        assert client.get("/api/docs/").status_code == 200

    def test_404_never_reveals_existence(self, api_as, seeded):
        """`404` missing **or not visible to the caller** (never reveal existence)."""
        hidden = post_with_body("Visiting hours change").pk  # bob's, on x-news: alice cannot see it
        missing = Post.objects.order_by("-pk").first().pk + 1000
        alice = api_as("alice")
        for suffix, method, data in [
            ("", "get", None),
            ("", "patch", {"body": "x", "version": 1}),
            ("submit/", "post", {"version": 1}),
            ("approve/", "post", {"version": 1}),
            ("withdraw/", "post", {"version": 1}),
        ]:
            answers = [
                getattr(alice, method)(f"{V1}/posts/{pk}/{suffix}", data, format="json") for pk in (hidden, missing)
            ]
            assert answers[0].status_code == answers[1].status_code == 404
            assert answers[0].json() == answers[1].json()
            assert_error(answers[0], 404, "not_found")

    def test_400_lists_field_errors(self, api_as):
        """`400` validation (field errors): `"errors": {field: [...]}`."""
        body = assert_error(api_as("alice").post(f"{V1}/posts/", {}, format="json"), 400)
        assert {"channel", "body"} <= set(body["errors"])
        assert all(isinstance(messages, list) for messages in body["errors"].values())

    def test_unrouted_api_address_answers_json_even_with_debug_on(self, api_as):
        client = api_as("alice")
        with override_settings(DEBUG=True):
            for path in (f"{V1}/posts/not-a-number/", f"{V1}/no-such-endpoint/"):
                assert_error(client.get(path), 404, "not_found")


class TestPagination:
    """Lists are paginated: `{"results": [...], "next": <url|null>}` (cursor pagination)."""

    @pytest.mark.parametrize(
        "username, path",
        [
            ("bob", "departments/"),
            ("admin", "channels/"),
            ("admin", "posts/"),
            ("rachel", "review-queue/"),
            ("carol", "audit-events/"),
        ],
    )
    def test_every_list_of_the_table(self, api_as, seeded, username, path):
        client = api_as(username)
        first = client.get(f"{V1}/{path}", {"page_size": 1}).json()
        assert {"results", "next"} <= set(first)
        assert isinstance(first["results"], list) and len(first["results"]) == 1
        seen = [json.dumps(first["results"][0], sort_keys=True)]
        page = first
        while page["next"] is not None:
            assert page["next"].startswith("http") and "cursor=" in page["next"]
            page = client.get(page["next"]).json()
            seen += [json.dumps(row, sort_keys=True) for row in page["results"]]
        # The same rows in pages of 100 (the demo's audit log alone is longer than one page).
        everything, page = [], client.get(f"{V1}/{path}", {"page_size": 100}).json()
        while True:
            assert len(page["results"]) <= 100
            everything += [json.dumps(row, sort_keys=True) for row in page["results"]]
            if page["next"] is None:
                break
            page = client.get(page["next"]).json()
        assert seen == everything

    @pytest.mark.parametrize("suffix", ["comments/", "deliveries/"])
    def test_post_sub_lists_are_paginated_too(self, api_as, seeded, suffix):
        post = post_with_body("After her hip replacement")  # two comments
        client = api_as("rachel")
        body = client.get(f"{V1}/posts/{post.pk}/{suffix}").json()
        assert isinstance(body, dict) and {"results", "next"} <= set(body)
        everything = body["results"]
        seen, page = [], client.get(f"{V1}/posts/{post.pk}/{suffix}", {"page_size": 1}).json()
        while True:
            assert len(page["results"]) <= 1
            seen += page["results"]
            if page["next"] is None:
                break
            page = client.get(page["next"]).json()
        assert seen == everything


# --- REST API: the table ------------------------------------------------------------------


class TestMeDepartmentsChannels:
    def test_me(self, api_as):
        """GET `me/`: username, roles, departments, and per channel the permissions held."""
        me = api_as("rachel").get(f"{V1}/me/").json()
        assert me["username"] == "rachel"
        assert me["roles"] == ["Reviewer"]
        assert me["departments"] == [{"slug": "marketing", "name": "Marketing", "roles": ["reviewers"]}]
        assert me["permissions"] == {"patient-stories": ["publish_on_channel", "review_on_channel"]}

    def test_department_detail(self, api_as):
        client = api_as("alice")
        assert client.get(f"{V1}/departments/social-center/").json()["name"] == "Center for Social Media"
        assert_error(client.get(f"{V1}/departments/nope/"), 404, "not_found")

    def test_channels_carry_crisis_and_permissions_and_filter(self, api_as):
        client = api_as("ray")
        rows = client.get(f"{V1}/channels/").json()["results"]
        assert all({"crisis", "permissions"} <= set(row) for row in rows)
        x_news = client.get(f"{V1}/channels/x-news/").json()
        assert x_news["crisis"] is None and "review_on_channel" in x_news["permissions"]
        admin = api_as("admin")
        assert [c["slug"] for c in admin.get(f"{V1}/channels/", {"department": "marketing"}).json()["results"]] == [
            "patient-stories"
        ]
        assert [c["slug"] for c in admin.get(f"{V1}/channels/", {"platform": "mastodon"}).json()["results"]] == [
            "mastodon-main"
        ]


class TestCrisis:
    def test_start_and_end_on_a_channel(self, api_as, seeded):
        """POST `channels/{slug}/crisis/` `{"reason"}` and POST `crises/{id}/end/`: channel
        manager, crisis team."""
        dana = api_as("dana")
        started = dana.post(f"{V1}/channels/mastodon-main/crisis/", {"reason": "Server outage"}, format="json")
        assert started.status_code == 201, started.content
        crisis_id = started.json()["id"]
        channel = dana.get(f"{V1}/channels/mastodon-main/").json()
        assert channel["crisis"] is not None and channel["crisis"]["id"] == crisis_id
        assert AuditEvent.objects.filter(action="governance.crisis.start", target_id=str(crisis_id)).exists()

        # carol sees the channel but is neither its manager nor in the crisis team: 403.
        assert_error(api_as("carol").post(f"{V1}/crises/{crisis_id}/end/", {}, format="json"), 403)
        ended = dana.post(f"{V1}/crises/{crisis_id}/end/", {}, format="json")
        assert ended.status_code == 200, ended.content
        assert dana.get(f"{V1}/channels/mastodon-main/").json()["crisis"] is None

    def test_who_may_start_one(self, api_as, seeded):
        reason = {"reason": "Rumours"}
        assert_error(api_as("carol").post(f"{V1}/channels/x-news/crisis/", reason, format="json"), 403)
        assert_error(api_as("ray").post(f"{V1}/channels/x-news/crisis/", reason, format="json"), 403)
        # alice cannot see x-news: 404, as for a channel that does not exist.
        assert_error(api_as("alice").post(f"{V1}/channels/x-news/crisis/", reason, format="json"), 404)
        # dana is in the crisis team: any channel.
        assert api_as("dana").post(f"{V1}/channels/x-news/crisis/", reason, format="json").status_code == 201
        # one active crisis per scope: a second start is a conflict.
        assert_error(api_as("dana").post(f"{V1}/channels/x-news/crisis/", reason, format="json"), 409)


class TestPolicyCheck:
    def test_findings_shape_and_nothing_saved(self, api_as, seeded):
        """POST `policy-check/` `{"channel","body","link"?}` →
        `{"findings":[{"rule","severity","message","start","end"}]}`; nothing saved."""
        client = api_as("bob")
        before = (
            AuditEvent.objects.count(),
            Post.objects.count(),
            Revision.objects.count(),
            PolicyCheck.objects.count(),
        )
        body = "This miracle cure is guaranteed! Details: https://bit.ly/abc"
        response = client.post(
            f"{V1}/policy-check/", {"channel": "x-news", "body": body, "link": "http://example.org/"}, format="json"
        )
        assert response.status_code == 200, response.content
        findings = response.json()["findings"]
        assert findings
        for finding in findings:
            assert (
                {"rule", "severity", "message", "start", "end"}
                <= set(finding)
                <= {"rule", "severity", "message", "start", "end", "kind"}
            )
            assert finding["severity"] in {"block", "escalate", "warn"}
        severities = {(f["rule"], f["severity"], body[f["start"] : f["end"]]) for f in findings}
        assert ("lexicon", "block", "miracle cure") in severities
        assert ("lexicon", "warn", "guaranteed") in severities
        assert any(f["rule"] == "links" and f["severity"] == "warn" for f in findings)  # the http:// link
        after = (
            AuditEvent.objects.count(),
            Post.objects.count(),
            Revision.objects.count(),
            PolicyCheck.objects.count(),
        )
        assert after == before

    def test_clean_text_has_no_findings(self, api_as):
        response = api_as("bob").post(
            f"{V1}/policy-check/", {"channel": "x-news", "body": "Visiting hours are 10 to 8."}, format="json"
        )
        assert response.json()["findings"] == []


class TestPosts:
    def test_list_filters(self, api_as, seeded):
        """GET `posts/`: posts visible to the caller (filters `state`, `channel`, `mine`)."""
        bob = api_as("bob")
        visible = bob.get(f"{V1}/posts/", {"page_size": 100}).json()["results"]
        assert visible and {p["channel"] for p in visible} <= {"x-news", "facebook-main", "employee-news"}
        scheduled = bob.get(f"{V1}/posts/", {"state": "scheduled", "page_size": 100}).json()["results"]
        assert scheduled and {p["state"] for p in scheduled} == {"scheduled"}
        x_news = bob.get(f"{V1}/posts/", {"channel": "x-news", "page_size": 100}).json()["results"]
        assert x_news and {p["channel"] for p in x_news} == {"x-news"}
        ray = api_as("ray")
        assert ray.get(f"{V1}/posts/", {"mine": "true"}).json()["results"] == []
        theirs = ray.get(f"{V1}/posts/", {"mine": "false", "page_size": 100}).json()["results"]
        assert theirs and {p["author"] for p in theirs} == {"bob"}
        assert_error(bob.get(f"{V1}/posts/", {"state": "nonsense"}), 400)

    def test_create_and_detail(self, api_as, seeded):
        """POST `posts/` `{"channel","body","title"?,"link"?,"scheduled_at"?}` → 201, state
        `draft`; GET `posts/{id}/` with the documented fields."""
        when = (timezone.now() + timedelta(days=2)).isoformat()
        created = api_as("bob").post(
            f"{V1}/posts/",
            {
                "channel": "x-news",
                "body": "Our new clinic opens on Monday.",
                "title": "New clinic",
                "link": "https://www.stmarys.example.org/clinic",
                "scheduled_at": when,
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        post = created.json()
        assert post["state"] == "draft"
        detail = api_as("ray").get(f"{V1}/posts/{post['id']}/").json()
        for field in ("state", "version", "channel", "author", "revision", "findings", "stages", "decisions"):
            assert field in detail, field
        assert detail["channel"] == "x-news" and detail["author"] == "bob"
        assert {"id", "body", "content_hash"} <= set(detail["revision"])
        assert detail["revision"]["body"] == "Our new clinic opens on Monday."
        assert isinstance(detail["available_actions"], list)
        assert "submit" not in detail["available_actions"]  # ray is not an author
        assert "submit" in api_as("bob").get(f"{V1}/posts/{post['id']}/").json()["available_actions"]

    def test_create_needs_draft_permission(self, api_as):
        # carol sees x-news (compliance) but may not draft on it: 403.
        assert_error(api_as("carol").post(f"{V1}/posts/", {"channel": "x-news", "body": "Hi"}, format="json"), 403)

    def test_content_hash_is_the_sha256_of_the_canonical_content(self, api_as):
        """`content_hash`: lowercase hex SHA-256 of the revision's canonical content (UTF-8 JSON
        with sorted keys of the fields that are published)."""
        fields = {"channel": "x-news", "body": "Grüße aus der Klinik — café ☕", "title": "Ünïcode"}
        post = api_as("bob").post(f"{V1}/posts/", fields, format="json").json()
        content = {"title": "Ünïcode", "body": fields["body"], "link": "", "media_url": "", "media_alt_text": ""}
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        digest = post["revision"]["content_hash"]
        assert digest == hashlib.sha256(canonical).hexdigest()
        assert digest == digest.lower() and len(digest) == 64

    def test_patch_makes_a_new_revision(self, api_as, seeded):
        """PATCH `posts/{id}/`: author / co-author, editable state; `{"body"…, "version"}` → new
        revision; approvals given earlier are voided."""
        post = post_with_body("Flu shots are free")  # approved by ray
        bob = api_as("bob")
        before = bob.get(f"{V1}/posts/{post.pk}/").json()
        assert [d for d in before["decisions"] if d["voided_at"] is None]
        edited = bob.patch(
            f"{V1}/posts/{post.pk}/",
            {"body": "Flu shots are free for everyone.", "version": post.version},
            format="json",
        )
        assert edited.status_code == 200, edited.content
        after = edited.json()
        assert after["revision"]["id"] != before["revision"]["id"]
        assert after["revision"]["body"] == "Flu shots are free for everyone."
        assert all(d["voided_at"] is not None for d in after["decisions"])
        # ray sees the post but is not an author: 403.
        assert_error(
            api_as("ray").patch(f"{V1}/posts/{post.pk}/", {"body": "x", "version": after["version"]}, format="json"),
            403,
        )
        # A stale version: 409.
        assert_error(
            bob.patch(f"{V1}/posts/{post.pk}/", {"body": "y", "version": 1}, format="json"), 409, "stale_version"
        )
        # Not an editable state (published): 409.
        live = post_with_body("The new parking garage")
        assert_error(
            bob.patch(f"{V1}/posts/{live.pk}/", {"body": "z", "version": live.version}, format="json"),
            409,
            "transition_not_allowed",
        )

    def test_submit(self, api_as, seeded):
        """POST `posts/{id}/submit/` `{"version"}` draft/changes_requested → in_review; `block`
        findings → 400."""
        bob = api_as("bob")
        clean = bob.post(f"{V1}/posts/", {"channel": "x-news", "body": "Lobby repainting next week."}, format="json")
        submitted = bob.post(f"{V1}/posts/{clean.json()['id']}/submit/", {"version": 1}, format="json")
        assert submitted.status_code == 200 and submitted.json()["state"] == "in_review"
        assert_error(bob.post(f"{V1}/posts/{clean.json()['id']}/submit/", {"version": 2}, format="json"), 409)

        blocked = bob.post(f"{V1}/posts/", {"channel": "x-news", "body": "A miracle cure!"}, format="json").json()
        refused = bob.post(f"{V1}/posts/{blocked['id']}/submit/", {"version": 1}, format="json")
        assert_error(refused, 400)
        assert bob.get(f"{V1}/posts/{blocked['id']}/").json()["state"] == "draft"

        changes = post_with_body("Our ER is the best")  # changes_requested, alice's
        again = api_as("alice").patch(
            f"{V1}/posts/{changes.pk}/",
            {"body": "Our ER was ranked first in the 2024 state survey.", "version": changes.version},
            format="json",
        )
        assert again.status_code == 200
        resubmitted = api_as("alice").post(
            f"{V1}/posts/{changes.pk}/submit/", {"version": again.json()["version"]}, format="json"
        )
        assert resubmitted.status_code == 200 and resubmitted.json()["state"] == "in_review"

    def test_request_changes_and_reject_need_a_comment(self, api_as, seeded):
        """POST `request-changes/` and `reject/` `{"version","comment"}` (comment required)."""
        ray = api_as("ray")
        bob = api_as("bob")
        made = [
            bob.post(f"{V1}/posts/", {"channel": "x-news", "body": f"Notice number {i}."}, format="json").json()
            for i in range(2)
        ]
        for post in made:
            bob.post(f"{V1}/posts/{post['id']}/submit/", {"version": 1}, format="json")
        for action, state, post in [("request-changes", "changes_requested", made[0]), ("reject", "rejected", made[1])]:
            missing = ray.post(f"{V1}/posts/{post['id']}/{action}/", {"version": 2}, format="json")
            assert "comment" in assert_error(missing, 400)["errors"]
            blank = ray.post(f"{V1}/posts/{post['id']}/{action}/", {"version": 2, "comment": "  "}, format="json")
            assert "comment" in assert_error(blank, 400)["errors"]
            done = ray.post(f"{V1}/posts/{post['id']}/{action}/", {"version": 2, "comment": "Say more."}, format="json")
            assert done.status_code == 200 and done.json()["state"] == state

    def test_approve_by_eligible_reviewer_not_author(self, api_as, seeded):
        """POST `approve/` `{"version","comment"?}`: eligible reviewer of the current stage, not an author."""
        post = post_with_body("Visiting hours change")  # bob's, in review on x-news
        assert_error(
            api_as("bob").post(f"{V1}/posts/{post.pk}/approve/", {"version": post.version}, format="json"), 403
        )
        approved = api_as("ray").post(f"{V1}/posts/{post.pk}/approve/", {"version": post.version}, format="json")
        assert approved.status_code == 200 and approved.json()["state"] == "approved"

    def test_withdraw(self, api_as, seeded):
        """POST `withdraw/`: author; before publishing."""
        post = post_with_body("Flu shots are free")  # approved
        assert_error(
            api_as("ray").post(f"{V1}/posts/{post.pk}/withdraw/", {"version": post.version}, format="json"), 403
        )
        done = api_as("bob").post(f"{V1}/posts/{post.pk}/withdraw/", {"version": post.version}, format="json")
        assert done.status_code == 200 and done.json()["state"] == "withdrawn"
        for started in ("Reminder: complete your annual privacy", "The new parking garage"):  # publishing, published
            gone = post_with_body(started)
            refused = api_as("bob").post(f"{V1}/posts/{gone.pk}/withdraw/", {"version": gone.version}, format="json")
            assert_error(refused, 409, "transition_not_allowed")

    def test_withdraw_and_publish_take_no_body_as_api_md_writes_them(self, api_as, seeded):
        """API.md lists no body for `withdraw/` and `publish/`: without one they act on the post
        as the request finds it; a version sent is still checked (409 when stale)."""
        withdrawn = post_with_body("Flu shots are free")  # approved
        done = api_as("bob").post(f"{V1}/posts/{withdrawn.pk}/withdraw/")
        assert done.status_code == 200, done.content
        assert done.json()["state"] == "withdrawn"

        other = post_with_body("Our annual report is out today")  # scheduled by the seed
        stale = api_as("ray").post(f"{V1}/posts/{other.pk}/publish/", {"version": other.version - 1}, format="json")
        assert_error(stale, 409, "stale_version")
        now = api_as("ray").post(f"{V1}/posts/{other.pk}/publish/", format="json")
        assert now.status_code == 200, now.content
        assert now.json()["state"] == "publishing"

    def test_schedule_and_publish(self, api_as, seeded):
        """POST `schedule/` `{"version","scheduled_at"}` approved → scheduled; POST `publish/`
        approved/scheduled → publishing now. Both: publish permission."""
        approved = post_with_body("Flu shots are free")
        when = (timezone.now() + timedelta(days=5)).isoformat()
        assert_error(
            api_as("bob").post(
                f"{V1}/posts/{approved.pk}/schedule/",
                {"version": approved.version, "scheduled_at": when},
                format="json",
            ),
            403,
        )
        ray = api_as("ray")
        scheduled = ray.post(
            f"{V1}/posts/{approved.pk}/schedule/", {"version": approved.version, "scheduled_at": when}, format="json"
        )
        assert scheduled.status_code == 200, scheduled.content
        assert scheduled.json()["state"] == "scheduled"
        assert_error(
            api_as("bob").post(
                f"{V1}/posts/{approved.pk}/publish/", {"version": scheduled.json()["version"]}, format="json"
            ),
            403,
        )
        published = ray.post(
            f"{V1}/posts/{approved.pk}/publish/", {"version": scheduled.json()["version"]}, format="json"
        )
        assert published.status_code == 200 and published.json()["state"] == "publishing"

        other = post_with_body("Our annual report is out today")  # scheduled by the seed
        now = ray.post(f"{V1}/posts/{other.pk}/publish/", {"version": other.version}, format="json")
        assert now.status_code == 200 and now.json()["state"] == "publishing"
        # Not from draft: 409.
        draft = post_with_body("Meet the volunteers")
        assert_error(
            api_as("rachel").post(f"{V1}/posts/{draft.pk}/publish/", {"version": draft.version}, format="json"), 409
        )

    def test_review_queue_oldest_first(self, api_as, seeded):
        """GET `review-queue/`: posts awaiting a decision the caller is eligible to give, oldest first."""
        bob, ray = api_as("bob"), api_as("ray")
        newer = bob.post(f"{V1}/posts/", {"channel": "facebook-main", "body": "Blood pressure checks."}, format="json")
        bob.post(f"{V1}/posts/{newer.json()['id']}/submit/", {"version": 1}, format="json")
        queue = ray.get(f"{V1}/review-queue/").json()["results"]
        ids = [p["id"] for p in queue]
        assert ids == [post_with_body("Visiting hours change").pk, newer.json()["id"]]
        since = [p["awaiting_since"] for p in queue]
        assert since == sorted(since)
        assert api_as("alice").get(f"{V1}/review-queue/").json()["results"] == []


class TestAuditEvents:
    FIELDS = {"seq", "occurred_at", "actor", "action", "target_type", "target_id", "data", "hash", "prev_hash"}

    def test_only_compliance_officers(self, api_as, seeded):
        for username in ("alice", "bob", "rachel", "ray", "dana"):
            assert_error(api_as(username).get(f"{V1}/audit-events/"), 403)
            assert_error(api_as(username).get(f"{V1}/audit-events/verify/"), 403)

    def test_fields_actions_and_filters(self, api, api_as, seeded):
        """Audit events carry at least `seq`, `occurred_at`, `actor` (username or null for the
        system), `action`, `target_type`, `target_id`, `data`, `hash`, `prev_hash`; filters
        `actor`, `action`, `target_type`, `target_id`, `channel`, `since`, `until`."""
        api.post(f"{V1}/auth/token/", {"username": "alice", "password": "wrong"}, format="json")
        carol = api_as("carol")
        rows = carol.get(f"{V1}/audit-events/", {"page_size": 100}).json()["results"]
        assert all(self.FIELDS <= set(row) for row in rows)
        actions = {row["action"] for row in carol.get(f"{V1}/audit-events/", {"page_size": 100}).json()["results"]}
        for name in ("accounts.login.failed",):
            assert name in actions
        for name in ("approvals.post.submit", "approvals.post.approve"):
            assert carol.get(f"{V1}/audit-events/", {"action": name}).json()["results"], name

        system = carol.get(f"{V1}/audit-events/", {"action": "governance.channel.create"}).json()["results"]
        assert system and {row["actor"] for row in system} == {None}

        by_ray = carol.get(f"{V1}/audit-events/", {"actor": "ray", "page_size": 100}).json()["results"]
        assert by_ray and {row["actor"] for row in by_ray} == {"ray"}

        post = post_with_body("Visiting hours change")
        about = carol.get(f"{V1}/audit-events/", {"target_type": "approvals.post", "target_id": str(post.pk)}).json()[
            "results"
        ]
        assert [row["action"] for row in about] == ["approvals.post.submit", "approvals.post.create"]

        on_x = carol.get(f"{V1}/audit-events/", {"channel": "x-news", "page_size": 100}).json()["results"]
        assert on_x and all(row["channel_id"] == on_x[0]["channel_id"] for row in on_x)

        newest = rows[0]
        since = carol.get(f"{V1}/audit-events/", {"since": newest["occurred_at"]}).json()["results"]
        assert newest["seq"] in [row["seq"] for row in since]
        until = carol.get(f"{V1}/audit-events/", {"until": newest["occurred_at"], "page_size": 100}).json()["results"]
        assert newest["seq"] not in [row["seq"] for row in until]

    def test_crisis_start_is_audited_under_its_documented_name(self, api_as, seeded):
        api_as("dana").post(f"{V1}/channels/podcast/crisis/", {"reason": "Guest withdrew"}, format="json")
        rows = api_as("carol").get(f"{V1}/audit-events/", {"action": "governance.crisis.start"}).json()["results"]
        assert rows and rows[0]["actor"] == "dana"

    def test_verify(self, api_as, seeded):
        """GET `audit-events/verify/` → `{"ok", "checked", "first_broken_seq"}`."""
        body = api_as("carol").get(f"{V1}/audit-events/verify/").json()
        assert {"ok", "checked", "first_broken_seq"} <= set(body)
        assert body["ok"] is True and body["first_broken_seq"] is None and body["checked"] > 0


# --- Browser (without a browser: addresses, navigation, test ids) ---------------------------


class TestBrowserContract:
    def test_root_redirects(self, client, seeded):
        """`/` redirects to the dashboard (or `/accounts/login/`)."""
        anonymous = client.get("/")
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
        client.force_login(seeded["alice"])
        signed_in = client.get("/")
        assert signed_in.status_code == 302 and signed_in["Location"] == "/dashboard/"

    @pytest.mark.parametrize(
        "username, test_id, address",
        [
            ("alice", "nav-new-post", "/posts/new/"),
            ("rachel", "nav-queue", "/queue/"),
            ("alice", "nav-calendar", "/calendar/"),
            ("alice", "nav-channels", "/channels/"),
            ("dana", "nav-crisis", "/crisis/"),
            ("carol", "nav-audit", "/audit/"),
        ],
    )
    def test_navigation_reaches_each_page(self, client_as, seeded, username, test_id, address):
        client = client_as(username)
        page = client.get("/dashboard/").content.decode()
        assert f'href="{address}" data-testid="{test_id}"' in page
        assert client.get(address).status_code == 200

    def test_post_detail_is_reachable_from_the_queue(self, client_as, seeded):
        post = post_with_body("Visiting hours change")
        client = client_as("ray")
        queue = client.get("/queue/").content.decode()
        assert f'href="/posts/{post.pk}/"' in queue
        assert client.get(f"/posts/{post.pk}/").status_code == 200
