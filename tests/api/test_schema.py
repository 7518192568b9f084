"""The published OpenAPI schema (/api/schema/) documents what each operation really takes.

Every workflow action's request body is exactly its own input, as its spec says (the version
the client saw, and the action's comment, reason, time or live address), and every operation
is tagged with one of the API's areas."""

import pytest

from approvals.workflow import API_ACTIONS, SPECS, Action, Need

pytestmark = pytest.mark.django_db

AREAS = {"posts", "review", "crises", "policies", "audit", "channels", "accounts"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _body(schema, operation) -> dict:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_every_post_action_documents_exactly_its_own_request_body(schema):
    for spec in API_ACTIONS:
        operation = schema["paths"][f"/api/v1/posts/{{post_id}}/{spec.slug}/"]["post"]
        body = _body(schema, operation)
        expected = {i.name for i in spec.inputs} | ({"version"} if spec.version is not Need.NO else set())
        assert set(body["properties"]) == expected, spec.action
        required = {i.name for i in spec.inputs if i.required} | (
            {"version"} if spec.version is Need.REQUIRED else set()
        )
        assert set(body.get("required", [])) == required, spec.action
        assert operation["summary"] == spec.summary and operation["tags"] == [spec.area]


@pytest.mark.parametrize(
    "action, properties, required",
    [
        (Action.APPROVE, {"version", "comment"}, {"version"}),
        (Action.REQUEST_CHANGES, {"version", "comment"}, {"version", "comment"}),
        (Action.SCHEDULE, {"version", "scheduled_at"}, {"version", "scheduled_at"}),
        (Action.MARK_PUBLISHED, {"version", "remote_url", "remote_id"}, {"version", "remote_url"}),
        (Action.BREAK_GLASS, {"version", "reason"}, {"version", "reason"}),
        (Action.SUBMIT, {"version"}, {"version"}),
        (Action.WITHDRAW, {"version"}, set()),
        (Action.PUBLISH, {"version"}, set()),
    ],
)
def test_the_bodies_api_md_names(schema, action, properties, required):
    """Pinned by hand, so that a spec changed by mistake shows here (API.md's contract)."""
    operation = schema["paths"][f"/api/v1/posts/{{post_id}}/{SPECS[action].slug}/"]["post"]
    body = _body(schema, operation)
    assert set(body["properties"]) == properties
    assert set(body.get("required", [])) == required
    assert body["properties"]["version"]["type"] == "integer"


def test_each_action_has_a_schema_component_of_its_own(schema):
    refs = [_body_ref(schema["paths"][f"/api/v1/posts/{{post_id}}/{spec.slug}/"]["post"]) for spec in API_ACTIONS]
    assert len(set(refs)) == len(refs), refs


def _body_ref(operation) -> str:
    return operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_is_tagged_by_area(schema):
    untagged = {
        f"{method.upper()} {path}": operation.get("tags")
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not (len(operation.get("tags", [])) == 1 and operation["tags"][0] in AREAS)
    }
    assert not untagged
    used = {operation["tags"][0] for operations in schema["paths"].values() for operation in operations.values()}
    assert used == AREAS
