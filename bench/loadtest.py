"""Load (issue 7, item 7): the locust scenario of `bench/load.py` against gunicorn + PostgreSQL
on the W1 bench data, with production-like settings. Called by `bench/run.py` (section `load`)
once the bench database holds W1; prints a table per page and API endpoint (requests/s,
median, p95, errors) and asserts nothing.

- `prepare()` adds what W1 lacks for this scenario, in the bench process: compliance officers,
  and `BENCH_LOAD_AUDIT_EVENTS` (200,000) events appended to the audit chain (correctly
  chained, on W1's posts, over the last 30 days) so that the log has pages to walk; and picks
  the accounts (authors of every department, one reviewer per department, the compliance
  officers), written to a JSON file for the locustfile.
- `run()` collects the static files into a temporary STATIC_ROOT (whitenoise's manifest), starts
  gunicorn (DEBUG off, a random SECRET_KEY, 2FA off, follow-up tasks queued on a Redis database
  nobody uses, emptied afterwards) and locust headless as subprocesses, and stops both whatever
  happens.

Environment: BENCH_LOAD_USERS (50), BENCH_LOAD_SPAWN_RATE (10), BENCH_LOAD_SECONDS (120),
BENCH_LOAD_WORKERS (5) and BENCH_LOAD_THREADS (2) for gunicorn, BENCH_LOAD_WAIT ("1,3" s
between a person's actions), BENCH_LOAD_AUDIT_EVENTS (200,000), BENCH_LOAD_BROKER_URL.
"""

import csv
import json
import math
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SPAWN_RATE = os.environ.get("BENCH_LOAD_SPAWN_RATE", "10")
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "120"))
WORKERS = os.environ.get("BENCH_LOAD_WORKERS", "5")  # gunicorn's advice: 2 x cores + 1 processes
THREADS = os.environ.get("BENCH_LOAD_THREADS", "2")
AUDIT_EVENTS = int(os.environ.get("BENCH_LOAD_AUDIT_EVENTS", "200000"))
KEEP_ALIVE = max(10, math.ceil(float(os.environ.get("BENCH_LOAD_WAIT", "1,3").split(",")[-1])) + 5)
COMPLIANCE_OFFICERS = 12
AUDIT_ACTIONS = [  # what a year of work leaves in the log, roughly in proportion
    ("approvals.post.create", 6),
    ("approvals.post.submit", 6),
    ("approvals.post.approve", 5),
    ("approvals.post.request_changes", 1),
    ("approvals.post.edit", 2),
    ("approvals.post.publish", 4),
    ("approvals.post.mark_published", 4),
    ("approvals.post.reject", 1),
]
TARGET_P95_MS = 200


# --- data ---------------------------------------------------------------------------------


def prepare(workdir: Path) -> Path:
    """Compliance officers, an audit log with depth, and the accounts file for the locustfile."""
    import w1
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts import roles
    from approvals.models import Post
    from governance.models import Channel, Department

    User = get_user_model()
    compliance = Group.objects.get(name=roles.COMPLIANCE_OFFICER)
    officers = []
    for i in range(COMPLIANCE_OFFICERS):
        user, created = User.objects.get_or_create(
            username=f"bench-compliance-{i:02d}", defaults={"email": f"compliance{i:02d}@bench.example.org"}
        )
        if created:
            user.set_password(w1.PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(compliance)
        officers.append(user.username)

    start = time.perf_counter()
    added = _audit_log(AUDIT_EVENTS)
    if added:
        print(f"  appended {added:,} chained audit events on W1's posts in {time.perf_counter() - start:.1f} s")

    authors, api_authors, reviewers = [], [], []
    for department in Department.objects.filter(slug__startswith="dept-").order_by("pk"):
        channels = list(Channel.objects.filter(owning_department=department).values_list("slug", flat=True))
        groups = department.groups_by_role()
        members = list(groups["authors"].user_set.order_by("pk").values_list("username", flat=True)[:4])
        authors += [{"username": name, "channels": channels} for name in members[:3]]
        api_authors += [{"username": name, "channels": channels} for name in members[3:]]
        reviewer = groups["reviewers"].user_set.order_by("pk").values_list("username", flat=True).first()
        reviewers.append({"username": reviewer})
    random.Random(7).shuffle(authors)  # the first ones spawned come from different departments
    audited = list(Post.objects.filter(pk__in=[int(p) for p in _sample_targets(200)]).values_list("pk", flat=True))
    accounts = {
        "password": w1.PASSWORD,
        "authors": authors,
        "api_authors": api_authors,
        "reviewers": reviewers,
        "compliance": [{"username": name} for name in officers],
        "actors": [a["username"] for a in authors[:20]] + [r["username"] for r in reviewers[:5]],
        "channels": list(Channel.objects.order_by("pk").values_list("slug", flat=True)[:50]),
        "audited_posts": audited,
    }
    path = workdir / "accounts.json"
    path.write_text(json.dumps(accounts, indent=1), encoding="utf-8")
    return path


def _sample_targets(count: int) -> list[str]:
    from audit.models import AuditEvent

    return list(
        AuditEvent.objects.filter(target_type="approvals.post", action="approvals.post.approve")
        .order_by("-seq")
        .values_list("target_id", flat=True)[:count]
    )


def _audit_log(count: int) -> int:
    """Append `count` events to the chain (unless an earlier run did): post events by W1's
    authors and reviewers, spread over the last 30 days, chained like `audit.record` chains."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from approvals.models import Post
    from audit.chain import HASHED_FIELDS, event_hash
    from audit.models import AuditChainHead, AuditEvent

    if count <= 0 or AuditEvent.objects.filter(action="approvals.post.create", request_id="bench-load").exists():
        return 0
    rng = random.Random(3)
    people = list(get_user_model().objects.order_by("pk").values_list("pk", "username")[:2000])
    top = Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    channel_of = dict(Post.objects.filter(pk__lte=5000).values_list("pk", "channel_id"))
    actions = [name for name, weight in AUDIT_ACTIONS for _ in range(weight)]
    now = timezone.now()
    first = now - timedelta(days=30)
    step = (now - first) / count
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get()
        seq, prev, batch = head.seq, head.hash, []
        for i in range(count):
            seq += 1
            post_id = rng.randint(1, min(top, 5000))  # a few thousand posts, each with a history
            actor_id, actor_label = rng.choice(people)
            action = rng.choice(actions)
            event = AuditEvent(
                seq=seq,
                occurred_at=first + i * step,
                actor_id=actor_id,
                actor_label=actor_label,
                action=action,
                target_type="approvals.post",
                target_id=str(post_id),
                channel_id=channel_of.get(post_id),
                data={"before": {"state": "draft"}, "after": {"state": "in_review"}, "content_hash": f"{i:064x}"},
                request_id="bench-load",
                ip="10.0.0.1",
                prev_hash=prev,
            )
            event.hash = prev = event_hash(prev, tuple(getattr(event, f) for f in HASHED_FIELDS))
            batch.append(event)
            if len(batch) == 10_000:
                AuditEvent.objects.bulk_create(batch)
                batch = []
        AuditEvent.objects.bulk_create(batch)
        AuditChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    return count


# --- processes ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_redis_db() -> str:
    """An empty Redis database (13 down to 1), so that emptying it afterwards touches nobody else's."""
    import redis

    if os.environ.get("BENCH_LOAD_BROKER_URL"):
        return os.environ["BENCH_LOAD_BROKER_URL"]
    for db in range(13, 0, -1):
        if redis.Redis(host="127.0.0.1", port=6379, db=db).dbsize() == 0:
            return f"redis://127.0.0.1:6379/{db}"
    raise RuntimeError("no empty Redis database for the load test's queued tasks")


def _server_env(database_url: str, broker: str, static_root: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "REQUIRE_2FA": "false",
            "AUDIT_CHECKPOINTS": "false",
            "STATIC_ROOT": str(static_root),
            "CELERY_BROKER_URL": broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    return env


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def _stop(process: subprocess.Popen | None, name: str) -> None:
    """SIGTERM (gunicorn's master stops its workers; locust writes its CSV), then SIGKILL to the
    process group we started it in."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        print(f"  {name} did not stop in 30 s: killed")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run(database_url: str) -> None:
    import redis

    workdir = Path(tempfile.mkdtemp(prefix="clearpost-load-"))
    accounts = prepare(workdir)
    broker = _free_redis_db()
    env = _server_env(database_url, broker, workdir / "static")
    env["BENCH_LOAD_ACCOUNTS"] = str(accounts)
    env["BENCH_LOAD_SIGN_IN"] = str(workdir / "sign-in.json")
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = locust = None
    logs = {name: (workdir / f"{name}.log").open("wb") for name in ("gunicorn", "locust")}
    # A SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C does, through the `finally` below.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        gunicorn = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", WORKERS,
             "--worker-class", "gthread", "--threads", THREADS, "--timeout", "60",
             # Longer than a person's pause: with gunicorn's 2 s default, a kept-alive connection
             # closed by the server just as the client reuses it surfaces as a reset error.
             "--keep-alive", str(KEEP_ALIVE),
             # The time each request spent in Django, for comparison with what the clients saw.
             "--access-logfile", str(workdir / "access.log"), "--access-logformat", "%(t)s %(m)s %(U)s %(s)s %(M)s"],
            cwd=ROOT, env=env, stdout=logs["gunicorn"], stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        _wait_until_up(f"{base}/accounts/login/", gunicorn)
        print(
            f"  gunicorn: {WORKERS} workers × {THREADS} threads (gthread), DEBUG off; locust: {USERS} users, "
            f"spawn rate {SPAWN_RATE}/s, {SECONDS} s, {os.environ.get('BENCH_LOAD_WAIT', '1,3')} s between actions; "
            f"follow-up tasks queued on {broker}"
        )
        csv_prefix = workdir / "locust"
        started, cpu_before = time.monotonic(), _children_cpu()
        locust = subprocess.Popen(  # noqa: S603
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "load.py"), "--headless", "--host", base,
             "-u", str(USERS), "-r", SPAWN_RATE, "--csv", str(csv_prefix),
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=logs["locust"], stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            locust.wait(timeout=SECONDS + 420)  # the sign-in rush, then the measured window
        except subprocess.TimeoutExpired:
            print("  locust ran past its time: stopped")
        _stop(locust, "locust")
        wall, cpu_locust = time.monotonic() - started, _children_cpu()
        _stop(gunicorn, "gunicorn")  # reaped: its workers' CPU time is now counted
        report(csv_prefix, workdir / "sign-in.json")
        _server_times(workdir / "access.log", since=_window_start(workdir / "sign-in.json"))
        print(
            f"  CPU over the {wall:.0f} s of locust's run (2 cores = {2 * wall:.0f} s): gunicorn "
            f"{_children_cpu() - cpu_locust:.0f} s (from its start), locust {cpu_locust - cpu_before:.0f} s"
        )
        print(f"  logs and CSV in {workdir}")
    finally:
        _stop(locust, "locust")
        _stop(gunicorn, "gunicorn")
        signal.signal(signal.SIGTERM, previous)
        for log in logs.values():
            log.close()
        redis.Redis.from_url(broker).flushdb()  # the queued notifications have no worker here
        shutil.rmtree(workdir / "static", ignore_errors=True)


def _children_cpu() -> float:
    """User + system CPU seconds of this process's reaped children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- report -------------------------------------------------------------------------------


def report(csv_prefix: Path, sign_in_file: Path) -> None:
    """The sign-in rush, then the locust CSV of the measured window as a table: one row per
    page or endpoint, then the total."""
    if sign_in_file.exists():
        rush = json.loads(sign_in_file.read_text(encoding="utf-8"))
        print(f"  sign-in rush: {rush['signed_in']} people signed in within {rush['seconds']:.0f} s of the start")
        for row in rush["requests"]:
            print(
                f"    {row['name']}: {row['count']} requests, median {row['median']:.0f} ms, "
                f"p95 {row['p95']:.0f} ms, max {row['max']:.0f} ms, {row['failures']} errors"
            )
    print(f"  then {SECONDS} s with everyone signed in:")
    stats_file = Path(f"{csv_prefix}_stats.csv")
    if not stats_file.exists():
        print(f"  no statistics: locust wrote no {stats_file.name} (see its log)")
        return
    with stats_file.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    rows = sorted((r for r in rows if r["Name"] != "Aggregated" and int(r["Request Count"])), key=lambda r: r["Name"])
    width = max([len(f"{r['Type']} {r['Name']}") for r in rows] + [20])
    print(f"  {'request':<{width}} {'count':>7} {'req/s':>6} {'median':>7} {'p95':>7} {'max':>7} {'errors':>6}")
    for row in [*rows, *([total] if total else [])]:
        label = "all requests" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"  {label:<{width}} {int(row['Request Count']):>7} {float(row['Requests/s']):>6.2f} "
            f"{row['50%']:>5} ms {row['95%']:>4} ms {float(row['Max Response Time']):>5.0f} ms "
            f"{int(row['Failure Count']):>6}"
        )
    slow = [r["Name"] for r in rows if r["95%"] != "N/A" and float(r["95%"]) > TARGET_P95_MS]
    if total:
        print(
            f"  {int(total['Failure Count'])} errors in {int(total['Request Count']):,} requests; p95 over "
            f"{TARGET_P95_MS} ms on {len(slow)} of {len(rows)} rows (target: 0 errors, p95 ≤ {TARGET_P95_MS} ms)"
        )
    failures = Path(f"{csv_prefix}_failures.csv")
    if failures.exists():
        with failures.open(newline="", encoding="utf-8") as handle:
            for row in list(csv.DictReader(handle))[:10]:
                print(f"  error ×{row['Occurrences']}: {row['Method']} {row['Name']}: {row['Error'][:160]}")


def _window_start(sign_in_file: Path) -> float:
    if not sign_in_file.exists():
        return 0.0
    return json.loads(sign_in_file.read_text(encoding="utf-8")).get("reset_at", 0.0)


def _server_times(access_log: Path, *, since: float) -> None:
    """Time in gunicorn's worker (parsed request to response written) over the measured window,
    against the clients' figures: the difference is waiting for a thread, and the network."""
    if not access_log.exists():
        return
    times = []
    for line in access_log.read_text(encoding="utf-8").splitlines():
        stamp, _, rest = line.partition("] ")
        when = datetime.strptime(stamp.lstrip("["), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if when >= int(since) and rest.rsplit(" ", 1)[-1].isdigit():
            times.append(int(rest.rsplit(" ", 1)[1]))
    times.sort()
    if times:
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"  server side (gunicorn's request time, {len(times):,} requests in the window): "
            f"median {times[len(times) // 2]} ms, p95 {p95} ms"
        )
