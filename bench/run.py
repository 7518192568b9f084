"""Foundation benchmarks: audit-chain verification and the channel list at scale.

Runs against a throw-away PostgreSQL database `clearpost_bench` on 127.0.0.1:5432
(recreated on every run; BENCH_DATABASE_URL overrides), prints figures, asserts nothing.
After the foundation sections (the audit chain; 500 channels in 25 departments with grants
through department groups), the database is recreated once more for the large-organization
workload W1 of BENCHMARKS.md (1,000,000 posts): see `bench/w1.py`; the load test (section `load`:
locust against gunicorn) then runs on that database, see `bench/loadtest.py`.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clearpost_bench")
os.environ.update({"DATABASE_URL": BENCH_DB, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"})
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The publishing benchmark's webhook sink listens on 127.0.0.1, which the outbound client
# refuses unless private addresses are allowed (a development switch; DEBUG is on here).
os.environ.setdefault("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", "true")
# Notifications go to memory if they run at all: the workflow's e-mail is built and "sent",
# but nowhere.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


# As in production, actions queue their follow-up tasks on a broker (Redis, a database of
# its own, emptied after the run) instead of running them in the request. Without Redis
# the tasks run in-process, which the report says.
BENCH_BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15" if _redis_answers() else "")
if BENCH_BROKER:
    os.environ.update({"CELERY_BROKER_URL": BENCH_BROKER, "CELERY_TASK_ALWAYS_EAGER": "false"})

AUDIT_EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "200000"))
CHANNELS, DEPARTMENTS, RUNS = 500, 25, 30


def recreate_database() -> None:
    import psycopg2
    from psycopg2 import sql

    name = BENCH_DB.rsplit("/", 1)[1]
    conn = psycopg2.connect(BENCH_DB.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def figures(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    return f"median {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def bench_audit() -> None:
    from django.utils import timezone

    from audit.chain import HASHED_FIELDS, event_hash
    from audit.models import AuditChainHead, AuditEvent
    from audit.verify import verify_chain

    start = time.perf_counter()
    prev, batch, now = "0" * 64, [], timezone.now()
    for seq in range(1, AUDIT_EVENTS + 1):
        event = AuditEvent(
            seq=seq,
            occurred_at=now,
            actor_id=None,
            actor_label="system",
            action="bench.thing.happen",
            target_type="governance.channel",
            target_id=str(seq % 500),
            channel_id=seq % 500,
            data={"before": {"n": seq}, "after": {"n": seq + 1}},
            request_id="",
            ip=None,
            prev_hash=prev,
        )
        event.hash = prev = event_hash(prev, tuple(getattr(event, f) for f in HASHED_FIELDS))
        batch.append(event)
        if len(batch) == 10_000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    AuditChainHead.objects.filter(pk=1).update(seq=AUDIT_EVENTS, hash=prev)
    print(f"  loaded {AUDIT_EVENTS:,} chained events in {time.perf_counter() - start:.1f} s")

    for workers in (1, 2):
        start = time.perf_counter()
        result = verify_chain(workers=workers)
        elapsed = time.perf_counter() - start
        assert result.ok and result.checked == AUDIT_EVENTS, result
        print(
            f"  verify_chain(workers={workers}) (`verify_audit --workers {workers}`): {result.checked:,} events "
            f"in {elapsed:.2f} s = {result.checked / elapsed:,.0f} events/s (target ≥ 200,000/s)"
        )


def bench_channels() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance import actions
    from governance.models import Channel

    start = time.perf_counter()
    departments = [
        actions.create_department(actor=None, slug=f"dept-{i}", name=f"Department {i}") for i in range(DEPARTMENTS)
    ]
    for i in range(CHANNELS):
        actions.create_channel(
            actor=None,
            slug=f"channel-{i}",
            name=f"Channel {i}",
            platform="blog",
            owning_department=departments[i % DEPARTMENTS],
        )
    reviewer = get_user_model().objects.create_user("bench-reviewer", password="bench-password-123")
    for department in departments[:1]:
        actions.add_department_member(department, actor=None, user=reviewer, role="reviewers")
    print(
        f"  created {DEPARTMENTS} departments, {Channel.objects.count()} channels "
        f"in {time.perf_counter() - start:.1f} s (through the audited actions)"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(reviewer)
    for path, label in [
        ("/api/v1/channels/", "API channels/ (reviewer, 20 channels)"),
        ("/api/v1/me/", "API me/ (reviewer)"),
        ("/dashboard/", "dashboard page (reviewer)"),
    ]:
        client.get(path)  # warm up
        samples, queries = [], set()
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(path)
                samples.append(time.perf_counter() - t0)
            assert response.status_code == 200, (path, response.status_code)
            queries.add(len(ctx.captured_queries))
        print(f"  {label}: {figures(samples)}, queries {sorted(queries)}")


def bench_w1() -> None:
    """W1 in a fresh database: the foundation sections leave an organization of another shape."""
    import w1
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()  # DROP DATABASE refuses while we are connected
    recreate_database()
    call_command("migrate", verbosity=0)
    ContentType.objects.clear_cache()  # ids from the dropped database
    w1.generate()
    w1.measure()


def bench_load(*, w1_ready: bool) -> None:
    """The load test on W1's data: after the W1 section, on its database as W1 left it; alone,
    in a recreated database with W1 generated first (BENCH_POSTS etc. scale it)."""
    import loadtest
    import w1

    if not w1_ready:
        from django.contrib.contenttypes.models import ContentType
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()
        recreate_database()
        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()
        w1.generate()
    loadtest.run(BENCH_DB)


def bench_pages() -> None:
    import pages
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    recreate_database()
    call_command("migrate", verbosity=0)
    ContentType.objects.clear_cache()
    pages.run()


def bench_policy_check() -> None:
    """POST /api/v1/policy-check/ for a 2,000-character draft on patient-stories, with the demo
    policies (organization + channel: lexicon, links, alt text, sensitive information)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance import actions
    from governance.demo import seed_policies
    from governance.models import Channel

    department = actions.create_department(actor=None, slug="policy-bench", name="Policy bench")
    channel = actions.create_channel(
        actor=None, slug="patient-stories", name="Patient Stories", platform="blog", owning_department=department
    )
    for slug, platform in (("podcast", "podcast"), ("research-blog", "blog"), ("support-forums", "forum")):
        actions.create_channel(actor=None, slug=slug, name=slug, platform=platform, owning_department=department)
    seed_policies({c.slug: c for c in Channel.objects.all()})
    author = get_user_model().objects.create_user("policy-author", password="bench-password-123")
    actions.add_department_member(department, actor=None, user=author, role="authors")
    paragraph = (
        "Our cardiology team opened the new rehabilitation gym this week. Patients recovering from heart "
        "surgery now train with physiotherapists on modern equipment, and families can join the Thursday "
        "sessions. Read more at https://stmarys.example.org/news/rehab-gym and tell us what you think. "
    )
    body = (paragraph * (2000 // len(paragraph) + 1))[:2000]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(author)
    payload = {"channel": channel.slug, "body": body}
    for _ in range(5):
        client.post("/api/v1/policy-check/", payload, content_type="application/json")
    samples, queries = [], set()
    for run in range(RUNS * 3):
        # A different text each time, as an author typing makes it: nothing is read from the
        # screen's memory of a text it saw before (its cache serves the rules of one check).
        payload = {"channel": channel.slug, "body": f"{body[:-7]} {run:06d}"}
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.post("/api/v1/policy-check/", payload, content_type="application/json")
            samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content
        queries.add(len(ctx.captured_queries))
    print(
        f"  POST /api/v1/policy-check/, 2,000 characters: {figures(samples)}, queries {sorted(queries)} "
        "(target ≤ 20 ms median)"
    )


def main() -> None:
    import w1

    # `BENCH_W1_REUSE=1 python bench/run.py load` keeps an already generated W1 database.
    reuse_w1 = set(sys.argv[1:]) == {"load"} and os.environ.get("BENCH_W1_REUSE") == "1" and w1._generated()
    if not reuse_w1:
        recreate_database()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    print(
        f"Clearpost benchmarks on PostgreSQL {connection.cursor().connection.server_version} "
        f"({BENCH_DB.rsplit('@', 1)[-1]})"
    )
    only = set(sys.argv[1:])  # e.g. `python bench/run.py publish`: just that section
    if not only or "audit" in only:
        print("Audit chain:")
        bench_audit()
    if not only or "channels" in only:
        print("Channels (W1 shape: 500 channels, 25 departments):")
        bench_channels()
    if not only or "policy" in only:
        print("Posting policy:")
        bench_policy_check()
    if not only or "sensitive" in only:
        print("Sensitive information (the labelled corpus, bench/sensitive_corpus.py):")
        import sensitive

        sensitive.report()
    if not only or "publish" in only:
        print("Publishing (2 worker processes and beat on Redis, a local webhook sink):")
        import publish

        publish.run(ROOT / "var" / "bench")
    if not only or "pages" in only:
        print("Pages on the demo organization (a database of its own):")
        bench_pages()
    if not only or "w1" in only:
        print("W1 — a large organization (BENCHMARKS.md), in a recreated database:")
        print(f"  follow-up tasks: {'queued on ' + BENCH_BROKER if BENCH_BROKER else 'run in-process (no Redis)'}")
        try:
            bench_w1()
        finally:
            if BENCH_BROKER:
                from config.celery import app

                app.control.purge()  # the queued notifications have no worker here
    if not only or "load" in only:
        print("Load — locust against gunicorn + PostgreSQL on the W1 data (bench/load.py, bench/loadtest.py):")
        bench_load(w1_ready=not only or "w1" in only or reuse_w1)


if __name__ == "__main__":
    main()
