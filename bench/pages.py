"""Server time of every page on the demo organization (issue #6: under 100 ms each), through
Django's test client after a few warm-up requests: median and max of 15, and the queries.
Figures only; the constant query counts are pinned by the tests."""

import statistics
import time

PAGES = [
    ("alice", "/dashboard/"),
    ("alice", "/posts/new/"),
    ("alice", "/posts/{post}/"),
    ("alice", "/posts/{post}/edit/"),
    ("rachel", "/queue/"),
    ("rachel", "/notifications/"),
    ("carol", "/queue/"),
    ("ray", "/calendar/"),
    ("ray", "/calendar/week/"),
    ("dana", "/channels/"),
    ("dana", "/channels/mastodon-main/"),
    ("dana", "/crisis/"),
    ("carol", "/audit/"),
    ("carol", "/audit/posts/{post}/"),
    ("admin", "/policies/"),
]


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from approvals.models import Post

    call_command("seed_demo", verbosity=0)
    users = {user.username: user for user in get_user_model().objects.all()}
    post = Post.objects.filter(channel__slug="patient-stories").order_by("id").first()
    for username, template in PAGES:
        path = template.format(post=post.pk)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[username])
        for _ in range(3):
            client.get(path)
        samples = []
        for _ in range(15):
            start = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        print(
            f"  {response.status_code} {username:<7} {path:<28} median {statistics.median(samples):5.1f} ms, "
            f"max {max(samples):5.1f} ms, {len(queries.captured_queries)} queries (target < 100 ms)"
        )
