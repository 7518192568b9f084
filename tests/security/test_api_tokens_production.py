"""API tokens and rate limits under production settings (finding 2, finding 11): gunicorn,
DEBUG off, two-factor authentication on by default, the rate limits in Redis.

The servers run on the test database (committed data: a transactional test) with the test
process's SECRET_KEY, so that what the test changes there is what the server sees.
"""

import pytest
from django.db import connection

from accounts import roles
from governance.actions import org
from tests.security.test_faults import WebServer, servers  # noqa: F401 - the fixture is used below
from tests.support.clients import issue_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def production_server(tmp_path, servers, name: str, **env) -> WebServer:  # noqa: F811
    db = connection.settings_dict
    web = WebServer(
        tmp_path / f"{name}.log",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL="memory://",
        SECURE_SSL_REDIRECT="false",  # plain http to 127.0.0.1; everything else as in production
        **env,
    )
    web.start()
    servers.append(web)
    return web


def test_pre_enrolment_token_and_promoted_author_under_production_settings(demo, servers, tmp_path):  # noqa: F811
    """Tokens as the endpoint issued them before two-factor authentication was required (no code:
    the suite's password hasher is not one production settings accept, so they are issued here)."""
    ray_token = issue_token(demo["ray"], second_factor=False)
    bob_token = issue_token(demo["bob"], second_factor=False)

    # Production as shipped: REQUIRE_2FA is on by default with DEBUG off.
    web = production_server(tmp_path, servers, "production")
    for path in ("/api/v1/me/", "/api/v1/review-queue/"):
        answer = web.request("GET", path, token=ray_token)
        assert answer.status == 403 and answer.json()["code"] == "otp_required", answer
    assert web.request("GET", "/api/v1/me/", token=bob_token).status == 200  # authors need no code

    org.assign_role(demo["bob"], actor=demo["admin"], role=roles.COMPLIANCE_OFFICER)
    answer = web.request("GET", "/api/v1/audit-events/", token=bob_token)
    assert answer.status == 401 and answer.json()["code"] == "authentication_failed", answer


def test_rate_limits_under_production_settings(demo, servers, tmp_path):  # noqa: F811
    web = production_server(tmp_path, servers, "limited", API_THROTTLE_USER="2/min", API_THROTTLE_ANON="2/min")
    token = issue_token(demo["bob"])
    for _ in range(2):
        assert web.request("GET", "/api/v1/me/", token=token).status == 200
    answer = web.request("GET", "/api/v1/me/", token=token)
    assert answer.status == 429 and answer.json()["code"] == "throttled", answer
    assert 1 <= int(answer.headers["Retry-After"]) <= 60

    for _ in range(2):
        assert web.request("GET", "/api/v1/me/", token="guessed-token").status == 401
    answer = web.request("GET", "/api/v1/me/", token="guessed-token")
    assert answer.status == 429 and answer.json()["code"] == "throttled", answer
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
