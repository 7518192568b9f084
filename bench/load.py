"""The load scenario of issue 7 (a locustfile): authors composing, reviewers deciding and
compliance officers browsing the audit log, against gunicorn on the W1 bench data.

Run by `bench/loadtest.py` (`python bench/run.py load`), which prepares the accounts, starts
gunicorn and passes, through the environment, the accounts file (`BENCH_LOAD_ACCOUNTS`, JSON
written by `loadtest.prepare`). Every simulated person signs in through the real sign-in page
(CSRF token, password) or, for the API authors, asks for a token with the password; then
works, with 1–3 s between actions (`BENCH_LOAD_WAIT`, "min,max" seconds).

Request names group the addresses of one page or endpoint (`/posts/[id]/`), so the report
has one row per page and per API endpoint. A request fails when its status is not the one
the step expects (a 409 or a 403 counts as an error: the scenario never collides on purpose).
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(Path(os.environ["BENCH_LOAD_ACCOUNTS"]).read_text(encoding="utf-8"))
PASSWORD = ACCOUNTS["password"]
WAIT = tuple(float(s) for s in os.environ.get("BENCH_LOAD_WAIT", "1,3").split(","))
MEASURE_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "120"))
SIGN_IN_FILE = os.environ.get("BENCH_LOAD_SIGN_IN", "")
SIGN_IN_NAMES = ("/accounts/login/", "/accounts/login/ (sign in)", "/api/v1/auth/token/")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
POST_LINK = re.compile(r'href="/posts/(\d+)/" data-testid="queue-post-link"')
VERSION = re.compile(r'data-testid="post-version">(\d+)<')
OLDER = re.compile(r'href="\?([^"]*before=\d+[^"]*)" rel="next" data-testid="audit-older"')
EVIDENCE = re.compile(r'href="/audit/posts/(\d+)/" data-testid="audit-evidence-link"')
CHANNEL_OPTION = re.compile(r'<option value="([a-z0-9-]+)"')
POST_ID = re.compile(r"/posts/(\d+)/")

WORDS = (
    "our community clinic opens a new wing this spring with longer hours for families and a "
    "team of nurses volunteers and partners who make it possible join the open day and meet us"
).split()


def body(rng: random.Random) -> str:
    text = " ".join(rng.choices(WORDS, k=rng.randint(12, 30)))
    return text[0].upper() + text[1:] + "."


# --- the measured window -------------------------------------------------------------------
# Fifty people signing in within seconds cost 50 password hashes (PBKDF2, ~0.6 s of CPU each
# on this machine): the sign-in rush is its own phase. Once everyone has signed in, the
# sign-in figures are written to BENCH_LOAD_SIGN_IN, the statistics are reset, and the run
# lasts BENCH_LOAD_SECONDS more: the table locust writes covers that steady window only.

_environment = None
_signed_in = 0
_started = time.monotonic()


@events.init.add_listener
def _keep_environment(environment, **kwargs):
    global _environment
    _environment = environment


@events.spawning_complete.add_listener
def _start_window(user_count, **kwargs):
    gevent.spawn(_window, user_count)


def _window(user_count: int) -> None:
    deadline = time.monotonic() + 300
    while _signed_in < user_count and time.monotonic() < deadline:
        gevent.sleep(0.1)
    stats = _environment.runner.stats
    sign_in = [
        {
            "name": f"{entry.method} {entry.name}",
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "median": entry.median_response_time,
            "p95": entry.get_response_time_percentile(0.95),
            "max": entry.max_response_time,
        }
        for entry in stats.entries.values()
        if entry.name in SIGN_IN_NAMES
    ]
    if SIGN_IN_FILE:
        rush = {"seconds": time.monotonic() - _started, "signed_in": _signed_in, "reset_at": time.time()}
        Path(SIGN_IN_FILE).write_text(json.dumps({**rush, "requests": sign_in}), encoding="utf-8")
    stats.reset_all()
    gevent.spawn_later(MEASURE_SECONDS, _environment.runner.quit)


class Person(HttpUser):
    """Someone who signs in through the sign-in page, as a browser does."""

    abstract = True
    wait_time = between(*WAIT)
    role = ""
    _accounts: itertools.cycle

    def on_start(self):
        self.rng = random.Random()
        self.account = next(type(self)._accounts)
        try:
            self.sign_in()
        finally:
            global _signed_in
            _signed_in += 1

    def sign_in(self):
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF_INPUT.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": self.account["username"], "password": PASSWORD, "next": ""},
            name="/accounts/login/ (sign in)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in of {self.account['username']} answered {response.status_code}")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def expect(self, response, *statuses):
        if response.status_code not in statuses:
            response.failure(f"{response.status_code} (expected {statuses}): {response.text[:200]}")
            return False
        response.success()
        return True


class PageAuthor(Person):
    """An author composing in the browser: the compose page, save and submit, the post's page."""

    weight = 15
    _accounts = itertools.cycle(ACCOUNTS["authors"])

    @task(4)
    def compose_and_submit(self):
        page = self.client.get("/posts/new/", name="/posts/new/")
        channels = CHANNEL_OPTION.findall(page.text)
        token = CSRF_INPUT.search(page.text)
        if not channels or token is None:
            return
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "channel": self.rng.choice(channels),
            "title": f"Open day {self.rng.randint(1, 10**6)}",
            "body": body(self.rng),
            "submit": "1",
        }
        with self.client.post(
            "/posts/new/", form, name="/posts/new/ (save and submit)", allow_redirects=False, catch_response=True
        ) as response:
            if not self.expect(response, 302):
                return
            post = POST_ID.search(response.headers.get("Location", ""))
        if post:
            self.client.get(f"/posts/{post.group(1)}/", name="/posts/[id]/")

    @task(1)
    def dashboard(self):
        self.client.get("/dashboard/", name="/dashboard/")


class ApiAuthor(Person):
    """An integration or a script: an API token asked for with the password, then create + submit."""

    weight = 5
    _accounts = itertools.cycle(ACCOUNTS["api_authors"])

    def sign_in(self):
        with self.client.post(
            "/api/v1/auth/token/",
            json={"username": self.account["username"], "password": PASSWORD},
            name="/api/v1/auth/token/",
            catch_response=True,
        ) as response:
            if self.expect(response, 200, 201):
                self.client.headers["Authorization"] = f"Token {response.json()['token']}"

    @task
    def create_and_submit(self):
        payload = {"channel": self.rng.choice(self.account["channels"]), "body": body(self.rng)}
        with self.client.post("/api/v1/posts/", json=payload, name="/api/v1/posts/", catch_response=True) as r:
            if not self.expect(r, 201):
                return
            post = r.json()
        with self.client.post(
            f"/api/v1/posts/{post['id']}/submit/",
            json={"version": post["version"]},
            name="/api/v1/posts/[id]/submit/",
            catch_response=True,
        ) as r:
            self.expect(r, 200)
        self.client.get(f"/api/v1/posts/{post['id']}/", name="/api/v1/posts/[id]/")


class Reviewer(Person):
    """A reviewer deciding: the queue, a post, approve (4 in 5) or request changes, by the post
    page's form or by the API with the version seen. Each reviewer decides for a department of
    their own, so two of them never race for the same post."""

    weight = 18
    _accounts = itertools.cycle(ACCOUNTS["reviewers"])

    def decision(self) -> tuple[str, str]:
        if self.rng.random() < 0.8:
            return "approve", "Looks good."
        return "request-changes", "Please add the opening hours."

    @task(1)
    def decide_in_the_browser(self):
        queue = self.client.get("/queue/", name="/queue/")
        posts = POST_LINK.findall(queue.text)
        if not posts:
            return
        post_id = self.rng.choice(posts)
        page = self.client.get(f"/posts/{post_id}/", name="/posts/[id]/")
        version, token = VERSION.search(page.text), CSRF_INPUT.search(page.text)
        if version is None or token is None:
            return
        slug, comment = self.decision()
        with self.client.post(
            f"/posts/{post_id}/{slug}/",
            {"csrfmiddlewaretoken": token.group(1), "version": version.group(1), "comment": comment},
            name=f"/posts/[id]/{slug}/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.expect(response, 302)

    @task(1)
    def decide_through_the_api(self):
        queue = self.client.get("/api/v1/review-queue/", name="/api/v1/review-queue/")
        results = queue.json().get("results", []) if queue.ok else []
        if not results:
            return
        post_id = self.rng.choice(results)["id"]
        post = self.client.get(f"/api/v1/posts/{post_id}/", name="/api/v1/posts/[id]/")
        if not post.ok:
            return
        slug, comment = self.decision()
        with self.client.post(
            f"/api/v1/posts/{post_id}/{slug}/",
            json={"version": post.json()["version"], "comment": comment},
            headers={"X-CSRFToken": self.csrf()},
            name=f"/api/v1/posts/[id]/{slug}/",
            catch_response=True,
        ) as response:
            self.expect(response, 200)


class ComplianceOfficer(Person):
    """A compliance officer reading the audit log: the newest page, older pages by the keyset
    links, a filter, a post's evidence, and the API's list."""

    weight = 12
    _accounts = itertools.cycle(ACCOUNTS["compliance"])

    @task(3)
    def browse(self):
        page = self.client.get("/audit/", name="/audit/")
        for _ in range(self.rng.randint(1, 3)):
            older = OLDER.search(page.text)
            if older is None:
                break
            page = self.client.get(f"/audit/?{older.group(1).replace('&amp;', '&')}", name="/audit/?before=[seq]")
        evidence = EVIDENCE.findall(page.text)
        if evidence:
            self.client.get(f"/audit/posts/{self.rng.choice(evidence)}/", name="/audit/posts/[id]/")

    @task(2)
    def filter(self):
        filters = self.rng.choice(
            [
                {"action": "approvals.post.approve"},
                {"action": "approvals.post."},
                {"actor": self.rng.choice(ACCOUNTS["actors"])},
                {"channel": self.rng.choice(ACCOUNTS["channels"])},
                {"target_type": "approvals.post", "target_id": str(self.rng.choice(ACCOUNTS["audited_posts"]))},
            ]
        )
        name = "/audit/?" + "&".join(f"{key}=…" for key in filters)
        page = self.client.get("/audit/", params=filters, name=name)
        older = OLDER.search(page.text)
        if older is not None:
            self.client.get(f"/audit/?{older.group(1).replace('&amp;', '&')}", name=name + "&before=[seq]")

    @task(2)
    def api(self):
        params = self.rng.choice([{}, {"action": "approvals.post.submit"}, {"channel": "channel-0"}])
        name = "/api/v1/audit-events/" + ("?" + "&".join(f"{key}=…" for key in params) if params else "")
        response = self.client.get("/api/v1/audit-events/", params=params, name=name)
        following = response.json().get("next") if response.ok else None
        if following:
            self.client.get(following, name="/api/v1/audit-events/?cursor=…")
