"""Fuzz the REST API with schemathesis against the OpenAPI schema it serves (issue 7, item 2).

Every operation of `/api/schema/` is called with generated requests, valid and invalid (the
examples, coverage and fuzzing phases), through Django's WSGI handler, and every response
must pass all of schemathesis' default checks: no 5xx, a documented status code, content
type and body, invalid input rejected (4xx), valid input not rejected with a 400, and no
answer without authentication.

The demo organization is seeded once for the module; each generated request runs in a
savepoint rolled back after it, so examples do not see each other's writes and nothing
leaks to the rest of the suite (the module's transaction is rolled back at its end).
"""

import json

import hypothesis
import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck

from tests.support.clients import issue_token

pytestmark = [pytest.mark.postgres]

# Werkzeug's client (schemathesis' WSGI transport) sends `Host: localhost`.
HOST = "localhost"
V1 = "/api/v1"
DEFAULT_POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

# `positive_data_acceptance` expects schema-valid data never to be answered 400. These
# operations name other objects in their body (a channel, department or user by slug, or
# credentials): a well-formed name that matches nothing is a 400 with the field named in
# `errors` (API.md: "400 validation (field errors)"), which no schema can express, so for
# them - and for this check only - a 400 counts as an accepted answer.
REFERENCES_IN_BODY = [
    ("POST", f"{V1}/auth/token/"),  # wrong username or password
    ("POST", f"{V1}/posts/"),  # `channel`, `co_authors`, `consent`
    ("POST", f"{V1}/policy-check/"),  # `channel`, `consent`
    ("POST", f"{V1}/consents/"),  # `channels`
    ("PATCH", f"{V1}/consents/{{consent_id}}/"),  # `channels`
    ("POST", f"{V1}/crises/"),  # `department`
]


def _config(*, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "phases": {"coverage": {"enabled": coverage}},
            "operations": [
                {
                    "include-method": method,
                    "include-path": path,
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*DEFAULT_POSITIVE_STATUSES, "400"]}},
                }
                for method, path in REFERENCES_IN_BODY
            ],
        }
    )


def generated_schema() -> dict:
    """The schema `/api/schema/` serves, generated without a request: the module is imported
    before the test database exists (test_schema_is_the_one_served checks they are the same)."""
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=DjangoJSONEncoder))


def load(schema: dict, *, coverage: bool):
    loaded = schemathesis.openapi.from_dict(schema, config=_config(coverage=coverage))
    loaded.app = APP
    return loaded


APP = get_wsgi_application()
RAW_SCHEMA = generated_schema()
# `auth/token/revoke/` deletes the caller's token, which every later request of the run
# sends: it is fuzzed on its own (test_token_revoke_fuzzed), with a fresh token each time.
REVOKE = f"{V1}/auth/token/revoke/"
admin_schema = load(RAW_SCHEMA, coverage=True).exclude(path=REVOKE)
# The reviewer run fuzzes the same operations; the admin run has walked the coverage phase's
# boundary values already, so this one generates examples only (mostly 403 and 404 answers).
reviewer_schema = load(RAW_SCHEMA, coverage=False).exclude(path=REVOKE)
revoke_schema = load(RAW_SCHEMA, coverage=True).exclude(path_regex=f"^(?!{REVOKE}$)")

FUZZ_SETTINGS = hypothesis.settings(
    # Per operation and role, on top of the schema's examples and (admin) the coverage phase's
    # boundary values: the module stays within ~90 s on 2 busy cores.
    max_examples=3,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def demo_org(django_db_setup, django_db_blocker):
    """The demo organization, seeded once for the module in a transaction rolled back at its end."""
    from django.contrib.auth import get_user_model

    from approvals.demo import seed_organization

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_organization()
            yield {user.username: user for user in get_user_model().objects.all()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def wsgi_app(demo_org, db, settings):
    """Django's WSGI handler shares the test's connection and transaction: like Django's test
    client, keep it from closing the connection at each request's start and end."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield APP
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_for(user) -> dict:
    return {"Authorization": f"Token {issue_token(user)}"}


def call_in_savepoint(case, headers):
    """One generated request and all checks, its writes rolled back after it. Failed sign-ins
    on `auth/token/` (django-axes' database handler) are rolled back too: no lockout builds up."""
    with transaction.atomic():
        case.call_and_validate(headers=headers)
        transaction.set_rollback(True)


@admin_schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_admin(case, demo_org, wsgi_app):
    call_in_savepoint(case, token_for(demo_org["admin"]))


@reviewer_schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_reviewer(case, demo_org, wsgi_app):
    call_in_savepoint(case, token_for(demo_org["rachel"]))


@revoke_schema.parametrize()
@FUZZ_SETTINGS
def test_token_revoke_fuzzed(case, demo_org, wsgi_app):
    """Each example revokes a token of its own (rolled back with the savepoint)."""
    call_in_savepoint(case, token_for(demo_org["rachel"]))


def test_served_schema_declares_the_error_bodies(demo_org, wsgi_app):
    """The fuzzing above is only as strict as the schema: every authenticated operation declares
    401 and 403 with the `{"detail", "code"}` body, and 400 carries `errors` (API.md)."""
    raw = RAW_SCHEMA
    assert raw["components"]["schemas"]["ValidationError"]["required"] == ["detail", "code", "errors"]
    operations = [(m, p, op) for p, ops in raw["paths"].items() for m, op in ops.items() if p.startswith(V1)]
    assert len(operations) > 40
    for method, path, operation in operations:
        if path == f"{V1}/auth/token/":
            assert {"400", "403", "429"} <= set(operation["responses"])
            continue
        assert {"401", "403"} <= set(operation["responses"]), (method, path)
        for code in ("401", "403"):
            ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (method, path, code)
        if method in ("post", "put", "patch"):
            assert "409" in operation["responses"], (method, path)


def test_schema_is_the_one_served(wsgi_app, client):
    """What is fuzzed is exactly what `/api/schema/` serves to clients."""
    served = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert json.loads(served.content) == RAW_SCHEMA


@pytest.mark.parametrize(
    "method, path, query, body, status",
    [
        ("get", f"{V1}/posts/", {"page_size": "null"}, None, 400),  # was the default page size
        ("get", f"{V1}/posts/", {"page_size": "0"}, None, 400),
        ("get", f"{V1}/review-queue/", {"page_size": "-3"}, None, 400),
        ("get", f"{V1}/posts/", {"state": ""}, None, 400),  # was "no filter"
        ("get", f"{V1}/posts/", {"mine": "maybe"}, None, 400),
        ("get", f"{V1}/consents/", {"valid": ""}, None, 400),
        ("get", f"{V1}/crises/", {"active": "null"}, None, 400),
        ("get", f"{V1}/retrospective-reviews/", {"open": "null"}, None, 400),
        ("get", f"{V1}/audit-events/", {"until": ""}, None, 400),
        ("post", f"{V1}/crises/", None, {"reason": "Strike.", "department": "nope"}, 400),  # was 404
        ("post", f"{V1}/posts/", None, "{not json", 400),  # a 400 without `errors` before
        ("get", f"{V1}/posts/not-a-number/", None, None, 404),  # was Django's HTML page
        ("get", f"{V1}/retrospective-reviews/", {"open": "true", "page_size": "2"}, None, 200),
    ],
)
def test_fuzz_findings_stay_fixed(demo_org, wsgi_app, method, path, query, body, status):
    """What the fuzzing found, pinned: the status and API.md's JSON error body."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=token_for(demo_org["carol"])["Authorization"])
    if method == "get":
        response = client.get(path, query)
    elif isinstance(body, str):
        response = client.post(path, body, content_type="application/json")
    else:
        response = client.post(path, body, format="json")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    data = response.json()
    if status >= 400:
        assert isinstance(data["detail"], str) and isinstance(data["code"], str)
    if status == 400:
        assert isinstance(data["errors"], dict)
