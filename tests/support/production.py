"""A production-like Clearpost for the security suite: gunicorn, DEBUG off, the production
settings, on the PostgreSQL test database under a restricted app role.

- `AppRole`: a database role made for the run (one per test database, so per xdist worker),
  given only the app's privileges by `audit.db_roles.grant` (what `grant_app_role` does after
  `migrate`): it owns no table, and may only INSERT and SELECT the audit log.
- `ProductionServer`: `gunicorn config.wsgi` on a free local port, its own process group, with
  `tests.support.settings_production` (config.settings as deployed: DEBUG off, HTTPS only,
  secure cookies, two-factor authentication, the audit chain and checkpoint keys), reached
  as through a TLS-terminating proxy (X-Forwarded-Proto: https). `manage()` runs a management
  command in the same environment (`verify_audit` "under that server").
- `Browser`: one person's cookie jar against the server: `sign_in` (the sign-in form, then the
  two-factor step when given a TOTP device), pages and API calls with the CSRF token.
- `production_server`: the module-scoped fixture (one server for the module, stopped after
  it). A test module uses it as

      from tests.support.production import production_server  # noqa: F401 - the fixture
      pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

  Its tests commit (`transaction=True`) so that the server sees their data. Under xdist each
  worker has its own test database, so a worker that runs any of the module's tests starts
  its own server (a few seconds), once.

Data is made in the test's process (the demo organization, users' devices, tampering) and
read by the server; `prepare_sign_in` gives a user a password hash that the server's hashers
know (the suite's MD5 hasher is not among them).
"""

import http.cookies
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "tests.support.settings_production"
PASSWORD = "a-production-like-password-4f1e"  # nosec B105 - a throw-away test user's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# --- the database role -------------------------------------------------------------------------


@dataclass
class AppRole:
    """A login role with the app's privileges only, on the test database."""

    name: str
    password: str

    @classmethod
    def create(cls) -> "AppRole":
        from audit import db_roles

        database = connection.settings_dict["NAME"]
        name = re.sub(r"[^a-z0-9_]", "_", f"{database}_app".lower())[:63]
        role = cls(name, secrets.token_urlsafe(24))
        quoted = connection.ops.quote_name(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            verb = "ALTER" if cursor.fetchone() else "CREATE"  # left over by an interrupted run
            cursor.execute(
                f"{verb} ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %s",
                [role.password],
            )
        db_roles.grant(name, connection=connection)
        return role

    def drop(self) -> None:
        quoted = connection.ops.quote_name(self.name)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {quoted}")  # its privileges on this database
            cursor.execute(f"DROP ROLE IF EXISTS {quoted}")

    def url(self) -> str:
        db = connection.settings_dict
        password = urllib.parse.quote(self.password, safe="")
        return f"postgres://{self.name}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    def connect(self):
        """A raw psycopg2 connection as this role (what someone holding the app's credentials gets)."""
        import psycopg2

        db = connection.settings_dict
        return psycopg2.connect(
            dbname=db["NAME"],
            user=self.name,
            password=self.password,
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
        )


# --- the server --------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: object
    body: bytes

    def json(self):
        return orjson.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def __repr__(self):
        return f"<{self.status}: {self.body[:300]!r}>"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class ProductionServer:
    def __init__(self, log: Path, *, database_url: str, **env):
        self.log, self.port, self.process = log, free_port(), None
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "DEBUG"))},
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            # The keys of the test process: events and checkpoints written on either side verify on both.
            "AUDIT_CHAIN_KEY": settings.AUDIT_CHAIN_KEY,
            "AUDIT_CHECKPOINT_KEY": settings.AUDIT_CHECKPOINT_KEY,
            "SECURE_PROXY_SSL_HEADER": "true",  # behind "a TLS-terminating proxy": this client
            "LOG_LEVEL": "WARNING",
            **env,
        }

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own server
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, timeout=60, what=f"gunicorn (log: {self.log})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {self.log.read_text(errors='replace')[-3000:]}")
        try:
            return self.request("GET", "/accounts/login/").status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def request(self, method: str, path: str, *, headers=None, body: bytes | None = None, token=None) -> Response:
        """One request as it arrives from the proxy (https), no redirect followed."""
        sent = {"X-Forwarded-Proto": "https", "Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Token {token}"
        url = f"http://127.0.0.1:{self.port}{path}"
        request = urllib.request.Request(url, data=body, method=method, headers=sent)  # noqa: S310 - our own server
        try:
            with _opener.open(request, timeout=60) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read())

    def api(self, method: str, path: str, data=None, *, token=None) -> Response:
        body = orjson.dumps(data) if data is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        return self.request(method, path, headers=headers, body=body, token=token)

    def manage(self, *args: str, timeout: float = 120, **env) -> subprocess.CompletedProcess:
        """`manage.py <args>` in the server's environment (production settings, the app's role)."""
        return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def browser(self) -> "Browser":
        return Browser(self)


@dataclass
class Browser:
    """One person's session against the server: cookies kept by hand (they are Secure, and the
    connection is plain HTTP behind the pretend proxy), the CSRF token sent as a form would."""

    server: ProductionServer
    cookies: dict = field(default_factory=dict)

    def _send(self, method: str, path: str, *, headers=None, body=None) -> Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method not in ("GET", "HEAD"):
            sent.setdefault("Origin", self.server.origin)
            sent.setdefault("Referer", f"{self.server.origin}{path}")
            if "csrftoken" in self.cookies:
                sent.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        answer = self.server.request(method, path, headers=sent, body=body)
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path: str, *, accept: str = "text/html") -> Response:
        return self._send("GET", path, headers={"Accept": accept})

    def post_form(self, path: str, data: dict, *, headers=None) -> Response:
        if "csrftoken" not in self.cookies:
            self.get(path)
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self._send(
            "POST",
            path,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", **(headers or {})},
            body=urllib.parse.urlencode(fields).encode(),
        )

    def api(self, method: str, path: str, data=None) -> Response:
        if method != "GET" and "csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        body = orjson.dumps(data) if data is not None else None
        headers = {"Accept": "application/json", **({"Content-Type": "application/json"} if body else {})}
        return self._send(method, path, headers=headers, body=body)

    def sign_in(self, username: str, password: str = PASSWORD, *, totp_device=None) -> None:
        """The sign-in form, and the two-factor step with a code of `totp_device` when given."""
        self.get("/accounts/login/")
        answer = self.post_form("/accounts/login/", {"username": username, "password": password})
        assert answer.status == 302, f"sign-in of {username} refused: {answer}"
        if totp_device is not None:
            answer = self.post_form("/accounts/two-factor/", {"code": totp_code(totp_device)})
            assert answer.status == 302, f"two-factor step of {username} refused: {answer}"
        assert "sessionid" in self.cookies


# --- people ------------------------------------------------------------------------------------


def prepare_sign_in(user, *, password: str = PASSWORD, totp: bool = False):
    """Give `user` a password the server can check (PBKDF2, its default hasher) and, with `totp`,
    a confirmed TOTP device, which is returned."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt())
    user.save(update_fields=["password"])
    if not totp:
        return None
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def totp_code(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


# --- the fixture -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """One production-like server for the module, as the restricted app role (`server.role`)."""
    from tests.conftest import missing_service

    if connection.vendor != "postgresql":
        missing_service("the production-like server runs on PostgreSQL")
    log = tmp_path_factory.mktemp("production") / "gunicorn.log"
    with django_db_blocker.unblock():
        role = AppRole.create()
    server = ProductionServer(log, database_url=role.url())
    server.role = role
    try:
        server.start()
        yield server
    finally:
        server.stop()
        with django_db_blocker.unblock():
            role.drop()
        print(f"--- {log}\n{log.read_text(errors='replace')[-3000:]}")  # shown when a test fails
