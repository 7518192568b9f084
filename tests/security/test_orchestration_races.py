"""Crisis and consent effects racing the post actions, on PostgreSQL, through the API.

Each test forces one interleaving instead of hoping a barrier finds it: the first request is
stopped inside its transaction right after it has recorded a given audit event (so it holds
every lock it has taken, the audit chain head included), the second request is started and
let run until it waits for a lock (or is done), and then the first goes on. Everything runs
through the HTTP API with token clients, so the tests hold whichever module the actions live
in; the only hook is `audit.record` / `audit.record_many`, which every action calls by that
name at call time.

What every test demands: no deadlock (PostgreSQL breaks one by failing a transaction, which
reaches the client as an exception or a 500), every answer a 2xx or a clean 409/400 in the
API's error shape, exactly one consistent outcome, and an audit chain that verifies. The lock
order they are written for: channels, then posts, then governance rows (crisis, consent),
then the audit chain head.
"""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

import audit
from approvals.models import Post, PostState, RetractionRequest, ReviewDecision, ReviewStage
from audit.models import AuditEvent
from audit.verify import verify_chain
from governance.models import Consent, CrisisIncident
from publishing import delivery
from publishing.models import JobStatus, PublishJob
from tests.support.clients import issue_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

V1 = "/api/v1"
WAIT = 20  # seconds any one step may take before the test calls it a hang


# --- forcing an interleaving ---------------------------------------------------------------


@contextmanager
def paused_after(action: str, *, thread: str):
    """While inside: the thread named `thread` stops just after recording the audit event
    `action` (through `audit.record` or `audit.record_many`; the first time only), sets
    `reached` and waits for `go_on`. Other threads, and other events, pass untouched."""
    reached, go_on = threading.Event(), threading.Event()
    real_record, real_record_many = audit.record, audit.record_many

    def stop_here(recorded) -> None:
        if threading.current_thread().name == thread and action in recorded and not reached.is_set():
            reached.set()
            go_on.wait(WAIT)

    def record(*args, **kwargs):
        event = real_record(*args, **kwargs)
        stop_here({args[0] if args else kwargs.get("action")})
        return event

    def record_many(events, *args, **kwargs):
        events = list(events)
        made = real_record_many(events, *args, **kwargs)
        stop_here({item.get("action") for item in events})
        return made

    with patch.object(audit, "record", record), patch.object(audit, "record_many", record_many):
        try:
            yield reached, go_on
        finally:
            go_on.set()


class _Request(threading.Thread):
    """One API call on its own thread (and so its own database connection)."""

    def __init__(self, name: str, call):
        super().__init__(name=name, daemon=True)
        self.call, self.outcome = call, None

    def run(self):
        try:
            self.outcome = self.call()
        except Exception as exc:  # noqa: BLE001 - a deadlock reaches the test client as an exception
            self.outcome = exc
        finally:
            connections.close_all()


def _until_it_waits_for_a_lock_or_is_done(request: _Request) -> None:
    """Until another connection to the test database waits for a lock (the paused first
    request waits on an Event, not a lock, so that is the second one), or `request` is done."""
    deadline = time.monotonic() + WAIT
    while request.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, "the second request neither waited for a lock nor finished"
        time.sleep(0.02)


def interleave(first, second, *, pause_after: str) -> tuple[object, object]:
    """Run `first` until it has recorded the audit event `pause_after` (its transaction still
    open), then `second` until it waits for a lock or is done, then let `first` go on. Returns
    what each returned (a response) or raised."""
    with paused_after(pause_after, thread="first") as (reached, go_on):
        one = _Request("first", first)
        one.start()
        deadline = time.monotonic() + WAIT
        while not reached.wait(0.02):
            if not one.is_alive() or time.monotonic() > deadline:
                go_on.set()
                one.join(WAIT)
                raise AssertionError(f"the first request never recorded {pause_after!r}: {describe(one.outcome)}")
        two = _Request("second", second)
        two.start()
        try:
            _until_it_waits_for_a_lock_or_is_done(two)
        finally:
            go_on.set()
            one.join(WAIT)
            two.join(WAIT)
    assert not one.is_alive() and not two.is_alive(), "a request hung"
    return one.outcome, two.outcome


# --- the API ---------------------------------------------------------------------------------


def describe(outcome) -> str:
    if outcome is None or isinstance(outcome, Exception):
        return repr(outcome)
    return f"{outcome.status_code} {outcome.content[:400]!r}"


def answered(outcome, *refusals: tuple[int, str]) -> bool:
    """True for a 2xx; False for a clean refusal, one of `refusals` ((status, code) pairs) in
    the API's error shape. Anything else (an exception such as a detected deadlock, a 500, an
    unexpected refusal) fails the test."""
    assert not isinstance(outcome, Exception), f"the request raised {outcome!r}"
    if outcome.status_code < 300:
        return True
    body = outcome.json() if outcome.get("Content-Type", "").startswith("application/json") else {}
    assert (outcome.status_code, body.get("code")) in refusals and body.get("detail"), describe(outcome)
    return False


def post_to(client, path: str, body: dict | None = None, *, expect: int = 200) -> dict:
    response = client.post(f"{V1}/{path}", body or {}, format="json")
    assert response.status_code == expect, (path, describe(response))
    return response.json()


def request(client, path: str, body: dict | None = None):
    """A call for a racing thread: the response (or what the client raised)."""
    return lambda: client.post(f"{V1}/{path}", body or {}, format="json")


def later(hours: int = 6) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def assert_chain_verifies():
    result = verify_chain()
    assert result.ok, result


def events(action: str, target_id) -> int:
    return AuditEvent.objects.filter(action=action, target_id=str(target_id)).count()


def assert_nothing_goes_out(post_id: int) -> Post:
    """Held, with at most one outbox row, which delivery does not send."""
    post = Post.objects.get(pk=post_id)
    assert post.state == PostState.HELD, (post.state, post.status_reason)
    jobs = list(PublishJob.objects.filter(post=post))
    assert len(jobs) <= 1, jobs
    for job in jobs:
        assert job.status in (JobStatus.PENDING, JobStatus.CANCELLED), job.status
        if job.status == JobStatus.PENDING:
            assert delivery.deliver(job.pk) not in ("done", "awaiting url")
    post.refresh_from_db()
    assert post.state == PostState.HELD, post.state
    return post


# --- data, made through the API --------------------------------------------------------------


class _OwnThreadClient(APIClient):
    """Django's test client keeps any exception signalled (`got_request_exception`, a global
    signal) while its request runs, whichever thread raised it: a request failing in one thread
    made the client waiting in the other raise the same exception. This one keeps only the
    exceptions of the thread its own request runs in."""

    def request(self, **kwargs):
        self._thread = threading.current_thread()
        return super().request(**kwargs)

    def store_exc_info(self, **kwargs):
        if threading.current_thread() is getattr(self, "_thread", None):
            super().store_exc_info(**kwargs)


@pytest.fixture
def as_user(demo):
    """`as_user("carol")`: an API client with carol's token (one per user, reused)."""
    clients = {}

    def get(username: str) -> APIClient:
        if username not in clients:
            token = issue_token(demo[username])
            clients[username] = _OwnThreadClient()
            clients[username].credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return clients[username]

    return get


def consent_for_patient_stories(as_user, person: str) -> dict:
    return post_to(
        as_user("carol"),
        "consents/",
        {
            "person_name": person,
            "channels": ["patient-stories"],
            "granted_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
            "document_reference": f"DMS-CONSENT-{person[:3].upper()}",
        },
        expect=201,
    )


def patient_story(as_user, consent: dict, *, scheduled_at: str | None = None, until: str) -> dict:
    """A post by alice on patient-stories citing `consent`, taken to `until`: "compliance"
    (rachel approved the channel review; carol's compliance sign-off is the last stage),
    "approved" or "scheduled"."""
    body = {"channel": "patient-stories", "body": "Joan's story, one year on.", "consent": consent["id"]}
    if scheduled_at:
        body["scheduled_at"] = scheduled_at
    post = post_to(as_user("alice"), "posts/", body, expect=201)
    post = post_to(as_user("alice"), f"posts/{post['id']}/submit/", {"version": post["version"]})
    post = post_to(as_user("rachel"), f"posts/{post['id']}/approve/", {"version": post["version"]})
    if until == "compliance":
        return post
    post = post_to(as_user("carol"), f"posts/{post['id']}/approve/", {"version": post["version"]})
    assert post["state"] == ("scheduled" if scheduled_at else "approved"), post["state"]
    if until == "scheduled" and not scheduled_at:
        post = post_to(
            as_user("rachel"), f"posts/{post['id']}/schedule/", {"version": post["version"], "scheduled_at": later()}
        )
    return post


def scheduled_on_mastodon(as_user) -> dict:
    """A post by dana on mastodon-main (dana manages it), approved by admin, scheduled ahead."""
    post = post_to(
        as_user("dana"),
        "posts/",
        {"channel": "mastodon-main", "body": "Clinic hours change.", "scheduled_at": later()},
        expect=201,
    )
    post = post_to(as_user("dana"), f"posts/{post['id']}/submit/", {"version": post["version"]})
    post = post_to(as_user("admin"), f"posts/{post['id']}/approve/", {"version": post["version"]})
    assert post["state"] == "scheduled", post["state"]
    return post


def crisis_on(as_user, slug: str, reason: str, *, by: str = "sam") -> dict:
    return post_to(as_user(by), f"channels/{slug}/crisis/", {"reason": reason}, expect=201)


# --- 1. revoking a consent racing the approval of a post citing it --------------------------


@pytest.mark.parametrize("paused", ["revocation", "approval"])
def test_a_consent_revoked_while_a_post_citing_it_is_approved_ends_with_the_post_held(demo, as_user, paused):
    """Carol gives the last approval of a scheduled patient story while admin revokes the
    consent it cites. `revocation`: the revocation is stopped after its audit event. Before the
    refactor it then held the chain head and had not locked the posts yet (its receiver did,
    after the event); the approval locked the post and waited for the head, and the revocation
    going on to the post deadlocked with it. `approval`: the approval is stopped after its
    event; the revocation waits, then finds the post scheduled. Either way both answer (the
    approval may be refused with a 409 if the post was held first), the post ends held, and
    nothing goes out with the revoked consent."""
    consent = consent_for_patient_stories(as_user, "Ana Ferreira")
    post = patient_story(as_user, consent, scheduled_at=later(), until="compliance")
    approve = request(as_user("carol"), f"posts/{post['id']}/approve/", {"version": post["version"]})
    revoke = request(
        as_user("admin"), f"consents/{consent['id']}/revoke/", {"version": consent["version"], "reason": "Withdrawn."}
    )
    if paused == "revocation":
        revoked, approved = interleave(revoke, approve, pause_after="governance.consent.revoke")
    else:
        approved, revoked = interleave(approve, revoke, pause_after="approvals.post.approve")

    assert answered(revoked), describe(revoked)
    approval_counted = answered(approved, (409, "transition_not_allowed"), (409, "stale_version"))
    assert Consent.objects.get(pk=consent["id"]).revoked_at is not None
    held = assert_nothing_goes_out(post["id"])
    assert held.held_from == (PostState.SCHEDULED if approval_counted else PostState.IN_REVIEW), held.held_from
    assert events("approvals.post.hold", post["id"]) == 1
    assert events("approvals.post.approve", post["id"]) == (2 if approval_counted else 1)
    assert ReviewDecision.objects.filter(post_id=post["id"], reviewer=demo["carol"]).count() == int(approval_counted)
    assert events("governance.consent.revoke", consent["id"]) == 1
    assert_chain_verifies()


# --- 1b. revoking a consent racing a post on its way out (schedule, release) -----------------


@pytest.mark.parametrize("paused", ["revocation", "going-out"])
@pytest.mark.parametrize("going_out", ["schedule", "release"])
def test_a_consent_revoked_while_a_post_citing_it_is_sent_on_its_way_ends_with_the_post_held(
    demo, as_user, going_out, paused
):
    """`schedule`: rachel schedules an approved patient story; `release`: dana (crisis team)
    releases one she held. Both check the consent without a lock, so a revocation stopped
    after its audit event is not seen; before the refactor the revocation had not locked the
    posts by then, the post action locked the post and waited for the chain head, and the
    revocation going on to the post deadlocked with it. Required: both answer (the post action
    may be refused: 409, or 400 `consent_required`), the post ends held and nothing goes out
    with the revoked consent."""
    consent = consent_for_patient_stories(as_user, "Lena Brandt")
    post = patient_story(as_user, consent, until="approved" if going_out == "schedule" else "scheduled")
    if going_out == "schedule":
        action = request(
            as_user("rachel"), f"posts/{post['id']}/schedule/", {"version": post["version"], "scheduled_at": later()}
        )
        event = "approvals.post.schedule"
    else:
        post = post_to(
            as_user("dana"), f"posts/{post['id']}/hold/", {"version": post["version"], "reason": "Checking."}
        )
        action = request(as_user("dana"), f"posts/{post['id']}/release/", {"version": post["version"]})
        event = "approvals.post.release"
    holds_before = events("approvals.post.hold", post["id"])
    revoke = request(
        as_user("admin"), f"consents/{consent['id']}/revoke/", {"version": consent["version"], "reason": "Withdrawn."}
    )
    if paused == "revocation":
        revoked, acted = interleave(revoke, action, pause_after="governance.consent.revoke")
    else:
        acted, revoked = interleave(action, revoke, pause_after=event)

    assert answered(revoked), describe(revoked)
    went = answered(acted, (409, "transition_not_allowed"), (409, "stale_version"), (400, "consent_required"))
    assert Consent.objects.get(pk=consent["id"]).revoked_at is not None
    held = assert_nothing_goes_out(post["id"])
    if going_out == "schedule":
        # Held once: by the revocation, from where the schedule left it (or did not).
        assert held.held_from == (PostState.SCHEDULED if went else PostState.APPROVED), held.held_from
        assert events("approvals.post.hold", post["id"]) == 1
    else:
        # Still dana's hold (the release refused), or released and held again by the revocation.
        assert held.held_from == PostState.SCHEDULED, held.held_from
        assert events("approvals.post.hold", post["id"]) == holds_before + int(went)
    assert events(event, post["id"]) == int(went)
    assert_chain_verifies()


# --- 2. a crisis starting as a post is submitted ---------------------------------------------


@pytest.mark.parametrize("paused", ["crisis", "submission"])
@pytest.mark.parametrize("scope", ["channel", "department", "organization"])
def test_a_post_submitted_as_a_crisis_is_declared_gets_the_crisis_team(demo, as_user, scope, paused):
    """`crisis`: the crisis (on x-news, on Public Affairs or on the organization) is stopped
    after its audit event, before it commits; the submission made then must wait for it and
    plan the crisis-team stage (it cannot see an uncommitted crisis, and the crisis, having
    seen a draft, would not reopen it). `submission`: the submission is stopped after its
    event; the crisis must wait and then reopen the review with the crisis team."""
    post = post_to(as_user("bob"), "posts/", {"channel": "x-news", "body": "Road works on Elm Street."}, expect=201)
    submit = request(as_user("bob"), f"posts/{post['id']}/submit/", {"version": post["version"]})
    if scope == "channel":
        start = request(as_user("dana"), "channels/x-news/crisis/", {"reason": "Storm"})
    else:
        start = request(
            as_user("dana"), "crises/", {"reason": "Storm", **({"department": "pr"} if scope == "department" else {})}
        )
    if paused == "crisis":
        crisis, submitted = interleave(start, submit, pause_after="governance.crisis.start")
    else:
        submitted, crisis = interleave(submit, start, pause_after="approvals.post.submit")

    assert answered(crisis) and crisis.status_code == 201, describe(crisis)
    assert answered(submitted), describe(submitted)
    stored = Post.objects.get(pk=post["id"])
    assert stored.state == PostState.IN_REVIEW, stored.state
    plan = list(ReviewStage.objects.filter(pk__in=stored.review_plan).values_list("slug", flat=True))
    assert "crisis-team" in plan, plan
    assert stored.current_stage_id in stored.review_plan
    assert CrisisIncident.objects.filter(pk=crisis.json()["id"], ended_at=None).exists()
    assert_chain_verifies()


# --- 3. a crisis starting as a manager holds a scheduled post --------------------------------


@pytest.mark.parametrize("paused", ["crisis", "hold"])
def test_a_crisis_starting_as_a_manager_holds_a_post_holds_it_once(demo, as_user, paused):
    """sam declares a crisis on mastodon-main while dana (its manager) holds a scheduled post
    there. Whichever is stopped after its audit event, the other waits; the post is held once,
    from scheduled; the hold answers 2xx or a clean 409 (the crisis held it first)."""
    post = scheduled_on_mastodon(as_user)
    hold = request(
        as_user("dana"), f"posts/{post['id']}/hold/", {"version": post["version"], "reason": "Checking facts"}
    )
    start = request(as_user("sam"), "channels/mastodon-main/crisis/", {"reason": "Account compromised"})
    if paused == "crisis":
        crisis, held_by_hand = interleave(start, hold, pause_after="governance.crisis.start")
    else:
        held_by_hand, crisis = interleave(hold, start, pause_after="approvals.post.hold")

    assert answered(crisis) and crisis.status_code == 201, describe(crisis)
    manager_won = answered(held_by_hand, (409, "transition_not_allowed"), (409, "stale_version"))
    stored = assert_nothing_goes_out(post["id"])
    assert stored.held_from == PostState.SCHEDULED, stored.held_from
    assert stored.version == post["version"] + 1, (stored.version, post["version"])
    assert events("approvals.post.hold", post["id"]) == 1
    assert (stored.status_reason == "Checking facts") == manager_won, stored.status_reason
    assert_chain_verifies()


# --- 4. a crisis starting as a post held by an earlier crisis is released --------------------


@pytest.mark.parametrize("paused", ["crisis", "release"])
@pytest.mark.parametrize("how", ["release", "release-held"])
def test_a_post_released_as_a_new_crisis_is_declared_stays_held(demo, as_user, how, paused):
    """A scheduled post on mastodon-main was held by a crisis that has ended. dana releases it
    (`posts/{id}/release/`, or `crises/{id}/release-held/` of the ended crisis) while sam
    declares a new crisis on the channel. `crisis`: the new crisis is stopped after its audit
    event, before it commits. Before the refactor the release read the active crises without
    waiting for it and sent the post back to scheduled, and the crisis (which had seen it
    held) left it there: scheduled under an active crisis. `release`: the release is stopped
    after its event; the crisis must wait for it and see it as released. A post a crisis held
    goes back to review when released (its approvals predate the crisis, issue 13). Required:
    nothing goes out while the new crisis is active: the release refused with 409
    `crisis_active` (still held), or released to review and reopened by the new crisis (its
    crisis-team stage in the plan)."""
    post = scheduled_on_mastodon(as_user)
    earlier = crisis_on(as_user, "mastodon-main", "Outage")
    post_to(as_user("sam"), f"crises/{earlier['id']}/end/", {})
    stored = Post.objects.get(pk=post["id"])
    assert stored.state == PostState.HELD and stored.held_from == PostState.SCHEDULED
    if how == "release":
        release = request(as_user("dana"), f"posts/{post['id']}/release/", {"version": stored.version})
    else:
        release = request(as_user("dana"), f"crises/{earlier['id']}/release-held/")
    start = request(as_user("sam"), "channels/mastodon-main/crisis/", {"reason": "Account compromised"})
    if paused == "crisis":
        crisis, released = interleave(start, release, pause_after="governance.crisis.start")
    else:
        released, crisis = interleave(release, start, pause_after="approvals.post.release")

    assert answered(crisis) and crisis.status_code == 201, describe(crisis)
    went = answered(released, (409, "crisis_active"))
    if went and how == "release-held":  # the batch answers 200 and lists what stayed held
        went = any(item["id"] == post["id"] for item in released.json()["released"])
        assert went or any(
            item["id"] == post["id"] and item["code"] == "crisis_active" for item in released.json()["skipped"]
        ), released.json()
    assert CrisisIncident.objects.filter(pk=crisis.json()["id"], ended_at=None).exists()
    if went:  # released to review, then reopened by the new crisis: its crisis team decides
        stored = Post.objects.get(pk=post["id"])
        assert stored.state == PostState.IN_REVIEW, (stored.state, stored.status_reason)
        assert "crisis-team" in [s.slug for s in ReviewStage.objects.filter(pk__in=stored.review_plan)]
        for job in PublishJob.objects.filter(post=stored):
            assert job.status != JobStatus.PENDING or delivery.deliver(job.pk) not in ("done", "awaiting url")
        assert events("approvals.post.reopen", post["id"]) == 1
    else:
        stored = assert_nothing_goes_out(post["id"])
        assert stored.held_from == PostState.SCHEDULED, stored.held_from
    assert events("approvals.post.release", post["id"]) == int(went)
    assert events("approvals.post.hold", post["id"]) == 1
    assert_chain_verifies()


# --- 5. ending a crisis as what it held is released ------------------------------------------


def test_releasing_what_a_crisis_held_as_it_ends_gives_one_outcome(demo, as_user):
    """sam ends the crisis on mastodon-main (stopped after its audit event, not yet committed)
    while dana asks to release what it held. The release sees the crisis active (409
    `crisis_active`, the post stays held) or waits for the end and releases the post; never
    an error, never a post released while its crisis is still on. This held before the
    refactor too: a guarantee to keep. Released, the post goes back to review (issue 13)."""
    post = scheduled_on_mastodon(as_user)
    crisis = crisis_on(as_user, "mastodon-main", "Outage")
    end = request(as_user("sam"), f"crises/{crisis['id']}/end/", {"note": "Resolved"})
    release = request(as_user("dana"), f"crises/{crisis['id']}/release-held/")
    ended, release_held = interleave(end, release, pause_after="governance.crisis.end")

    assert answered(ended), describe(ended)
    released = answered(release_held, (409, "crisis_active"))
    assert not CrisisIncident.objects.get(pk=crisis["id"]).is_active
    stored = Post.objects.get(pk=post["id"])
    if released:
        assert [item["id"] for item in release_held.json()["released"]] == [post["id"]], release_held.json()
        assert stored.state == PostState.IN_REVIEW, stored.state
    else:
        assert stored.state == PostState.HELD, stored.state
        # Nothing is stuck: asked again, now that the end has committed, it is released.
        again = post_to(as_user("dana"), f"crises/{crisis['id']}/release-held/")
        assert [item["id"] for item in again["released"]] == [post["id"]], again
        stored.refresh_from_db()
        assert stored.state == PostState.IN_REVIEW, stored.state
    assert stored.current_stage.slug == "channel-review"
    assert events("approvals.post.release", post["id"]) == 1
    assert_chain_verifies()


# --- 6. revoking a consent as delivery sends a post citing it --------------------------------


@pytest.mark.parametrize("paused", ["revocation", "delivery"])
def test_a_consent_revoked_as_delivery_sends_a_post_citing_it_gives_one_outcome(demo, as_user, paused):
    """A scheduled patient story is due; delivery (the worker's `deliver`) locks its job and
    the post, checks the consent, then takes the chain head; admin revokes the consent.
    `revocation`: the revocation is stopped after its audit event; before the refactor it had
    not locked the posts by then, delivery (not seeing the uncommitted revocation) waited for
    the head, and the revocation going on to the post deadlocked with it. Required: delivery
    does not send the post (held, its job not done). `delivery`: delivery is stopped after the
    post's publish event; the revocation waits, and the post, which went out, becomes a
    retraction request for the channel's managers. This order deadlocked too: delivery updates
    the post twice in its transaction (publishing, then published), so at COMMIT PostgreSQL
    checks the post's deferred foreign keys, taking FOR KEY SHARE on the consent row, which the
    revocation held FOR UPDATE while it waited for the head delivery held. Either way, no
    error."""
    consent = consent_for_patient_stories(as_user, "Ines Moreau")
    post = patient_story(as_user, consent, scheduled_at=later(), until="scheduled")
    due = timezone.now() - timedelta(minutes=1)
    Post.objects.filter(pk=post["id"]).update(scheduled_at=due)  # its time has come
    (job,) = PublishJob.objects.filter(post_id=post["id"])
    PublishJob.objects.filter(pk=job.pk).update(due_at=due)

    def send():
        return delivery.deliver(job.pk)

    revoke = request(
        as_user("admin"), f"consents/{consent['id']}/revoke/", {"version": consent["version"], "reason": "Withdrawn."}
    )
    if paused == "revocation":
        revoked, sent = interleave(revoke, send, pause_after="governance.consent.revoke")
    else:
        sent, revoked = interleave(send, revoke, pause_after="approvals.post.publish")

    assert answered(revoked), describe(revoked)
    assert not isinstance(sent, Exception), f"delivery raised {sent!r}"
    assert Consent.objects.get(pk=consent["id"]).revoked_at is not None
    if paused == "revocation":
        assert sent != "done", sent
        assert_nothing_goes_out(post["id"])
        job.refresh_from_db()
        assert job.status in (JobStatus.CANCELLED, JobStatus.PENDING), job.status
        assert events("approvals.post.mark_published", post["id"]) == 0
        assert not RetractionRequest.objects.filter(post_id=post["id"]).exists()
    else:
        job.refresh_from_db()
        assert sent == "done" and job.status == JobStatus.DONE, (sent, job.status)
        assert Post.objects.get(pk=post["id"]).state == PostState.PUBLISHED
        (retraction,) = RetractionRequest.objects.filter(post_id=post["id"], done_at=None)
        assert retraction.consent_id == consent["id"]
    assert_chain_verifies()
