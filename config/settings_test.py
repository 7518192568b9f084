"""Settings for the test suite.

The database is chosen before Django loads: DATABASE_URL when set; otherwise the local
PostgreSQL when 127.0.0.1:5432 answers; otherwise SQLite. Under CI=true PostgreSQL is
required. The choice is printed in pytest's header (tests/conftest.py).
"""

import os
import socket

os.environ.setdefault("SECRET_KEY", "clearpost-test-suite-secret-not-for-production-9f1c2e")
# Production settings require a checkpoint key (audit checkpoints are on with DEBUG off).
os.environ.setdefault("AUDIT_CHECKPOINT_KEY", "clearpost-test-suite-audit-checkpoint-key-3b7d51a0")
# ...and a key for the audit hash chain (required with DEBUG off).
os.environ.setdefault("AUDIT_CHAIN_KEY", "clearpost-test-suite-audit-chain-key-5e2a90c4d1f7")


def _postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


if "DATABASE_URL" not in os.environ:
    if _postgres_answers():
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/clearpost"
    elif os.environ.get("CI", "").lower() == "true":
        raise RuntimeError("CI=true but PostgreSQL does not answer on 127.0.0.1:5432")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, INSTALLED_APPS  # noqa: E402

if os.environ.get("CI", "").lower() == "true" and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("CI=true requires the suite to run on PostgreSQL")

# Tests exercise transactional behaviour; reuse no connection across threads' lifetimes.
DATABASES["default"]["CONN_MAX_AGE"] = 0
INSTALLED_APPS = [*INSTALLED_APPS, "tests.support"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
# Tasks run in the test's process, after the commit; the worker tests start a real worker
# on Redis and set CELERY_TASK_ALWAYS_EAGER=false for it.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "true").lower() != "false"
# Serve static files from the source folders (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Two-factor authentication is off in tests, as in `make run`; its tests turn it on.
REQUIRE_2FA = False
# The suite sends many API requests a minute from one address and one user: rate limits would
# turn its tests into 429s. The rate-limit tests set their own low rates.
API_THROTTLE_USER = "100000/min"
API_THROTTLE_ANON = "100000/min"
