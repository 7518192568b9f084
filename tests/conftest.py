import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_service(reason: str):
    """Skip locally; under CI a missing service is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"CI requires this service: {reason}")
    pytest.skip(reason)


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db.get('HOST')}:{db.get('PORT')}/{db['NAME']}"
    return f"clearpost database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where}){' [CI]' if IN_CI else ''}"


@pytest.fixture(autouse=True)
def _require_marked_services(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service("needs PostgreSQL (set DATABASE_URL or start it on 127.0.0.1:5432)")


@pytest.fixture
def demo(db):
    """The demo organization of API.md, loaded through the real seed."""
    from approvals.demo import seed_organization

    seed_organization()
    from django.contrib.auth import get_user_model

    return {user.username: user for user in get_user_model().objects.all()}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(demo):
    """`api_as("alice")`: an API client authenticated with alice's token."""
    from tests.support.clients import token_client

    def make(username: str) -> APIClient:
        return token_client(demo[username])

    return make


@pytest.fixture
def client_as(demo):
    """`client_as("rachel")`: a Django test client signed in as a demo user (the pages)."""
    from django.test import Client

    def make(username: str) -> Client:
        client = Client()
        client.force_login(demo[username])
        return client

    return make
