"""Publishing throughput and lateness (issue #5), against real Celery processes on Redis.

A local webhook sink plays the platform (200 with an id, after `BENCH_SINK_MS` of "work").
Two worker processes (`celery worker --concurrency 2`) and one beat deliver:

- throughput: `BENCH_PUBLISH_JOBS` posts already on their way out (state publishing, job due
  a few seconds ahead so that the workers are ready), from the due time to the last delivery;
- lateness: `BENCH_LATENESS_JOBS` scheduled posts due at an even pace over 20 seconds, from
  each one's due time to its publication (p50 / p95).

Figures only; nothing is asserted. Called from bench/run.py on its throw-away database.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOBS = int(os.environ.get("BENCH_PUBLISH_JOBS", "3000"))
LATENESS_JOBS = int(os.environ.get("BENCH_LATENESS_JOBS", "200"))
SINK_MS = float(os.environ.get("BENCH_SINK_MS", "5"))


class Sink(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(SINK_MS / 1000)
        body = json.dumps({"id": self.headers.get("Idempotency-Key", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    # A platform's front end accepts many connections at once; the standard library's backlog
    # of 5 would drop the SYNs of parallel calls and cost each a one-second retransmission.
    request_queue_size = 256


def _posts(channel, author, count: int, *, state: str, due, spacing: float = 0.0):
    """`count` posts with their revision and publish job, written in bulk (setup, not measured)."""
    from approvals.models import Post, Revision
    from publishing.models import PublishJob

    posts = Post.objects.bulk_create(
        [
            Post(
                channel=channel,
                author=author,
                state=state,
                scheduled_at=due + timedelta(seconds=i * spacing) if state == "scheduled" else None,
            )
            for i in range(count)
        ]
    )
    revisions = []
    for i, post in enumerate(posts):
        content = {"title": "", "body": f"Bench post {i}", "link": "", "media_url": "", "media_alt_text": ""}
        revisions.append(
            Revision(post=post, number=1, created_by=author, content_hash=Revision.hash_content(content), **content)
        )
    revisions = Revision.objects.bulk_create(revisions)
    for post, revision in zip(posts, revisions, strict=True):
        post.current_revision = revision
    Post.objects.bulk_update(posts, ["current_revision"], batch_size=1000)
    PublishJob.objects.bulk_create(
        [
            PublishJob(
                post=post,
                revision=post.current_revision,
                connector="webhook",
                idempotency_key=PublishJob.key_for(post.pk, post.current_revision_id),
                due_at=due + timedelta(seconds=i * spacing),
            )
            for i, post in enumerate(posts)
        ],
        batch_size=1000,
    )
    return [post.pk for post in posts]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PUBLISHING_DISPATCH_EVERY_SECONDS": os.environ.get("PUBLISHING_DISPATCH_EVERY_SECONDS", "1")}
    return subprocess.Popen(  # noqa: S603 - our own worker
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_done(post_ids: list[int], timeout: float) -> bool:
    from approvals.models import Post

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Post.objects.filter(pk__in=post_ids).exclude(state="published").exists():
            return True
        time.sleep(0.5)
    return False


def run(log_dir: Path) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from approvals.models import Post
    from governance import actions
    from publishing import credentials
    from publishing.models import ChannelConnector

    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        print("  skipped: needs Redis (the figures are for workers on a real broker)")
        return
    sink = Server(("127.0.0.1", 0), Sink)
    sink.daemon_threads = True
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    department = actions.create_department(actor=None, slug="publish-bench", name="Publish bench")
    channel = actions.create_channel(
        actor=None, slug="publish-bench", name="Publish bench", platform="x", owning_department=department
    )
    ChannelConnector.objects.create(
        channel=channel,
        kind="webhook",
        settings={"url": f"http://127.0.0.1:{sink.server_address[1]}/hook"},
        secret_token=credentials.encrypt("bench-secret"),
    )
    author = get_user_model().objects.create_user("publish-bench", password="bench-password-123")

    log_dir.mkdir(parents=True, exist_ok=True)
    worker_args = ["worker", "--concurrency", "2", "--loglevel", "WARNING", "-n", "bench@%h"]
    workers = _start(worker_args, log_dir / "worker.log")
    beat = _start(["beat", "--loglevel", "WARNING", "-s", str(log_dir / "beat-schedule")], log_dir / "beat.log")
    try:
        due = timezone.now() + timedelta(seconds=8)
        ids = _posts(channel, author, JOBS, state="publishing", due=due)
        if not _wait_done(ids, timeout=JOBS / 20 + 60):
            print("  throughput: not all jobs were delivered in time (see", log_dir / "worker.log", ")")
        published = Post.objects.filter(pk__in=ids, state="published")
        last = max(published.values_list("published_at", flat=True))
        seconds = (last - due).total_seconds()
        print(
            f"  throughput: {published.count():,} jobs to a local webhook in {seconds:.1f} s = "
            f"{published.count() / seconds:,.0f} jobs/s with 2 worker processes on Redis (target ≥ 300 jobs/s)"
        )

        start = timezone.now() + timedelta(seconds=3)
        spacing = 20 / LATENESS_JOBS
        ids = _posts(channel, author, LATENESS_JOBS, state="scheduled", due=start, spacing=spacing)
        _wait_done(ids, timeout=90)
        late = [
            (p.published_at - p.scheduled_at).total_seconds()
            for p in Post.objects.filter(pk__in=ids, state="published")
        ]
        if late:
            late.sort()
            p95 = late[min(len(late) - 1, int(len(late) * 0.95))]
            print(
                f"  lateness, due time to delivery ({len(late)} posts due over 20 s): "
                f"median {statistics.median(late):.2f} s, p95 {p95:.2f} s, max {late[-1]:.2f} s (target p95 ≤ 2 s)"
            )
    finally:
        for process in (beat, workers):
            process.terminate()
        for process in (beat, workers):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        sink.shutdown()
