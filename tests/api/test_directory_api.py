"""The organization directory's API (issue 15, item 1): `GET/POST /api/v1/directory/`,
`GET/PATCH/DELETE /api/v1/directory/{id}/`. Every signed-in user reads it; portal admins change
it, through the same audited actions as the page and the admin."""

import pytest

from audit.models import AuditEvent
from governance import actions
from governance.models import DirectoryEntry
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def switchboard() -> DirectoryEntry:
    return DirectoryEntry.objects.get(kind="phone", normalised="6175550142")


@pytest.mark.parametrize("username", ["alice", "bob", "rachel", "carol", "dana", "admin"])
def test_every_signed_in_user_reads_the_directory(api_as, demo, username):
    body = api_as(username).get(f"{V1}/directory/", {"page_size": 100}).json()
    assert {"results", "next"} <= set(body) and body["next"] is None
    assert len(body["results"]) == DirectoryEntry.objects.count()
    row = next(r for r in body["results"] if r["normalised"] == "6175550142")
    assert row == {
        "id": switchboard().pk,
        "kind": "phone",
        "value": "+1 (617) 555-0142",
        "normalised": "6175550142",
        "label": "Main switchboard",
        "version": 1,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def test_anonymous_callers_are_told_to_authenticate(api, demo):
    assert api.get(f"{V1}/directory/").status_code == 401
    assert api.post(f"{V1}/directory/", {"kind": "phone", "value": "617-555-0100"}, format="json").status_code == 401
    assert api.delete(f"{V1}/directory/{switchboard().pk}/").status_code == 401


def test_the_list_filters_by_kind_and_refuses_an_unknown_one(api_as, demo):
    client = api_as("alice")
    kinds = {row["kind"] for row in client.get(f"{V1}/directory/", {"kind": "staff_name"}).json()["results"]}
    assert kinds == {"staff_name"}
    assert client.get(f"{V1}/directory/", {"kind": "fax"}).status_code == 400


def test_a_portal_admin_adds_changes_and_removes_entries(api_as, demo):
    client = api_as("admin")
    created = client.post(
        f"{V1}/directory/", {"kind": "phone", "value": "(617) 555-0100", "label": "Pharmacy"}, format="json"
    )
    assert created.status_code == 201, created.json()
    entry = created.json()
    assert (entry["kind"], entry["normalised"], entry["label"], entry["version"]) == (
        "phone",
        "6175550100",
        "Pharmacy",
        1,
    )
    assert AuditEvent.objects.order_by("-seq").first().action == "governance.directory.add"

    url = f"{V1}/directory/{entry['id']}/"
    assert client.get(url).json()["value"] == "(617) 555-0100"
    changed = client.patch(url, {"version": 1, "label": "Outpatient pharmacy"}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert client.patch(url, {"version": 1, "label": "Stale"}, format="json").status_code == 409
    assert client.delete(url, QUERY_STRING="version=1").status_code == 409
    assert client.delete(url, QUERY_STRING="version=two").status_code == 400
    assert client.delete(url, QUERY_STRING="version=2").status_code == 204
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor, event.target_id) == (
        "governance.directory.remove",
        demo["admin"],
        str(entry["id"]),
    )
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


@pytest.mark.parametrize("username", ["alice", "carol", "dana"])
def test_others_may_read_but_not_change(api_as, demo, username):
    client = api_as(username)
    entry = switchboard()
    events = AuditEvent.objects.count()
    refused = client.post(f"{V1}/directory/", {"kind": "phone", "value": "617-555-0100"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.patch(f"{V1}/directory/{entry.pk}/", {"version": 1, "label": "x"}, format="json").status_code == 403
    assert client.delete(f"{V1}/directory/{entry.pk}/").status_code == 403
    assert client.get(f"{V1}/directory/{entry.pk}/").status_code == 200  # it can see what it may not change
    assert AuditEvent.objects.count() == events
    assert switchboard().version == 1


def test_invalid_entries_are_field_errors(api_as, demo):
    client = api_as("admin")
    answer = client.post(f"{V1}/directory/", {"kind": "email_domain", "value": "gmail.com"}, format="json")
    assert answer.status_code == 400 and "value" in answer.json()["errors"]
    answer = client.post(f"{V1}/directory/", {"kind": "phone", "value": "617.555.0142"}, format="json")
    assert answer.status_code == 400 and "already" in answer.json()["errors"]["value"][0]
    answer = client.post(f"{V1}/directory/", {"kind": "site", "value": "200 Elm Street"}, format="json")
    assert answer.status_code == 400 and "label" in answer.json()["errors"]
    answer = client.post(f"{V1}/directory/", {"kind": "fax", "value": "617-555-0100"}, format="json")
    assert answer.status_code == 400 and "kind" in answer.json()["errors"]


def test_the_list_costs_the_same_queries_with_1_or_20_entries(api_as, demo):
    for entry in DirectoryEntry.objects.all():
        actions.remove_directory_entry(entry, actor=None)
    client = api_as("alice")
    actions.add_directory_entry(actor=None, kind="phone", value="617-555-0100")
    one = queries_of(lambda: client.get(f"{V1}/directory/"))
    assert len(one.result.json()["results"]) == 1
    for i in range(1, 20):
        actions.add_directory_entry(actor=None, kind="phone", value=f"617-555-{100 + i:04d}")
    twenty = queries_of(lambda: client.get(f"{V1}/directory/"))
    assert len(twenty.result.json()["results"]) == 20
    assert_same_queries(one, twenty)
    # The token and its user, the caller's roles (throttling, permissions), the page of entries.
    assert twenty.count == 3, twenty.sql


def test_the_schema_documents_the_directory(api_as, demo):
    schema = api_as("alice").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/directory/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/directory/{entry_id}/"])
    assert paths["/api/v1/directory/"]["get"]["tags"] == ["policies"]
    kinds = schema["components"]["schemas"]["DirectoryEntryKindEnum"]["enum"]
    assert set(kinds) == set(DirectoryEntry.Kind.values)
