import pytest

from governance import actions
from governance.models import Channel, Department
from tests.support.clients import token_client
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def count_queries(fn):
    """The call's queries (`tests.support.queries.Measured`) and its JSON, which must be a 200."""
    measured = queries_of(fn)
    assert measured.result.status_code == 200, measured.result.content
    return measured, measured.result.json()


class TestAuthentication:
    def test_token_round_trip(self, api, demo):
        response = api.post(f"{V1}/auth/token/", {"username": "alice", "password": "clearpost-demo"}, format="json")
        assert response.status_code == 200
        token = response.json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get(f"{V1}/me/").json()["username"] == "alice"

        assert api.post(f"{V1}/auth/token/revoke/").status_code == 204
        assert api.get(f"{V1}/me/").status_code == 401

    def test_bad_credentials_are_a_400_and_audited(self, api, demo):
        from audit.models import AuditEvent

        response = api.post(f"{V1}/auth/token/", {"username": "alice", "password": "nope"}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and "non_field_errors" in body["errors"] and body["detail"]
        assert AuditEvent.objects.order_by("-seq").first().action == "accounts.login.failed"

    def test_missing_fields_are_field_errors(self, api, db):
        body = api.post(f"{V1}/auth/token/", {}, format="json").json()
        assert set(body["errors"]) == {"username", "password"}

    @pytest.mark.parametrize(
        "path", ["me/", "departments/", "departments/pr/", "channels/", "channels/x-news/", "audit-events/"]
    )
    def test_anonymous_gets_401(self, api, demo, path):
        response = api.get(f"{V1}/{path}")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Token")

    def test_session_authentication_works_for_the_browser(self, client, demo):
        client.force_login(demo["bob"])
        assert client.get(f"{V1}/me/").json()["username"] == "bob"


class TestMe:
    def test_alice(self, api_as):
        me = api_as("alice").get(f"{V1}/me/").json()
        assert me["username"] == "alice"
        assert me["roles"] == ["Author"]
        assert me["departments"] == [{"slug": "marketing", "name": "Marketing", "roles": ["authors"]}]
        assert me["permissions"] == {"patient-stories": ["draft_on_channel"]}
        assert [c["slug"] for c in me["channels"]] == ["patient-stories"]

    def test_dana_manages_the_social_center(self, api_as):
        me = api_as("dana").get(f"{V1}/me/").json()
        assert "Crisis Team" in me["roles"]
        assert me["permissions"]["mastodon-main"] == [
            "break_glass_on_channel",
            "draft_on_channel",
            "manage_channel",
            "publish_on_channel",
            "review_on_channel",
        ]
        # The crisis team sees every channel and may break the glass on each, without
        # authoring rights outside its department.
        assert me["permissions"]["x-news"] == ["break_glass_on_channel"]


class TestChannels:
    @pytest.mark.parametrize(
        "username, expected",
        [
            # The channel directory is for any signed-in user (API.md; issue 13, finding 12).
            ("alice", "all"),
            ("rachel", "all"),
            ("bob", "all"),
            ("ray", "all"),
            ("carol", "all"),
            ("dana", "all"),
            ("admin", "all"),
        ],
    )
    def test_each_demo_user_sees_their_channels(self, api_as, username, expected):
        body = api_as(username).get(f"{V1}/channels/").json()
        slugs = {c["slug"] for c in body["results"]}
        assert slugs == (set(Channel.objects.values_list("slug", flat=True)) if expected == "all" else expected)
        assert body["next"] is None

    def test_channel_detail_carries_permissions_and_crisis(self, api_as):
        body = api_as("rachel").get(f"{V1}/channels/patient-stories/").json()
        assert body["permissions"] == ["publish_on_channel", "review_on_channel"]
        assert body["department"] == {"slug": "marketing", "name": "Marketing"}
        assert body["platform"] == "blog" and body["is_regulated"] is True and body["crisis"] is None

    def test_a_missing_channel_is_404_and_another_departments_is_in_the_directory(self, api_as):
        client = api_as("alice")
        other = client.get(f"{V1}/channels/x-news/")
        missing = client.get(f"{V1}/channels/no-such-channel/")
        assert other.status_code == 200 and other.json()["permissions"] == []
        assert missing.status_code == 404
        assert missing.json() == {"detail": "No such channel.", "code": "not_found"}

    def test_filters(self, api_as):
        client = api_as("admin")
        by_dept = client.get(f"{V1}/channels/", {"department": "pr"}).json()["results"]
        assert {c["slug"] for c in by_dept} == {"x-news", "facebook-main", "employee-news"}
        blogs = client.get(f"{V1}/channels/", {"platform": "blog"}).json()["results"]
        assert {c["slug"] for c in blogs} == {"patient-stories", "research-blog"}
        bad = client.get(f"{V1}/channels/", {"platform": "myspace"})
        assert bad.status_code == 400 and "platform" in bad.json()["errors"]

    def test_cursor_pagination(self, api_as):
        client = api_as("admin")
        first = client.get(f"{V1}/channels/", {"page_size": 4}).json()
        assert len(first["results"]) == 4 and first["next"]
        second = client.get(first["next"]).json()
        assert {c["slug"] for c in first["results"]}.isdisjoint({c["slug"] for c in second["results"]})


class TestDepartments:
    def test_list_and_detail(self, api_as):
        client = api_as("bob")
        slugs = [d["slug"] for d in client.get(f"{V1}/departments/").json()["results"]]
        assert slugs == sorted(["pr", "marketing", "it", "social-center"])
        assert client.get(f"{V1}/departments/it/").json()["name"] == "Information Technology"
        assert client.get(f"{V1}/departments/nope/").status_code == 404


class TestAuditEventsApi:
    def test_only_compliance_officers(self, api_as):
        denied = api_as("alice").get(f"{V1}/audit-events/")
        assert denied.status_code == 403
        assert denied.json()["code"] == "permission_denied"
        assert api_as("dana").get(f"{V1}/audit-events/verify/").status_code == 403

    def test_compliance_officer_reads_filters_and_verifies(self, api_as):
        client = api_as("carol")
        events = client.get(f"{V1}/audit-events/", {"action": "governance.channel.create"}).json()["results"]
        assert len(events) == 9
        assert events[0]["seq"] > events[-1]["seq"]
        assert events[0]["actor"] is None and events[0]["hash"] and events[0]["prev_hash"]
        one = client.get(f"{V1}/audit-events/", {"channel": "x-news", "action": "governance."}).json()["results"]
        assert [e["action"] for e in one] == ["governance.channel.create"]
        newest = client.get(f"{V1}/audit-events/", {"page_size": 1}).json()["results"][0]["seq"]
        assert client.get(f"{V1}/audit-events/verify/").json() == {
            "ok": True,
            "checked": newest,
            "first_broken_seq": None,
            "reason": "",
            "checkpoints": 0,
            "forged_checkpoints": 0,
        }
        assert client.get(f"{V1}/audit-events/", {"since": "not-a-date"}).status_code == 400


class TestConstantQueries:
    """Every list costs the same number of queries for 1 row and for 20."""

    def _grow_channels(self, department, n):
        for i in range(n):
            actions.create_channel(
                actor=None, slug=f"grown-{i}", name=f"Grown {i}", platform="blog", owning_department=department
            )

    def test_channels(self, api_as, demo):
        client = api_as("alice")  # the whole directory: the demo's channels, then 19 more
        few, body = count_queries(lambda: client.get(f"{V1}/channels/", {"page_size": 100}))
        assert len(body["results"]) == Channel.objects.count()
        self._grow_channels(Department.objects.get(slug="marketing"), 19)
        many, body = count_queries(lambda: client.get(f"{V1}/channels/", {"page_size": 100}))
        assert len(body["results"]) == Channel.objects.count()
        assert_same_queries(few, many)

    def test_me(self, api_as, demo):
        client = api_as("alice")
        one, _ = count_queries(lambda: client.get(f"{V1}/me/"))
        self._grow_channels(Department.objects.get(slug="marketing"), 19)
        twenty, body = count_queries(lambda: client.get(f"{V1}/me/"))
        assert len(body["channels"]) == 20
        assert_same_queries(one, twenty)

    def test_departments(self, db):
        from django.contrib.auth import get_user_model

        actions.create_department(actor=None, slug="d-0", name="D 0")
        client = token_client(get_user_model().objects.create_user("viewer", password="a-long-password-1"))
        one, body = count_queries(lambda: client.get(f"{V1}/departments/"))
        assert len(body["results"]) == 1
        for i in range(1, 20):
            actions.create_department(actor=None, slug=f"d-{i}", name=f"D {i}")
        twenty, body = count_queries(lambda: client.get(f"{V1}/departments/"))
        assert len(body["results"]) == 20
        assert_same_queries(one, twenty)

    def test_audit_events(self, api_as, demo):
        import audit

        client = api_as("carol")
        params = {"action": "tests.sample"}
        audit.record("tests.sample", actor=None)
        one, body = count_queries(lambda: client.get(f"{V1}/audit-events/", params))
        assert len(body["results"]) == 1
        for _ in range(19):
            audit.record("tests.sample", actor=None)
        twenty, body = count_queries(lambda: client.get(f"{V1}/audit-events/", params))
        assert len(body["results"]) == 20
        assert_same_queries(one, twenty)


def test_schema_and_docs(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/channels/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


# --- issue 13, finding 12: the channel directory is for any signed-in user ------------------


class TestChannelDirectory:
    def test_every_user_sees_every_channel_with_their_permissions(self, api_as):
        body = api_as("alice").get(f"{V1}/channels/", {"page_size": 100}).json()
        rows = {c["slug"]: c for c in body["results"]}
        assert set(rows) == set(Channel.objects.values_list("slug", flat=True))
        assert rows["x-news"]["permissions"] == [] and rows["x-news"]["department"]["slug"] == "pr"
        assert "draft_on_channel" in rows["patient-stories"]["permissions"]
        assert all({"audience", "voice_guidelines", "crisis"} <= set(row) for row in rows.values())
        detail = api_as("alice").get(f"{V1}/channels/x-news/")
        assert detail.status_code == 200 and detail.json()["permissions"] == []

    def test_drafting_on_a_channel_one_may_not_draft_on_is_403(self, api_as):
        alice = api_as("alice")
        refused = alice.post(f"{V1}/posts/", {"channel": "x-news", "body": "Hello"}, format="json")
        assert refused.status_code == 403, refused.content
        missing = alice.post(f"{V1}/posts/", {"channel": "no-such-channel", "body": "Hello"}, format="json")
        assert missing.status_code == 400 and missing.json()["errors"] == {"channel": ["No such channel."]}
