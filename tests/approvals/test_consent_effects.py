"""What consent does to posts: citing one, what may not go out without a valid one, and what
revoking one does to the posts that cite it."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from approvals import actions
from approvals.models import PolicyCheck, Post, PostState, RetractionRequest, ReviewDecision
from audit.models import AuditEvent
from core.errors import PermissionDenied, ValidationFailed
from governance import actions as governance_actions
from governance.models import Channel, Department
from tests.support.clients import token_client
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def events(action, target=None):
    found = AuditEvent.objects.filter(action=action).order_by("seq")
    return list(found.filter(target_id=str(target.pk)) if target is not None else found)


def new_consent(demo, *channels, person="Ana Ferreira", **dates):
    return governance_actions.record_consent(
        actor=demo["carol"],
        person_name=person,
        channels=channels or [Channel.objects.get(slug="patient-stories")],
        granted_on=dates.get("granted_on", timezone.localdate() - timedelta(days=10)),
        expires_on=dates.get("expires_on"),
        document_reference=f"DMS-CONSENT-{person[:3].upper()}",
    )


def revoke(demo, consent, reason="She withdrew her consent by letter."):
    return actions.revoke_consent(consent, actor=demo["carol"], expected_version=consent.version, reason=reason)


@pytest.fixture
def mia(demo):
    """A manager of Marketing, which owns patient-stories (the demo has none)."""
    user = get_user_model().objects.create_user("mia", email="mia@stmarys.example.org", password="x")
    governance_actions.add_department_member(
        Department.objects.get(slug="marketing"), actor=None, user=user, role="managers"
    )
    return user


def reviewed(demo, channel, consent, *, body="Joan's story, one year on.", scheduled_at=None):
    """A post by alice on patient-stories through both stages (channel review, compliance)."""
    post = actions.create_post(actor=demo["alice"], channel=channel, body=body, consent=consent)
    if scheduled_at:
        post = actions.edit_post(post, actor=demo["alice"], expected_version=post.version, scheduled_at=scheduled_at)
    post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
    post = actions.approve(post, actor=demo["rachel"], expected_version=post.version)
    return actions.approve(post, actor=demo["carol"], expected_version=post.version)


def published(demo, channel, consent, **kwargs):
    post = reviewed(demo, channel, consent, **kwargs)
    post = actions.publish_now(post, actor=demo["rachel"], expected_version=post.version)
    return actions.mark_published(post, actor=None, remote_url="https://stories.stmarys.example.org/joan")


class TestRevocation:
    @pytest.mark.parametrize("state", ["in_review", "approved", "scheduled", "failed", "publishing"])
    def test_unpublished_posts_are_held_where_they_were(self, demo, make_post, state):
        consent = new_consent(demo)
        extra = {"scheduled_at": timezone.now() + timedelta(days=2)} if state == "scheduled" else {}
        post = make_post(state, consent=consent, **extra)
        bystander = make_post(state, **extra)  # cites the demo's other consent
        revoke(demo, consent)

        post.refresh_from_db()
        assert post.state == PostState.HELD and post.held_from == state and post.version == 2
        # Everyone who sees the post reads its status: it does not say whose consent, nor where the form is.
        assert post.status_reason == "Held: The consent it cites was revoked."
        [hold] = events("approvals.post.hold", post)
        assert hold.actor_id is None and hold.data["before"]["state"] == state
        bystander.refresh_from_db()
        assert bystander.state == state
        assert not RetractionRequest.objects.exists()

    @pytest.mark.parametrize("state", ["draft", "changes_requested", "rejected", "withdrawn", "retracted", "held"])
    def test_other_posts_keep_their_state(self, demo, make_post, state):
        consent = new_consent(demo)
        post = make_post(state, consent=consent)
        revoke(demo, consent)
        post.refresh_from_db()
        assert post.state == state and post.version == 1
        assert not events("approvals.post.hold", post) and not RetractionRequest.objects.exists()

    def test_a_held_post_stays_held_until_it_cites_a_valid_consent(self, demo, make_post, consent):
        revoked = new_consent(demo)
        post = make_post("approved", consent=revoked)
        revoke(demo, revoked)
        post.refresh_from_db()
        with pytest.raises(ValidationFailed) as exc:
            actions.release(post, actor=demo["dana"], expected_version=post.version)
        assert exc.value.code == "consent_required" and "revoked" in exc.value.errors["consent"][0]
        # The author cites another consent: back to draft, for a new review.
        post = actions.edit_post(post, actor=demo["alice"], expected_version=post.version, consent=consent)
        assert post.state == PostState.DRAFT and post.consent == consent

    def test_published_posts_become_retraction_requests_for_the_managers(
        self, demo, channel, mia, django_capture_on_commit_callbacks
    ):
        consent = new_consent(demo, person="Joan Whitaker")
        post = published(demo, channel, consent)
        draft = actions.create_post(actor=demo["alice"], channel=channel, body="Draft", consent=consent)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            revoke(demo, consent, reason="She asked us to take her story down.")

        post.refresh_from_db()
        assert post.state == PostState.PUBLISHED  # still live: a person takes it down
        [request] = RetractionRequest.objects.all()
        assert (request.post, request.consent, request.done_at) == (post, consent, None)
        assert "Joan Whitaker" not in request.reason and "take her story down" in request.reason
        [event] = events("approvals.post.request_retraction", post)
        assert event.data["retraction_request_id"] == request.pk and event.data["consent_id"] == consent.pk
        # The channel's managers are told, nobody else.
        retract_mail = [m for m in mail.outbox if "Retract" in m.subject]
        assert [m.to for m in retract_mail] == [["mia@stmarys.example.org"]]
        assert "https://stories.stmarys.example.org/joan" in retract_mail[0].body
        assert "DMS-CONSENT-JOA" not in retract_mail[0].body  # no consent details leave the portal
        assert "Joan Whitaker" not in retract_mail[0].body and "take her story down" not in retract_mail[0].body
        assert Post.objects.get(pk=draft.pk).state == PostState.DRAFT

        # Retracting the post completes the request.
        with pytest.raises(PermissionDenied):
            actions.retract(post, actor=demo["rachel"], expected_version=post.version, reason="Taken down.")
        post = actions.retract(post, actor=mia, expected_version=post.version, reason="Taken down on the blog.")
        request.refresh_from_db()
        assert request.done_by == mia and request.done_at is not None
        assert events("approvals.post.retract", post)[-1].data["retraction_requests_done"] == [request.pk]

    def test_revocation_is_atomic_with_its_effects(self, demo, make_post, monkeypatch):
        consent = new_consent(demo)
        post = make_post("scheduled", consent=consent, scheduled_at=timezone.now() + timedelta(days=1))

        def broken(*args, **kwargs):
            raise RuntimeError("receiver failed")

        monkeypatch.setattr(actions.consent, "request_retraction", broken)
        published_post = make_post("published", consent=consent)
        with pytest.raises(RuntimeError):
            revoke(demo, consent)
        consent.refresh_from_db()
        post.refresh_from_db()
        assert consent.revoked_at is None and post.state == PostState.SCHEDULED
        published_post.refresh_from_db()
        assert not events("governance.consent.revoke", consent) and published_post.state == PostState.PUBLISHED
        assert not RetractionRequest.objects.exists()


class TestRetractionRequestsApi:
    def test_who_sees_which_request(self, api_as, demo, channel, mia, consent):
        revoked = new_consent(demo)
        post = published(demo, channel, revoked)
        published(demo, channel, consent)  # its consent stays valid: no request
        revoke(demo, revoked)
        mia_client = token_client(mia)
        [row] = mia_client.get(f"{V1}/retraction-requests/").json()["results"]
        assert row["post"] == post.pk and row["channel"] == "patient-stories" and row["state"] == "published"
        assert row["consent"] == revoked.pk and row["document_reference"] == "DMS-CONSENT-ANA"
        assert row["done_at"] is None
        assert len(api_as("carol").get(f"{V1}/retraction-requests/").json()["results"]) == 1  # compliance: all
        assert api_as("rachel").get(f"{V1}/retraction-requests/").json()["results"] == []  # reviews, not manages
        assert api_as("dana").get(f"{V1}/retraction-requests/").json()["results"] == []  # manages other channels
        assert mia_client.get(f"{V1}/retraction-requests/", {"done": "true"}).json()["results"] == []

        retracted = mia_client.post(
            f"{V1}/posts/{post.pk}/retract/", {"version": post.version, "reason": "Down."}, format="json"
        )
        assert retracted.status_code == 200, retracted.content
        assert mia_client.get(f"{V1}/retraction-requests/").json()["results"] == []
        [done] = mia_client.get(f"{V1}/retraction-requests/", {"done": "true"}).json()["results"]
        assert done["done_by"] == "mia" and done["state"] == "retracted"

    def test_constant_queries(self, api_as, demo, make_post):
        client = api_as("carol")

        def measured():
            measured = queries_of(lambda: client.get(f"{V1}/retraction-requests/"))
            assert measured.result.status_code == 200
            return measured, measured.result.json()["results"]

        first = new_consent(demo, person="First")
        make_post("published", consent=first)
        revoke(demo, first)
        one, rows = measured()
        assert len(rows) == 1
        more = new_consent(demo, person="More")
        for _ in range(19):
            make_post("published", consent=more)
        revoke(demo, more)
        twenty, rows = measured()
        assert len(rows) == 20
        assert_same_queries(one, twenty)


class TestNothingGoesOutWithoutConsent:
    def test_schedule_publish_retry_and_release_are_refused(self, demo, make_post):
        rachel, dana, later = demo["rachel"], demo["dana"], timezone.now() + timedelta(days=1)
        refusals = [
            lambda p: actions.schedule(p, actor=rachel, expected_version=p.version, scheduled_at=later),
            lambda p: actions.publish_now(p, actor=rachel, expected_version=p.version),
        ]
        for refuse in refusals:
            post = make_post("approved", consent=None)
            with pytest.raises(ValidationFailed) as exc:
                refuse(post)
            assert exc.value.code == "consent_required" and "consent" in exc.value.errors
            post.refresh_from_db()
            assert post.state == PostState.APPROVED and post.version == 1
        post = make_post("scheduled", consent=None, scheduled_at=later)
        with pytest.raises(ValidationFailed):
            actions.publish_now(post, actor=rachel, expected_version=post.version)
        post = make_post("failed", consent=None)
        with pytest.raises(ValidationFailed):
            actions.retry(post, actor=rachel, expected_version=post.version)
        for held_from in ("approved", "scheduled", "failed"):
            post = make_post("held", consent=None, held_from=held_from, scheduled_at=later)
            with pytest.raises(ValidationFailed):
                actions.release(post, actor=dana, expected_version=post.version)
        # A review held mid-way may resume without one: reviewing needs no consent.
        post = make_post("held", consent=None, held_from="in_review")
        assert actions.release(post, actor=dana, expected_version=post.version).state == PostState.IN_REVIEW

    def test_an_expired_consent_or_one_ending_before_the_time_is_refused(self, demo, make_post, delivered):
        rachel = demo["rachel"]
        today = timezone.localdate()
        expired = new_consent(demo, person="Old", granted_on=today - timedelta(400), expires_on=today - timedelta(1))
        post = make_post("approved", consent=expired)
        with pytest.raises(ValidationFailed) as exc:
            actions.publish_now(post, actor=rachel, expected_version=post.version)
        assert "expired" in exc.value.detail
        ending = new_consent(demo, person="Ending", expires_on=today + timedelta(days=3))
        post = make_post("approved", consent=ending)
        with pytest.raises(ValidationFailed):
            actions.schedule(
                post, actor=rachel, expected_version=post.version, scheduled_at=timezone.now() + timedelta(days=10)
            )
        post = actions.schedule(
            post, actor=rachel, expected_version=post.version, scheduled_at=timezone.now() + timedelta(days=1)
        )
        assert post.state == PostState.SCHEDULED and delivered == [(post.pk, PostState.SCHEDULED)]

    def test_the_api_answers_400_with_the_consent_error(self, api_as, demo, make_post):
        post = make_post("approved", consent=None)
        response = api_as("rachel").post(f"{V1}/posts/{post.pk}/publish/", {"version": post.version}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "consent_required" and body["errors"]["consent"]
        assert "must cite the consent" in body["detail"]

    def test_the_final_approval_lands_on_approved_not_scheduled(self, demo, channel, consent, delivered):
        later = timezone.now() + timedelta(days=2)
        post = reviewed(demo, channel, None, scheduled_at=later)
        assert post.state == PostState.APPROVED and post.scheduled_at == later
        assert "cannot go out without a valid consent" in post.status_reason
        assert delivered == []
        assert events("approvals.post.approve", post)[-1].data["consent_problem"]
        # With a valid consent the same approval schedules it.
        post = reviewed(demo, channel, consent, scheduled_at=later)
        assert post.state == PostState.SCHEDULED and post.status_reason == ""
        assert delivered == [(post.pk, PostState.SCHEDULED)]

    def test_a_post_is_drafted_submitted_and_reviewed_without_consent_with_a_warning(self, api_as, demo, channel):
        alice = api_as("alice")
        made = alice.post(f"{V1}/posts/", {"channel": "patient-stories", "body": "Our volunteers."}, format="json")
        assert made.status_code == 201 and made.json()["consent"] is None
        [finding] = [f for f in made.json()["findings"] if f["rule"] == "consent"]
        assert finding["severity"] == "warn"
        post_id = made.json()["id"]
        submitted = alice.post(f"{V1}/posts/{post_id}/submit/", {"version": 1}, format="json")
        assert submitted.status_code == 200 and submitted.json()["state"] == "in_review"
        check = PolicyCheck.objects.get(revision_id=submitted.json()["revision"]["id"])
        assert [f["severity"] for f in check.findings if f["rule"] == "consent"] == ["warn"]


class TestCiting:
    def test_citing_through_the_api(self, api_as, demo, consent):
        alice = api_as("alice")
        body = {"channel": "patient-stories", "body": "Joan's story.", "consent": consent.pk}
        made = alice.post(f"{V1}/posts/", body, format="json")
        assert made.status_code == 201, made.content
        assert made.json()["consent"] == {
            "cited": True,
            "id": consent.pk,
            "person_name": "Joan Whitaker",
            "document_reference": consent.document_reference,
            "valid": True,
            "problem": None,
        }
        assert [f for f in made.json()["findings"] if f["rule"] == "consent"] == []
        assert events("approvals.post.create")[-1].data["consent_id"] == consent.pk

        channels = {c.slug: c for c in Channel.objects.all()}
        other = new_consent(demo, channels["youtube-main"], person="Video")  # alice cannot see it
        both = new_consent(demo, channels["research-blog"], person="Research")
        dana = api_as("dana")  # sees both (she manages their channels)
        wrong = dana.post(f"{V1}/posts/", {"channel": "youtube-main", "body": "x", "consent": both.pk}, format="json")
        assert wrong.status_code == 400 and "does not cover" in wrong.json()["errors"]["consent"][0]
        for consent_id in (other.pk, 999999):
            hidden = alice.post(f"{V1}/posts/", {**body, "consent": consent_id}, format="json")
            assert hidden.status_code == 400 and hidden.json()["errors"]["consent"] == ["No such consent."]
        revoked = revoke(demo, new_consent(demo, person="Gone"))
        refused = alice.post(f"{V1}/posts/", {**body, "consent": revoked.pk}, format="json")
        assert refused.status_code == 400 and "revoked" in refused.json()["errors"]["consent"][0]
        expired = alice.post(f"{V1}/posts/", {**body, "consent": None}, format="json")
        assert expired.status_code == 201 and expired.json()["consent"] is None
        assert Post.objects.filter(consent__in=[other, both, revoked]).count() == 0

    def test_changing_the_consent_of_an_approved_post_sends_it_back_to_draft(self, api_as, demo, channel, consent):
        post = reviewed(demo, channel, consent)
        assert post.state == PostState.APPROVED
        revision, decisions = post.current_revision_id, ReviewDecision.objects.filter(post=post).count()
        assert decisions == 2
        other = new_consent(demo, person="Joan W. (renewed)")
        alice = api_as("alice")
        url = f"{V1}/posts/{post.pk}/"
        same = alice.patch(url, {"version": post.version, "consent": consent.pk}, format="json")
        assert same.status_code == 200 and same.json()["version"] == post.version  # nothing changed
        changed = alice.patch(url, {"version": post.version, "consent": other.pk}, format="json")
        assert changed.status_code == 200, changed.content
        body = changed.json()
        assert body["state"] == "draft" and body["consent"]["id"] == other.pk
        assert body["revision"]["id"] == revision  # the content did not change: no new revision
        assert ReviewDecision.objects.filter(post=post, voided_at__isnull=True).count() == 0
        event = events("approvals.post.edit", post)[-1]
        assert event.data["changed"] == ["consent"]
        assert event.data["consent_id"] == {"before": consent.pk, "after": other.pk}
        # Citing none is a change too.
        cleared = alice.patch(url, {"version": body["version"], "consent": None}, format="json")
        assert cleared.json()["consent"] is None and cleared.json()["version"] == body["version"] + 1

    def test_the_consent_is_not_part_of_the_content_hash(self, demo, channel, consent):
        with_consent = actions.create_post(actor=demo["alice"], channel=channel, body="Same words", consent=consent)
        without = actions.create_post(actor=demo["alice"], channel=channel, body="Same words")
        assert with_consent.current_revision.content_hash == without.current_revision.content_hash

    def test_the_post_detail_says_why_a_cited_consent_does_not_cover_it(self, api_as, demo, make_post):
        ended = new_consent(demo, granted_on=date(2024, 1, 1), expires_on=date(2025, 1, 1))
        post = make_post("draft", consent=ended)
        detail = api_as("alice").get(f"{V1}/posts/{post.pk}/").json()
        assert detail["consent"]["valid"] is False and "expired on 2025-01-01" in detail["consent"]["problem"]
        assert any(f["rule"] == "consent" and "expired" in f["message"] for f in detail["findings"])


def test_the_demo_cites_the_valid_consent(demo):
    from approvals.demo import seed_posts
    from governance.demo import VALID_CONSENT_REFERENCE

    seed_posts()
    stories = Post.objects.filter(channel__slug="patient-stories")
    going_out = stories.filter(state__in=["approved", "scheduled", "publishing", "published"])
    assert going_out.exists()
    assert {p.consent.document_reference for p in going_out} == {VALID_CONSENT_REFERENCE}
    assert stories.filter(consent__document_reference=VALID_CONSENT_REFERENCE, state="in_review").exists()
