"""Workload W1 of BENCHMARKS.md — a large organization — generated in bulk, then measured.

Generation (`generate`), in a database that holds nothing but the migrations' rows:
- 25 departments and 500 channels through the audited governance actions, so that the
  grants to the departments' groups are exactly what the application writes. Department 0,
  reviewer R's, owns 10 channels (spread over the id range); the other 490 are shared by
  the other 24 departments;
- 10,000 users with `bulk_create` (one precomputed password hash) and their department
  group memberships, bulk-inserted into the `User.groups` through table. R
  (`bench-reviewer`) is one of department 0's reviewers;
- 1,000,000 posts spread evenly over the channels, each with its first revision, written
  with PostgreSQL COPY: 50,000 in review (≈ 1,000 awaiting R), the rest in a realistic mix
  of states. No audit events, decisions or comments for the bulk data.

Measurement (`measure`), in-process with `django.test.Client` as R: the review queue's
first page and a deep cursor page (Q1), a post's detail, the bare SQL of Q1's first page
(EXPLAIN ANALYZE), and create → submit → approve throughput through the actions and
through the API (Q2). Figures are printed; nothing is asserted beyond "the request worked".

Scale (environment): BENCH_POSTS (1,000,000), BENCH_IN_REVIEW (a twentieth of the posts),
BENCH_USERS (10,000), BENCH_RUNS (30), BENCH_DEEP_PAGE (30), BENCH_Q2_POSTS (300),
BENCH_Q2_API_POSTS (100). A smoke run: `BENCH_POSTS=20000 .venv/bin/python bench/w1.py`.

`make bench` runs W1 after the foundation sections, in a freshly recreated database;
`.venv/bin/python bench/w1.py` runs W1 alone (BENCH_W1_REUSE=1 keeps an already generated
database and only measures, for quick iterations on the measurements).
"""

import io
import os
import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

POSTS = int(os.environ.get("BENCH_POSTS", "1000000"))
IN_REVIEW = int(os.environ.get("BENCH_IN_REVIEW", str(POSTS // 20)))
USERS = int(os.environ.get("BENCH_USERS", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
DEEP_PAGE = int(os.environ.get("BENCH_DEEP_PAGE", "30"))
Q2_POSTS = int(os.environ.get("BENCH_Q2_POSTS", "300"))
Q2_API_POSTS = int(os.environ.get("BENCH_Q2_API_POSTS", "100"))

DEPARTMENTS, CHANNELS, REVIEWER_CHANNELS = 25, 500, 10
REVIEWER = "bench-reviewer"
PASSWORD = "bench-password-123"
COPY_BATCH = 50_000
HOST = "127.0.0.1"

# The states of the posts that are not in review, with their share (sums to 1).
STATE_MIX = {
    "published": 0.818,
    "draft": 0.06,
    "changes_requested": 0.03,
    "rejected": 0.03,
    "approved": 0.02,
    "withdrawn": 0.02,
    "scheduled": 0.01,
    "failed": 0.005,
    "retracted": 0.005,
    "held": 0.002,
}
# The version a post reaches in each state along its usual path (each action bumps it;
# publishing takes two: publish, then the platform's delivery report).
STATE_VERSION = {
    "draft": 1,
    "withdrawn": 2,
    "in_review": 2,
    "changes_requested": 3,
    "rejected": 3,
    "approved": 3,
    "scheduled": 3,
    "held": 4,
    "published": 5,
    "failed": 5,
    "retracted": 6,
}
STATUS_REASONS = {
    "failed": "The platform answered 503 Service Unavailable three times.",
    "held": "Held: a crisis was declared on the channel.",
    "retracted": "Retracted: a figure in the post was wrong; a correction follows.",
}

# A user's place in its department, by (index // DEPARTMENTS) % 40: 70 % authors, 5 %
# reviewers, 2.5 % managers and 22.5 % in no department group (readers, other roles).
# A department of 400 people thus has 280 authors, 20 reviewers and 10 managers.
MEMBERSHIP_SLOTS = ["authors"] * 28 + ["reviewers"] * 2 + ["managers"] + [None] * 9
GLOBAL_ROLE_OF = {"authors": "Author", "reviewers": "Reviewer"}

WORDS = (
    "we are proud to announce our new community health program for families across the region this "
    "week join us at the open day meet the team behind the clinic learn how volunteers make a "
    "difference every season thanks to partners donors and staff who keep services running read the "
    "full report on our website register today for the free workshop on nutrition sleep and mental "
    "wellbeing opening hours change during the holidays please check before you travel our nurses "
    "share tips for staying safe in the heat new research from the hospital shows better outcomes "
    "for patients after surgery congratulations to the graduates of the residency program"
).split()


def generate() -> None:
    """Fill the (freshly migrated) database with W1. Prints what it made and how long it took."""
    print(
        f"  {DEPARTMENTS} departments, {CHANNELS} channels, {USERS:,} users, {POSTS:,} posts of which "
        f"{IN_REVIEW:,} in review (BENCH_POSTS, BENCH_IN_REVIEW, BENCH_USERS)"
    )
    start = time.perf_counter()
    rng = random.Random(1)  # the same organization on every run
    departments, channels = _organization()
    print(
        f"  created {len(departments)} departments, {len(channels)} channels through the audited actions "
        f"in {time.perf_counter() - start:.1f} s"
    )

    step = time.perf_counter()
    authors_of = _users(departments, rng)
    print(f"  created {USERS + 1:,} users and their group memberships in {time.perf_counter() - step:.1f} s")

    step = time.perf_counter()
    _posts(channels, authors_of, rng)
    print(f"  loaded {POSTS:,} posts with one revision each (COPY) in {time.perf_counter() - step:.1f} s")

    step = time.perf_counter()
    _vacuum_analyze()
    print(f"  VACUUM ANALYZE in {time.perf_counter() - step:.1f} s")
    print(f"  generation took {time.perf_counter() - start:.1f} s in all")


def _organization():
    """25 departments and 500 channels through the actions (which grant the departments' groups).

    Department 0 owns every 50th channel (10 of them, spread over the id range, as a
    department's channels would be); the other 490 go round-robin to departments 1–24.
    """
    from governance import actions
    from governance.models import Platform

    departments = [
        actions.create_department(actor=None, slug=f"dept-{i}", name=f"Department {i}") for i in range(DEPARTMENTS)
    ]
    platforms = list(Platform.values)
    channels, others = [], 0
    for i in range(CHANNELS):
        if i % (CHANNELS // REVIEWER_CHANNELS) == 0:
            owner = departments[0]
        else:
            owner, others = departments[1 + others % (DEPARTMENTS - 1)], others + 1
        channels.append(
            actions.create_channel(
                actor=None,
                slug=f"channel-{i}",
                name=f"Channel {i}",
                platform=platforms[i % len(platforms)],
                owning_department=owner,
            )
        )
    return departments, channels


def _users(departments, rng: random.Random) -> dict[int, list[int]]:
    """R plus USERS users, bulk-inserted with their memberships. Returns author ids by department id."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    User = get_user_model()
    password = make_password(PASSWORD)  # hashing is slow by design: once for everyone
    joined = timezone.now() - timedelta(days=400)
    reviewer = User(username=REVIEWER, email="reviewer@bench.example.org", first_name="Rita", last_name="Reviewer")
    users = [reviewer] + [
        User(
            username=f"bench-user-{i:05d}",
            email=f"user{i:05d}@bench.example.org",
            first_name=rng.choice(("Alex", "Sam", "Kim", "Noor", "Jo", "Lee", "Ana", "Ravi")),
            last_name=f"Person{i:05d}",
        )
        for i in range(USERS)
    ]
    for user in users:
        user.password, user.date_joined = password, joined
    User.objects.bulk_create(users, batch_size=2_000)  # sets the ids (RETURNING on PostgreSQL)

    roles = {group.name: group.pk for group in Group.objects.filter(name__in=GLOBAL_ROLE_OF.values())}
    Membership = User.groups.through
    memberships = [
        Membership(user_id=reviewer.pk, group_id=departments[0].reviewers_group_id),
        Membership(user_id=reviewer.pk, group_id=roles["Reviewer"]),
    ]
    authors_of: dict[int, list[int]] = {department.pk: [] for department in departments}
    for i, user in enumerate(users[1:]):
        department = departments[i % DEPARTMENTS]
        role = MEMBERSHIP_SLOTS[(i // DEPARTMENTS) % len(MEMBERSHIP_SLOTS)]
        if role is None:
            continue
        memberships.append(Membership(user_id=user.pk, group_id=department.groups_by_role()[role].pk))
        if role in GLOBAL_ROLE_OF:
            memberships.append(Membership(user_id=user.pk, group_id=roles[GLOBAL_ROLE_OF[role]]))
        if role == "authors":
            authors_of[department.pk].append(user.pk)
    Membership.objects.bulk_create(memberships, batch_size=5_000)
    return authors_of


# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    """Free text, escaped for COPY (the other values never hold those characters)."""
    return value.translate(_COPY_ESCAPES)


def _copy_line(*values) -> str:
    """One row in COPY's text format; None is NULL (datetimes print as PostgreSQL reads them)."""
    return "\t".join("\\N" if value is None else str(value) for value in values) + "\n"


def _body(rng: random.Random, paragraphs: int | None = None) -> str:
    """`paragraphs` (by default one to three) of 10–30 words each (~60–550 characters)."""
    texts = []
    for _ in range(paragraphs or rng.choice((1, 1, 1, 2, 2, 3))):
        text = " ".join(rng.choices(WORDS, k=rng.randint(10, 30)))
        texts.append(text[0].upper() + text[1:] + ".")
    return "\n\n".join(texts)


POST_COLUMNS = [
    "id", "channel_id", "author_id", "state", "current_revision_id", "review_plan", "current_stage_id",
    "awaiting_since", "escalations", "version", "scheduled_at", "submitted_at", "published_at", "status_reason",
    "remote_id", "remote_url", "created_at", "updated_at", "held_from", "consent_id", "holding_statement_id",
]  # fmt: skip
REVISION_COLUMNS = [
    "id", "post_id", "number", "title", "body", "link", "media_url", "media_alt_text", "content_hash",
    "created_by_id", "created_at",
]  # fmt: skip


def _posts(channels, authors_of: dict[int, list[int]], rng: random.Random) -> None:
    """POSTS posts and their first revisions, with COPY in batches, in one transaction.

    A post and its revision reference each other, so both get precomputed ids (revision id
    = post id) and `current_revision_id` is written directly: Django's foreign keys on
    PostgreSQL are DEFERRABLE INITIALLY DEFERRED, checked at the commit that follows.

    Python makes the rows and PostgreSQL takes about as long to store them, so a second
    thread copies each batch while the next one is made (the machine has two cores). It
    uses the same psycopg2 connection, hence the same transaction; psycopg2 connections may
    be shared between threads, and only that thread touches it until the last batch is in.
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from approvals.models import Post, Revision

    _check_columns(Post, POST_COLUMNS)
    _check_columns(Revision, REVISION_COLUMNS)
    with transaction.atomic(), ThreadPoolExecutor(max_workers=1) as copier:
        raw = connection.connection
        posts, revisions, copying = io.StringIO(), io.StringIO(), None
        for post_id, (post, revision) in enumerate(_post_rows(channels, authors_of, rng), start=1):
            posts.write(post)
            revisions.write(revision)
            if post_id % COPY_BATCH == 0 or post_id == POSTS:
                if copying:
                    copying.result()  # one batch in flight at a time; raises what the copy raised
                copying = copier.submit(_copy_batch, raw, posts, revisions)
                posts, revisions = io.StringIO(), io.StringIO()
        if copying:
            copying.result()
        # Rows were inserted with explicit ids: move the sequences past them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Post, Revision]):
                cursor.execute(sql)


def _copy_batch(raw_connection, posts: io.StringIO, revisions: io.StringIO) -> None:
    from approvals.models import Post, Revision

    with raw_connection.cursor() as cursor:
        for table, columns, rows in (
            (Post._meta.db_table, POST_COLUMNS, posts),
            (Revision._meta.db_table, REVISION_COLUMNS, revisions),
        ):
            rows.seek(0)
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", rows)


def _post_rows(channels, authors_of: dict[int, list[int]], rng: random.Random):
    """(post, revision) COPY lines for posts 1..POSTS, channel by channel in turn."""
    from django.utils import timezone

    from approvals.models import ReviewStage, Revision

    stage = ReviewStage.objects.get(slug="channel-review", department=None, channel=None)
    plan = f"[{stage.pk}]"
    now = timezone.now()

    # Exact state counts, shuffled over the posts: in-review posts are scattered over the
    # table (the queue must find them wherever they are), as are all the others.
    states = ["in_review"] * IN_REVIEW
    for state, share in STATE_MIX.items():
        states += [state] * round(share * (POSTS - IN_REVIEW))
    states = (states + ["published"] * (POSTS - len(states)))[:POSTS]  # rounding
    rng.shuffle(states)

    # Distinct waiting times over the last 30 days, in an order unrelated to the ids.
    window = timedelta(days=30)
    gap = window / max(IN_REVIEW, 1)
    waits = [now - window + j * gap + rng.random() * gap / 2 for j in range(IN_REVIEW)]
    rng.shuffle(waits)

    # The other posts were created over the past year, in id order, up to three days ago.
    first_created, span = now - timedelta(days=365), timedelta(days=362) / POSTS

    channel_rows = [(channel.pk, channel.owning_department_id) for channel in channels]
    for index, state in enumerate(states):
        post_id = index + 1
        channel_id, department_id = channel_rows[index % len(channel_rows)]
        author_id = rng.choice(authors_of[department_id])
        awaiting = stage_id = scheduled = submitted = published = None
        remote_id = remote_url = reason = ""
        if state == "in_review":
            awaiting = submitted = updated = waits.pop()
            created = awaiting - timedelta(minutes=rng.randint(10, 2_880))
            stage_id = stage.pk
        else:
            created = first_created + index * span + timedelta(seconds=rng.randint(0, 60))
            updated = created + timedelta(hours=rng.randint(1, 48))
            if state != "draft":
                submitted = created + timedelta(minutes=rng.randint(5, 120))
            if state == "scheduled":
                scheduled = now + timedelta(minutes=rng.randint(60, 14 * 24 * 60))
            elif state in ("published", "retracted"):
                published = updated
                remote_id = str(10**12 + post_id)
                remote_url = f"https://social.example.com/status/{remote_id}"
            reason = STATUS_REASONS.get(state, "")
        content = {
            "title": "" if post_id % 3 else f"Update {post_id}",
            "body": _body(rng),
            "link": "",
            "media_url": "",
            "media_alt_text": "",
        }
        # Same order as POST_COLUMNS and REVISION_COLUMNS.
        yield (
            _copy_line(
                post_id, channel_id, author_id, state, post_id, plan if submitted else "[]", stage_id, awaiting,
                "[]", STATE_VERSION[state], scheduled, submitted, published, reason, remote_id, remote_url, created,
                updated, "scheduled" if state == "held" else "", None, None,
            ),
            _copy_line(
                post_id, post_id, 1, _text(content["title"]), _text(content["body"]), content["link"],
                content["media_url"], content["media_alt_text"], Revision.hash_content(content), author_id, created,
            ),
        )  # fmt: skip


def _check_columns(model, columns: list[str]) -> None:
    """The COPY column lists must name every concrete column: fail early if the model changed."""
    expected = {field.column for field in model._meta.concrete_fields}
    if set(columns) != expected:
        raise RuntimeError(
            f"{model.__name__}'s columns changed: missing {sorted(expected - set(columns))}, "
            f"unknown {sorted(set(columns) - expected)}; update bench/w1.py"
        )


def _vacuum_analyze() -> None:
    """VACUUM ANALYZE: statistics for the planner, and the visibility map and hint bits that a
    table of this age would have; it also keeps autovacuum from starting mid-measurement."""
    from django.db import connection

    from approvals.models import Post, Revision

    with connection.cursor() as cursor:
        for model in (Post, Revision):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        cursor.execute("ANALYZE")


# --- Measurement ------------------------------------------------------------------------

QUEUE = "/api/v1/review-queue/"
WARM_UP = 3  # requests before sampling: fills Django's, psycopg2's and PostgreSQL's caches
Q2_WARM_UP = 5  # posts through the loop before timing it


def measure() -> None:
    """Q1, the post detail, the bare SQL of Q1 and Q2, as R (and an author of R's department)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from approvals.models import Post
    from governance.models import Channel, Department

    User = get_user_model()
    reviewer = User.objects.get(username=REVIEWER)
    department = Department.objects.get(slug="dept-0")
    channels = list(Channel.objects.filter(owning_department=department).order_by("pk"))
    author = User.objects.filter(groups=department.authors_group_id).order_by("pk").first()
    awaiting = Post.objects.filter(state="in_review", channel__in=channels).count()
    print(
        f"  R ({REVIEWER}) reviews {len(channels)} channels through {department.slug}'s reviewers group; "
        f"{awaiting:,} posts await R; {RUNS} runs per figure after {WARM_UP} warm-up requests"
    )

    client = Client(HTTP_HOST=HOST)
    client.force_login(reviewer)
    _review_queue(client, channels)
    _bare_queue_sql(reviewer)
    _throughput_actions(author, reviewer, channels)
    _throughput_api(author, reviewer, channels)


@contextmanager
def _queries():
    """CaptureQueriesContext on an emptied query log. The log keeps the last 9,000 queries;
    once full, the context (which counts by the log's length) would see none."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        yield captured


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _p95(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))]


def _sample(client, path: str) -> dict:
    """GET `path` WARM_UP + RUNS times; times, query counts and SQL time of the sampled runs."""
    for _ in range(WARM_UP):
        client.get(path)
    times, counts, sql = [], set(), []
    for _ in range(RUNS):
        with _queries() as ctx:
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:500]!r}")
        counts.add(len(ctx.captured_queries))
        sql.append(sum(float(query["time"]) for query in ctx.captured_queries))
    return {"times": times, "counts": counts, "sql": sql}


def _report(label: str, sampled: dict) -> None:
    times = sampled["times"]
    print(
        f"  {label}: median {_ms(statistics.median(times))}, p95 {_ms(_p95(times))}, "
        f"queries {sorted(sampled['counts'])} (SQL median {_ms(statistics.median(sampled['sql']))})"
    )


def _path(url: str) -> str:
    """The path and query of a `next` link (absolute in DRF's answers)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _review_queue(client, channels) -> None:
    """Q1: the first page, a deep cursor page reached by following `next`, and a post's detail.

    The pages walked are checked against the queue computed directly (in review on R's
    channels, oldest first): a mismatch is printed, not raised, so the figures still come.
    """
    from approvals.models import Post

    _report("Q1a GET /api/v1/review-queue/ (first page, 25 oldest)", _sample(client, QUEUE))

    path, page, seen = QUEUE, 1, []
    data = client.get(path).json()
    seen += [row["id"] for row in data["results"]]
    while page < DEEP_PAGE and data.get("next"):
        path, page = _path(data["next"]), page + 1
        data = client.get(path).json()
        seen += [row["id"] for row in data["results"]]
    expected = list(
        Post.objects.filter(state="in_review", channel__in=channels)
        .order_by("awaiting_since", "id")
        .values_list("id", flat=True)[: len(seen)]
    )
    if seen != expected:
        print(f"  WARNING: the {len(seen)} posts of pages 1–{page} differ from the oldest posts awaiting R")
    _report(
        f"Q1b GET /api/v1/review-queue/?cursor=… (page {page}, posts {(page - 1) * 25 + 1}–{page * 25})",
        _sample(client, path),
    )
    _report("GET /api/v1/posts/<id>/ (a post awaiting R)", _sample(client, f"/api/v1/posts/{seen[0]}/"))
    _review_queue_page(client)


def _review_queue_page(client) -> None:
    """Q1 in the browser: the queue page (its counts per channel and a page of posts), a deep
    page reached by its "Next page" links, a filtered page, and the dashboard (its queue count)."""
    from html import unescape

    _report("Q1c GET /queue/ (first page, counts per channel)", _sample(client, "/queue/"))
    path, page = "/queue/", 1
    while page < DEEP_PAGE:
        found = re.search(r'href="([^"]+)" rel="next"', client.get(path).content.decode())
        if not found:
            break
        path, page = "/queue/" + unescape(found.group(1)), page + 1
    _report(f"Q1d GET /queue/?after=… (page {page} by its Next links)", _sample(client, path))
    _report("Q1e GET /queue/?waiting=1d&flagged=1 (filtered)", _sample(client, "/queue/?waiting=1d&flagged=1"))
    _report("GET /dashboard/ (R: the queue panel's count and first rows)", _sample(client, "/dashboard/"))


def _bare_queue_sql(reviewer) -> None:
    """The floor: the statement that finds Q1a's page (review_queue_page's LATERAL walk), in
    PostgreSQL alone (EXPLAIN ANALYZE) and with one round trip from Python. For comparison,
    the reference single-query definition (`review_queue_for(R)[:25]`) once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals.selectors import review_queue_for, review_queue_page

    with CaptureQueriesContext(connection) as captured:
        review_queue_page(reviewer, limit=26)
    sql = next(q["sql"] for q in captured.captured_queries if "LATERAL" in q["sql"])
    executions, round_trips = [], []
    with connection.cursor() as cursor:
        for run in range(WARM_UP + RUNS):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            start = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            elapsed = time.perf_counter() - start
            if run >= WARM_UP:
                executions.append(float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)) / 1000)
                round_trips.append(elapsed)
    print(
        f"  bare SQL of Q1a's page (the LATERAL walk): EXPLAIN ANALYZE execution median "
        f"{_ms(statistics.median(executions))}, p95 {_ms(_p95(executions))}; execute + fetch from Python "
        f"median {_ms(statistics.median(round_trips))}"
    )
    print("    " + plan.replace("\n", "\n    "))
    reference = review_queue_for(reviewer)[:25].explain(analyze=True)
    reference_ms = float(re.search(r"Execution Time: ([\d.]+) ms", reference).group(1))
    print(f"  for comparison, the single-query definition review_queue_for(R)[:25]: {reference_ms:.1f} ms")


def _q2_report(label: str, count: int, elapsed: float, steps: dict[str, dict[str, list]]) -> None:
    print(f"  {label}: {count} posts in {elapsed:.2f} s = {count / elapsed:.1f} posts/s (target ≥ 200/s)")
    for name, step in steps.items():
        times, queries = step["times"], step["queries"]
        print(
            f"    {name}: median {_ms(statistics.median(times))}, p95 {_ms(_p95(times))}, "
            f"queries {statistics.mean(queries):.1f} on average ({min(queries)}–{max(queries)})"
        )


def _q2_body(rng: random.Random) -> str:
    # One paragraph: the review notification puts the first 60 characters of an untitled
    # post in its Subject, and a newline there makes Django refuse the message, raising out
    # of the submit's on_commit after the commit (an application bug, reported).
    return _body(rng, paragraphs=1)


def _throughput_actions(author, reviewer, channels) -> None:
    """Q2 through `approvals.actions`: create → submit → approve, one post after the other.

    Each action starts with nothing cached on its actor (`permissions.forget`), as each
    request of a real user would; the queries of `on_commit` work (notifications) count.
    """
    from django.core import mail

    from approvals import actions
    from governance import permissions

    rng = random.Random(2)
    steps: dict[str, dict[str, list]] = {}

    def step(name, actor, action, *args, **kwargs):
        permissions.forget(actor)
        with _queries() as ctx:
            start = time.perf_counter()
            result = action(*args, actor=actor, **kwargs)
            elapsed = time.perf_counter() - start
        record = steps.setdefault(name, {"times": [], "queries": []})
        record["times"].append(elapsed)
        record["queries"].append(len(ctx.captured_queries))
        return result

    def one(i: int) -> None:
        post = step("create_post", author, actions.create_post, channel=channels[i % len(channels)], body=_q2_body(rng))
        post = step("submit", author, actions.submit, post, expected_version=post.version)
        post = step("approve", reviewer, actions.approve, post, expected_version=post.version)
        if post.state != "approved":
            raise RuntimeError(f"post #{post.pk} is {post.state} after one approval, not approved")

    for i in range(Q2_WARM_UP):
        one(i)
    steps.clear()
    mail.outbox = []
    emails = 0
    start = time.perf_counter()
    for i in range(Q2_POSTS):
        one(i)
        emails += len(mail.outbox)
        mail.outbox = []  # keep memory flat; the messages were built and "sent" all the same
    elapsed = time.perf_counter() - start
    _q2_report("Q2 create → submit → approve through the actions", Q2_POSTS, elapsed, steps)
    print(f"    ({emails / Q2_POSTS:.1f} notification e-mails per post, to the locmem backend)")


def _throughput_api(author, reviewer, channels) -> None:
    """Q2 through the API: the author creates and submits, R approves, each with their own session."""
    from django.core import mail
    from django.test import Client

    rng = random.Random(3)
    author_client, reviewer_client = Client(HTTP_HOST=HOST), Client(HTTP_HOST=HOST)
    author_client.force_login(author)
    reviewer_client.force_login(reviewer)
    steps: dict[str, dict[str, list]] = {}

    def call(name, client, path, payload) -> dict:
        with _queries() as ctx:
            start = time.perf_counter()
            response = client.post(path, payload, content_type="application/json")
            elapsed = time.perf_counter() - start
        if response.status_code not in (200, 201):
            raise RuntimeError(f"POST {path} answered {response.status_code}: {response.content[:500]!r}")
        record = steps.setdefault(name, {"times": [], "queries": []})
        record["times"].append(elapsed)
        record["queries"].append(len(ctx.captured_queries))
        return response.json()

    def one(i: int) -> None:
        slug = channels[i % len(channels)].slug
        post = call("POST /api/v1/posts/", author_client, "/api/v1/posts/", {"channel": slug, "body": _q2_body(rng)})
        path = f"/api/v1/posts/{post['id']}/"
        post = call("POST …/submit/", author_client, f"{path}submit/", {"version": post["version"]})
        post = call("POST …/approve/", reviewer_client, f"{path}approve/", {"version": post["version"]})
        if post.get("state") != "approved":
            raise RuntimeError(f"post {path} is {post.get('state')} after one approval, not approved")

    for i in range(Q2_WARM_UP):
        one(i)
    steps.clear()
    start = time.perf_counter()
    for i in range(Q2_API_POSTS):
        one(i)
        mail.outbox = []
    elapsed = time.perf_counter() - start
    _q2_report("Q2 create → submit → approve through the API", Q2_API_POSTS, elapsed, steps)


def main() -> None:
    """W1 alone: recreate the bench database (unless BENCH_W1_REUSE=1 finds W1 there), generate, measure."""
    import run  # noqa: F401  (the bench database's environment, set on import)

    reuse = os.environ.get("BENCH_W1_REUSE") == "1" and _generated()
    if not reuse:
        run.recreate_database()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    print(f"W1 — a large organization{' (reusing the generated database)' if reuse else ''}:")
    print(f"  follow-up tasks: {'queued on ' + run.BENCH_BROKER if run.BENCH_BROKER else 'run in-process (no Redis)'}")
    if not reuse:
        generate()
    try:
        measure()
    finally:
        if run.BENCH_BROKER:
            from config.celery import app

            app.control.purge()  # the queued notifications have no worker here


def _generated() -> bool:
    """Whether the bench database exists and already holds W1's posts."""
    import psycopg2

    try:
        conn = psycopg2.connect(os.environ["DATABASE_URL"])
    except psycopg2.OperationalError:
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('approvals_post') IS NOT NULL")
            if not cur.fetchone()[0]:
                return False
            cur.execute("SELECT EXISTS (SELECT 1 FROM approvals_post)")
            return cur.fetchone()[0]
    finally:
        conn.close()


if __name__ == "__main__":
    main()
