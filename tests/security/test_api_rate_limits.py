"""API rate limits (finding 11): per signed-in user and per client address, `429` with
`Retry-After` and the API's error body, counted in the shared cache.

The suite's settings raise both rates out of the way of the other tests; these set low ones and
start from an empty cache.
"""

import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.conftest import missing_service
from tests.support.clients import token_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN = "/api/v1/auth/token/"
GOOD = "clearpost-demo"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rates(settings):
    settings.API_THROTTLE_USER = "3/min"
    settings.API_THROTTLE_ANON = "3/min"
    cache.clear()
    yield
    cache.clear()


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled" and body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_user_over_the_rate_gets_429_with_retry_after(demo, rates):
    """Finding 11: the API had no rate limit."""
    alice = token_client(demo["alice"])
    for _ in range(3):
        assert alice.get(ME).status_code == 200
    assert_throttled(alice.get(ME))
    # The count is the user's, not the address's nor the token's: another user from the same
    # address is served; alice with a second token is not.
    assert token_client(demo["bob"]).get(ME).status_code == 200
    assert_throttled(token_client(demo["alice"]).get(ME))


def test_an_address_over_the_rate_gets_429_with_retry_after(demo, rates):
    """Finding 11: anyone could call the token endpoint as often as they liked (the sign-in
    lockout counts failures only)."""
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    for username in ("alice", "bob", "rachel"):
        response = client.post(TOKEN, {"username": username, "password": GOOD}, format="json")
        assert response.status_code == 200, response.content
    assert_throttled(client.post(TOKEN, {"username": "ray", "password": GOOD}, format="json"))
    # The client's own X-Forwarded-For does not make it another address (no trusted proxy).
    spoofed = APIClient(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert_throttled(spoofed.post(TOKEN, {"username": "ray", "password": GOOD}, format="json"))
    # Another address is counted apart.
    other = APIClient(REMOTE_ADDR="203.0.113.8")
    assert other.post(TOKEN, {"username": "ray", "password": GOOD}, format="json").status_code == 200


def test_refused_tokens_count_toward_the_address(demo, rates):
    """DRF authenticates before it throttles: without counting refusals, guessing tokens would
    never meet the anonymous rate."""
    guesser = APIClient(REMOTE_ADDR="203.0.113.9")
    guesser.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    for _ in range(3):
        assert guesser.get(ME).status_code == 401
    assert_throttled(guesser.get(ME))


def test_rates_can_be_turned_off(demo, settings):
    settings.API_THROTTLE_USER = "none"
    cache.clear()
    alice = token_client(demo["alice"])
    for _ in range(5):
        assert alice.get(ME).status_code == 200


def settings_value(name: str, **env):
    """A setting as production settings compute it from `env` (a fresh process)."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "CACHE_URL")}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "sqlite:///:memory:",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUDIT_CHECKPOINT_KEY": secrets.token_urlsafe(48),
            **env,
        }
    )
    code = f"import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.{name}))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_count_in_redis_when_cache_url_is_set():
    """With CACHE_URL set, the counts live in Redis (Django's own RedisCache), shared by every web
    process; without it, in each process's memory. The rates come from the environment."""
    redis_cache = settings_value("CACHES", CACHE_URL="redis://cache.internal:6379/1")["default"]
    assert redis_cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis_cache["LOCATION"] == "redis://cache.internal:6379/1"
    assert settings_value("CACHES")["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings_value("API_THROTTLE_USER") == "600/min"
    assert settings_value("API_THROTTLE_ANON") == "60/min"
    assert settings_value("API_THROTTLE_ANON", API_THROTTLE_ANON="10/s") == "10/s"
    assert settings_value("REST_FRAMEWORK")["NUM_PROXIES"] == 0


@pytest.fixture
def redis_cache(settings):
    """The default cache on a real Redis (a database of its own, a prefix of this test's)."""
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no Redis here
        missing_service(f"needs Redis on 127.0.0.1:6379 ({exc})")
    prefix = f"ratelimit-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_the_count_is_kept_in_redis(demo, settings, redis_cache):
    client, prefix = redis_cache
    settings.API_THROTTLE_USER = "3/min"
    alice = token_client(demo["alice"])
    for _ in range(3):
        assert alice.get(ME).status_code == 200
    assert_throttled(alice.get(ME))
    # One counter for alice's window, in Redis, where every web process reads the same number.
    keys = [key.decode() for key in client.scan_iter(f"{prefix}:*")]
    assert len(keys) == 1 and f"throttle_user_{demo['alice'].pk}:" in keys[0]
    assert int(client.get(keys[0])) == 4
