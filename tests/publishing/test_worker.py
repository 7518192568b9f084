"""A real Celery worker (with its beat) against Redis and the test database, delivering to the
local Mastodon of conftest.py: scheduled posts go out within seconds of their time, and a
worker killed with SIGKILL between the platform's answer and the database update, then
restarted, leaves exactly one remote status.

The worker is a separate process started here; it reaches the same PostgreSQL test database
(so these tests commit: `transaction=True`) and a Redis database of its own.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from approvals import actions
from approvals.models import Post
from governance.models import Channel
from publishing.models import JobStatus, PublishJob
from tests.conftest import missing_service

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# A Redis database per pytest-xdist worker (gw0, gw1, …), away from the benchmark's (15).
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = f"redis://127.0.0.1:6379/{1 + _XDIST_INDEX % 12}"


@pytest.fixture
def redis_broker():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.flushdb()
    except Exception as exc:  # noqa: BLE001 - any failure means: no Redis here
        missing_service(f"needs Redis on 127.0.0.1:6379 ({exc})")
    yield client
    client.flushdb()


class Worker:
    """`celery -A config worker --beat` in its own process group, against the test database."""

    def __init__(self, log: Path):
        self.log = log
        self.process = None

    def start(self) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PUBLISHING_DISPATCH_EVERY_SECONDS": "0.5",
            "PUBLISHING_SWEEP_EVERY_SECONDS": "1",
            "PUBLISHING_STUCK_AFTER_SECONDS": "3",
            "CELERY_VISIBILITY_TIMEOUT": "30",
            # As the test's own settings: the fake-platform fixtures allow private addresses
            # (their servers listen on 127.0.0.1); otherwise the guard is on, as in production.
            "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": str(bool(settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES)).lower(),
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own worker
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--schedule",
                str(self.log.with_suffix(".schedule")),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the pool child too
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(redis_broker, tmp_path):
    made = Worker(tmp_path / "worker.log")
    yield made
    made.stop()
    print(made.log.read_text(errors="replace")[-4000:])  # shown when a test fails


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def scheduled_post(demo, seconds: float) -> Post:
    dana = demo["dana"]
    post = actions.create_post(
        actor=dana,
        channel=Channel.objects.get(slug="mastodon-main"),
        body="Flu shots today in the main lobby until 18:00.",
        scheduled_at=timezone.now() + timedelta(seconds=seconds),
    )
    post = actions.submit(post, actor=dana, expected_version=post.version)
    return actions.approve(post, actor=demo["admin"], expected_version=post.version)


def test_a_scheduled_post_is_delivered_within_seconds_of_its_time(mastodon, worker, demo):
    worker.start()
    post = scheduled_post(demo, seconds=4)
    assert post.state == "scheduled"
    published = wait_for(
        lambda: Post.objects.filter(pk=post.pk, state="published").first(), timeout=30, what="the delivery"
    )
    lateness = (published.published_at - post.scheduled_at).total_seconds()
    assert 0 <= lateness < 5, lateness
    assert len(mastodon.statuses) == 1
    assert PublishJob.objects.get(post=post).status == JobStatus.DONE


def test_a_worker_killed_after_the_post_and_before_the_update_leaves_one_status(mastodon, worker, demo):
    answered = threading.Event()
    mastodon.hold_answers = answered  # the platform makes the status, then waits before answering
    worker.start()
    post = scheduled_post(demo, seconds=1)
    wait_for(lambda: len(mastodon.statuses) == 1, timeout=30, what="the first call to Mastodon")
    worker.kill()  # between the remote POST and the database update
    answered.set()
    assert len(mastodon.statuses) == 1
    job = PublishJob.objects.get(post=post)
    assert job.status == JobStatus.DISPATCHED and job.remote_id == ""  # the worker's transaction died with it
    assert Post.objects.get(pk=post.pk).state == "scheduled"  # its start of delivery rolled back too

    mastodon.hold_answers = None
    worker.start()  # the sweeper hands the job out again; the same Idempotency-Key goes with it
    published = wait_for(
        lambda: Post.objects.filter(pk=post.pk, state="published").first(), timeout=45, what="the redelivery"
    )
    assert len(mastodon.requests) >= 2
    assert {r["key"] for r in mastodon.requests} == {job.idempotency_key}
    (status,) = mastodon.statuses.values()  # exactly one remote status
    assert published.remote_id == status["id"]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.payload_hash == published.current_revision.content_hash
