"""Faults of the services around Clearpost, each on a private instance (never the shared
PostgreSQL on 5432 or Redis on 6379, which other tests use at the same time):

- the broker (Redis) stops while posts are approved, published and scheduled through a real
  web server: the requests answer within seconds, the outbox rows are written, and once Redis
  and a worker are back every post is delivered exactly once;
- the database stops under a running web server: requests fail at once with a 503 (JSON for
  the API, a short page otherwise) and Retry-After, no traceback; once it is back the same
  server answers again, without a restart.

A worker killed in the middle of a delivery is covered by tests/publishing/test_worker.py.
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from approvals import actions
from approvals.models import Post
from governance.models import Channel
from publishing.models import JobStatus, PublishJob
from tests.conftest import missing_service
from tests.publishing import test_worker
from tests.publishing.conftest import mastodon, platform  # noqa: F401 - fixtures used below
from tests.publishing.test_worker import Worker, wait_for
from tests.support.clients import issue_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PROMPT = 8.0  # seconds: what "answers promptly" means with a service down


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Response:
    def __init__(self, status: int, headers, body: bytes, elapsed: float):
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} in {self.elapsed:.1f} s: {self.body[:300]!r}>"


class WebServer:
    """Clearpost under gunicorn, in its own process group, with the given environment."""

    def __init__(self, log: Path, **env):
        self.log, self.env, self.process = log, env, None
        self.port = free_port()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1", **self.env},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._answers, timeout=30, what="the web server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def request(self, method: str, path: str, *, token: str | None = None, data=None, accept=None) -> Response:
        headers = {"Accept": accept or "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        body = None
        if data is not None:
            body = json.dumps(data, default=str).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)  # noqa: S310
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own server
                return Response(answer.status, answer.headers, answer.read(), time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read(), time.monotonic() - started)

    def stop(self) -> None:
        stop_group(self.process)


@pytest.fixture
def servers(tmp_path):
    """Whatever a test starts here is stopped afterwards, and its log shown when it fails."""
    started = []
    yield started
    for server in reversed(started):
        server.stop()
    for log in sorted(tmp_path.glob("*.log")):
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")


# --- the broker --------------------------------------------------------------------------


class PrivateRedis:
    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=(self.folder / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.ping, timeout=10, what="the private Redis")

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        stop_group(self.process)


@pytest.fixture
def private_redis(tmp_path, servers):
    if not shutil.which("redis-server"):
        missing_service("needs the redis-server binary")
    made = PrivateRedis(tmp_path)
    made.start()
    servers.append(made)
    return made


def in_review(demo, **fields) -> Post:
    post = actions.create_post(
        actor=demo["dana"],
        channel=Channel.objects.get(slug="mastodon-main"),
        body="The east car park is closed today.",
        **fields,
    )
    return actions.submit(post, actor=demo["dana"], expected_version=post.version)


def web_on_private_redis(private_redis, servers, log: Path) -> WebServer:
    """A web server on the test database that queues its tasks on the private Redis."""
    db = connection.settings_dict
    web = WebServer(
        log,
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL=private_redis.url,
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    web.start()
    servers.append(web)
    return web


def deliver_with_redis_back(private_redis, monkeypatch, log: Path, posts: list[Post], remote) -> None:
    """Redis again, and a worker (with its beat) on it: every post goes out exactly once."""
    private_redis.start()
    monkeypatch.setattr(test_worker, "REDIS_URL", private_redis.url)
    worker = Worker(log)
    worker.start()
    try:
        wait_for(
            lambda: Post.objects.filter(pk__in=[p.pk for p in posts], state="published").count() == len(posts),
            timeout=40,
            what="the deliveries",
        )
        time.sleep(1.5)  # a duplicate would come now, on the next beats
    finally:
        worker.stop()
    jobs = {job.post_id: job for job in PublishJob.objects.filter(post__in=posts)}
    assert len(remote.statuses) == len(posts), remote.statuses  # exactly one remote status per post
    assert {r["key"] for r in remote.requests} == {job.idempotency_key for job in jobs.values()}
    for post in posts:
        post.refresh_from_db()
        job = jobs[post.pk]
        assert job.status == JobStatus.DONE and post.remote_id == remote.by_key[job.idempotency_key]


def test_posts_approved_and_scheduled_while_redis_is_down_go_out_once_it_is_back(
    mastodon,  # noqa: F811 - the fixture
    demo,
    private_redis,
    servers,
    tmp_path,
    monkeypatch,
):
    web = web_on_private_redis(private_redis, servers, tmp_path / "web.log")
    token = issue_token(demo["admin"])
    # Due a few seconds ahead: still ahead when approved (else it would go out now), soon after the worker is up.
    approved_post = in_review(demo, scheduled_at=timezone.now() + timedelta(seconds=8))  # approved: scheduled
    scheduled_post = in_review(demo)  # approved (no time yet), then scheduled
    scheduled_post = actions.approve(scheduled_post, actor=demo["admin"], expected_version=scheduled_post.version)

    private_redis.stop()
    answers = [
        web.request(
            "POST", f"/api/v1/posts/{approved_post.pk}/approve/", token=token, data={"version": approved_post.version}
        ),
        web.request(
            "POST",
            f"/api/v1/posts/{scheduled_post.pk}/schedule/",
            token=token,
            data={"version": scheduled_post.version, "scheduled_at": timezone.now() + timedelta(seconds=5)},
        ),
    ]
    assert [a.status for a in answers] == [200, 200], answers
    assert all(a.elapsed < PROMPT for a in answers), answers
    assert [a.json()["state"] for a in answers] == ["scheduled", "scheduled"]
    posts = [approved_post, scheduled_post]
    # Committed with the approval, Redis or not: the database drives delivery.
    assert PublishJob.objects.filter(post__in=posts, status=JobStatus.PENDING).count() == 2

    deliver_with_redis_back(private_redis, monkeypatch, tmp_path / "worker.log", posts, mastodon)


def test_a_post_published_now_while_redis_is_down_goes_out_once_it_is_back(
    mastodon,  # noqa: F811 - the fixture
    demo,
    private_redis,
    servers,
    tmp_path,
    monkeypatch,
):
    web = web_on_private_redis(private_redis, servers, tmp_path / "web.log")
    token = issue_token(demo["admin"])
    post = in_review(demo)
    post = actions.approve(post, actor=demo["admin"], expected_version=post.version)

    private_redis.stop()
    answer = web.request("POST", f"/api/v1/posts/{post.pk}/publish/", token=token, data={"version": post.version})
    assert answer.status == 200 and answer.elapsed < PROMPT, answer
    assert answer.json()["state"] == "publishing"
    # Handed out, but its message never reached Redis: the sweeper hands it out again.
    assert PublishJob.objects.get(post=post).status == JobStatus.DISPATCHED

    deliver_with_redis_back(private_redis, monkeypatch, tmp_path / "worker.log", [post], mastodon)


def test_a_frozen_broker_costs_a_request_seconds_not_forever(demo, private_redis, servers, tmp_path):
    """A Redis that stops answering without closing its connections (SIGSTOP: a hung host, a
    dropped network) used to hang every request queueing a task; the socket timeouts of
    CELERY_BROKER_TRANSPORT_OPTIONS bound it."""
    web = web_on_private_redis(private_redis, servers, tmp_path / "web.log")
    token = issue_token(demo["admin"])
    post = in_review(demo)
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        answer = web.request("POST", f"/api/v1/posts/{post.pk}/approve/", token=token, data={"version": post.version})
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)
    assert answer.status == 200 and answer.elapsed < PROMPT, answer
    assert Post.objects.get(pk=post.pk).state == "approved"


# --- the database ------------------------------------------------------------------------


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) on a free port. PostgreSQL refuses to
    run as root: as root, the cluster belongs to the `postgres` OS user."""

    def __init__(self):
        folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        self.bin = Path(folders[-1]) if folders else None
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="clearpost-pg-"))
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/clearpost"

    def _run(self, *args, timeout: float = 60) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=timeout)  # noqa: S603

    def init(self) -> None:
        data = str(self.root / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-l", str(self.root / "server.log"),
            "-w", "-t", "30", "-o", options, "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if self.bin is not None and (self.root / "data" / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres():
    made = PrivatePostgres()
    if made.bin is None or not (made.bin / "initdb").exists():
        made.remove()
        missing_service("needs PostgreSQL's server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
    if made.as_user and not shutil.which("runuser"):
        made.remove()
        missing_service("running as root needs runuser to start PostgreSQL as the postgres user")
    try:
        made.init()
        made.start()
        yield made
    finally:
        made.remove()


def copy_test_database(target: PrivatePostgres) -> None:
    """The test database (migrated, demo seeded, committed) copied into the private cluster."""
    db = connection.settings_dict
    subprocess.run(  # noqa: S603
        [str(target.bin / "createdb"), "-h", "127.0.0.1", "-p", str(target.port), "-U", "postgres", "clearpost"],
        check=True,
        capture_output=True,
    )
    dump = subprocess.Popen(  # noqa: S603
        [
            str(target.bin / "pg_dump"),
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"],
            "--no-owner",
            "--no-privileges",
            db["NAME"],
        ],
        stdout=subprocess.PIPE,
    )
    subprocess.run(  # noqa: S603
        [str(target.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", target.url],
        stdin=dump.stdout,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert dump.wait(timeout=60) == 0


def test_the_database_restarting_under_the_web_server_gives_503s_then_recovers(
    demo, private_postgres, servers, tmp_path
):
    token = issue_token(demo["alice"])
    copy_test_database(private_postgres)
    web = WebServer(
        tmp_path / "web.log",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",  # the worst case for leaking a traceback: Django's debug page
        DATABASE_URL=private_postgres.url,
        CONN_MAX_AGE="60",  # a persistent connection, which the restart breaks
        CELERY_BROKER_URL="memory://",
    )
    web.start()
    servers.append(web)
    me = web.request("GET", "/api/v1/me/", token=token)
    assert me.status == 200 and me.json()["username"] == "alice", me

    private_postgres.stop()
    down = [
        web.request("GET", "/api/v1/me/", token=token),
        web.request("POST", "/api/v1/posts/", token=token, data={"channel": "research-blog", "body": "Hello."}),
        web.request("GET", "/api/v1/channels/"),  # not even signed in
    ]
    page = web.request("GET", "/accounts/login/", accept="text/html")
    for answer in down:
        assert answer.status == 503 and answer.elapsed < 5, answer
        assert answer.json() == {"detail": answer.json()["detail"], "code": "unavailable"}, answer
        assert answer.headers["Retry-After"].isdigit()
    assert page.status == 503 and page.elapsed < 5, page
    assert page.headers["Content-Type"].startswith("text/html") and page.headers["Retry-After"].isdigit()
    for answer in [*down, page]:
        text = answer.body.decode()
        assert "Traceback" not in text and "OperationalError" not in text and "psycopg" not in text, text
        assert len(text) < 1000

    private_postgres.start()
    again = web.request("GET", "/api/v1/me/", token=token)
    assert again.status == 200 and again.json()["username"] == "alice", again
    assert web.request("GET", "/accounts/login/", accept="text/html").status == 200

    # Restarted between two requests: the server's open connection is dead, and the health
    # check replaces it before the next request uses it.
    private_postgres.stop()
    private_postgres.start()
    assert web.request("GET", "/api/v1/me/", token=token).status == 200
    created = web.request(
        "POST", "/api/v1/posts/", token=token, data={"channel": "patient-stories", "body": "Our garden is open."}
    )
    assert created.status == 201, created
    assert web.process.poll() is None  # the same server throughout
