"""The consent registry: validity, who may record, correct and revoke a consent, who sees it,
and its API."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from approvals import actions as approvals_actions
from audit.models import AuditEvent
from core import cache
from core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from governance import actions, selectors
from governance.demo import VALID_CONSENT_REFERENCE
from governance.models import Channel, Consent
from tests.support.queries import assert_same_queries, exact_queries, queries_of

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
TODAY = date(2026, 3, 10)


@pytest.fixture
def channels(demo):
    return {c.slug: c for c in Channel.objects.all()}


def record(actor, channels, *, person="Ana Ferreira", granted_on=None, expires_on=None, **extra):
    return actions.record_consent(
        actor=actor,
        person_name=person,
        channels=channels,
        granted_on=granted_on or timezone.localdate() - timedelta(days=1),
        expires_on=expires_on,
        document_reference=extra.pop("document_reference", "DMS-CONSENT-0900"),
        **extra,
    )


def last_event(action):
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


class TestValidity:
    def test_dates_scope_and_revocation(self, demo, channels):
        stories, news = channels["patient-stories"], channels["x-news"]
        consent = record(
            demo["carol"], [stories], granted_on=date(2026, 1, 1), expires_on=date(2026, 12, 31), person="Ana"
        )
        assert consent.problem_on(TODAY, stories) is None
        assert consent.problem_on(date(2026, 1, 1), stories) is None  # from the day it is granted
        assert consent.problem_on(date(2026, 12, 31), stories) is None  # to the day it expires, inclusive
        assert "starts on 2026-01-01" in consent.problem_on(date(2025, 12, 31), stories)
        assert "expired on 2026-12-31" in consent.problem_on(date(2027, 1, 1), stories)
        assert "does not cover St. Mary's News on X" in consent.problem_on(TODAY, news)
        assert consent.problem_on(TODAY) is None  # without a channel: dates and revocation only

        approvals_actions.revoke_consent(
            consent, actor=demo["carol"], expected_version=consent.version, reason="Withdrawn."
        )
        consent.refresh_from_db()
        assert "was revoked" in consent.problem_on(TODAY, stories)
        assert "was revoked" in consent.problem_on(TODAY)

    def test_a_consent_without_expiry_never_expires(self, demo, channels):
        consent = record(demo["carol"], [channels["patient-stories"]], granted_on=date(2020, 1, 1))
        assert consent.problem_on(date(2099, 1, 1), channels["patient-stories"]) is None

    def test_sql_validity_matches_problem_on(self, demo, channels):
        stories = channels["patient-stories"]
        today = timezone.localdate()
        carol = demo["carol"]
        current = record(carol, [stories], person="Current", granted_on=today, expires_on=today)
        record(carol, [stories], person="Future", granted_on=today + timedelta(days=1))
        record(carol, [stories], person="Expired", granted_on=today - timedelta(9), expires_on=today - timedelta(1))
        endless = record(carol, [stories], person="Endless", granted_on=today - timedelta(days=900))
        revoked = record(carol, [stories], person="Revoked")
        approvals_actions.revoke_consent(revoked, actor=carol, expected_version=1, reason="Asked us to stop.")
        ours = Consent.objects.filter(person_name__in=["Current", "Future", "Expired", "Endless", "Revoked"])
        valid = set(ours.filter(selectors.valid_consents_q(today)).values_list("person_name", flat=True))
        assert valid == {"Current", "Endless"}
        assert {c.person_name for c in ours if c.problem_on(today) is None} == valid
        assert set(ours.filter(selectors.valid_consents_q(today))) == {current, endless}

    def test_the_demo_registry(self, demo, channels):
        today = timezone.localdate()
        by_ref = {c.document_reference: c for c in Consent.objects.all()}
        assert len(by_ref) == 3
        assert by_ref[VALID_CONSENT_REFERENCE].problem_on(today, channels["patient-stories"]) is None
        problems = sorted(c.problem_on(today) or "" for c in by_ref.values())
        assert problems[0] == "" and "expired" in problems[1] + problems[2] and "revoked" in problems[1] + problems[2]
        assert {c.recorded_by.username for c in by_ref.values()} == {"carol"}
        assert channels["patient-stories"].requires_consent
        assert not channels["x-news"].requires_consent


class TestWhoMayChangeTheRegistry:
    def test_compliance_officers_record_anywhere_and_it_is_audited(self, demo, channels):
        consent = record(
            demo["carol"],
            [channels["patient-stories"], channels["youtube-main"]],
            notes="Diagnosed with type 1 diabetes at 12; see chart.",
        )
        assert consent.recorded_by == demo["carol"] and consent.version == 1
        assert sorted(c.slug for c in consent.channels.all()) == ["patient-stories", "youtube-main"]
        event = last_event("governance.consent.record")
        assert event.actor_id == demo["carol"].pk and event.target_id == str(consent.pk)
        assert event.data["after"]["person_name"] == "Ana Ferreira"
        assert event.data["after"]["channels"] == ["patient-stories", "youtube-main"]
        assert "diabetes" not in str(event.data)  # notes stay out of the audit log

    def test_managers_of_every_channel_in_scope(self, demo, channels):
        dana = demo["dana"]  # manages the social-center channels
        consent = record(dana, [channels["youtube-main"], channels["podcast"]])
        assert consent.pk
        with pytest.raises(PermissionDenied):
            record(dana, [channels["youtube-main"], channels["patient-stories"]])
        with pytest.raises(PermissionDenied):
            record(demo["alice"], [channels["patient-stories"]])  # an author of the channel
        with pytest.raises(PermissionDenied):
            record(demo["rachel"], [channels["patient-stories"]])  # a reviewer of the channel
        # Widening the scope to a channel dana does not manage is refused; narrowing is fine.
        with pytest.raises(PermissionDenied):
            actions.update_consent(
                consent, actor=dana, expected_version=1, channels=[channels["youtube-main"], channels["x-news"]]
            )
        consent = actions.update_consent(consent, actor=dana, expected_version=1, channels=[channels["podcast"]])
        assert [c.slug for c in consent.channels.all()] == ["podcast"]
        # A consent covering a channel she does not manage is not hers to change or revoke.
        carols = record(demo["carol"], [channels["youtube-main"], channels["patient-stories"]])
        with pytest.raises(PermissionDenied):
            actions.update_consent(carols, actor=dana, expected_version=1, notes="x")
        with pytest.raises(PermissionDenied):
            approvals_actions.revoke_consent(carols, actor=dana, expected_version=1, reason="x")
        assert Consent.objects.get(pk=carols.pk).revoked_at is None

    def test_validation(self, demo, channels):
        carol, stories = demo["carol"], channels["patient-stories"]
        with pytest.raises(ValidationFailed) as exc:
            record(carol, [])
        assert "channels" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            record(carol, [stories], granted_on=date(2026, 5, 1), expires_on=date(2026, 4, 30))
        assert "expires_on" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            record(carol, [stories], person="  ", document_reference="")
        assert set(exc.value.errors) == {"person_name", "document_reference"}
        with pytest.raises(ValidationFailed):
            actions.record_consent(
                actor=None, person_name="A", channels=[stories], granted_on=TODAY, document_reference="D"
            )
        assert not Consent.objects.filter(person_name="Ana Ferreira").exists()


class TestUpdateAndRevoke:
    def test_update_bumps_the_version_and_audits_what_changed(self, demo, channels):
        carol = demo["carol"]
        consent = record(carol, [channels["patient-stories"]], notes="first")
        consent = actions.update_consent(
            consent, actor=carol, expected_version=1, expires_on=date(2030, 1, 1), notes="Signed copy scanned."
        )
        assert consent.version == 2 and consent.expires_on == date(2030, 1, 1)
        event = last_event("governance.consent.update")
        assert event.data["before"] == {"expires_on": None} and event.data["after"] == {"expires_on": "2030-01-01"}
        assert event.data["notes_changed"] is True and "Signed copy" not in str(event.data)
        # Nothing changed: no new version, no event.
        same = actions.update_consent(consent, actor=carol, expected_version=2, notes="Signed copy scanned.")
        assert same.version == 2 and AuditEvent.objects.filter(action="governance.consent.update").count() == 1

    def test_stale_versions_and_revoked_consents_are_conflicts(self, demo, channels):
        carol = demo["carol"]
        consent = record(carol, [channels["patient-stories"]])
        with pytest.raises(StaleVersion):
            actions.update_consent(consent, actor=carol, expected_version=7, notes="x")
        with pytest.raises(StaleVersion):
            approvals_actions.revoke_consent(consent, actor=carol, expected_version=7, reason="x")
        with pytest.raises(ValidationFailed) as exc:
            approvals_actions.revoke_consent(consent, actor=carol, expected_version=1, reason="   ")
        assert "reason" in exc.value.errors
        consent = approvals_actions.revoke_consent(
            consent, actor=carol, expected_version=1, reason="Called to withdraw."
        )
        assert consent.version == 2 and consent.revoked_by == carol and consent.is_revoked
        with pytest.raises(Conflict) as exc:
            approvals_actions.revoke_consent(consent, actor=carol, expected_version=2, reason="again")
        assert exc.value.code == "consent_revoked"
        with pytest.raises(Conflict):
            actions.update_consent(consent, actor=carol, expected_version=2, notes="x")

    def test_revocation_is_audited_and_holds_the_citing_posts_in_the_same_transaction(self, demo, channels):
        carol, alice = demo["carol"], demo["alice"]
        consent = record(carol, [channels["patient-stories"]], person="Tom Hale")
        post = approvals_actions.create_post(
            actor=alice, channel=channels["patient-stories"], body="Tom's recovery story.", consent=consent
        )
        post = approvals_actions.submit(post, actor=alice, expected_version=post.version)
        approvals_actions.revoke_consent(consent, actor=carol, expected_version=1, reason="Family request.")
        event = last_event("governance.consent.revoke")
        assert event.actor_id == carol.pk
        assert event.data["reason"] == "Family request." and event.data["person_name"] == "Tom Hale"
        post.refresh_from_db()
        assert post.state == "held"
        hold = last_event("approvals.post.hold")
        assert hold.target_id == str(post.pk) and hold.seq == event.seq + 1  # right after it, by the system
        assert hold.actor_id is None


class TestVisibility:
    def test_who_sees_which_consent(self, demo, channels):
        stories = record(demo["carol"], [channels["patient-stories"]], person="Stories only")
        video = record(demo["carol"], [channels["youtube-main"]], person="Video only")

        def seen(username):
            names = selectors.consents_visible_to(demo[username]).values_list("person_name", flat=True)
            return set(names) & {"Stories only", "Video only"}

        assert seen("carol") == {"Stories only", "Video only"}  # compliance: everything
        assert seen("admin") == {"Stories only", "Video only"}
        assert seen("alice") == {"Stories only"}  # drafts on patient-stories
        assert seen("rachel") == {"Stories only"}  # reviews it
        assert seen("dana") == {"Video only"}  # manages youtube-main
        assert seen("bob") == set()
        assert seen("sam") == set()  # the crisis team sees every channel, but drafts, reviews and manages none
        assert selectors.consent_for(demo["alice"], stories.pk) == stories
        with pytest.raises(Exception) as exc:
            selectors.consent_for(demo["alice"], video.pk)
        assert exc.value.status_code == 404

    def test_one_query(self, demo):
        alice = demo["alice"]
        cache.answers(alice)["roles"] = frozenset()  # nothing cached that the query could lean on
        with exact_queries(1):
            list(selectors.consents_visible_to(alice).values_list("pk", flat=True))


class TestApi:
    def body(self, **fields):
        return {
            "person_name": "Lena Brandt",
            "channels": ["patient-stories"],
            "granted_on": "2026-01-05",
            "document_reference": "DMS-CONSENT-0777",
            "notes": "Signed in the oncology day unit.",
            **fields,
        }

    def test_record_read_correct_revoke(self, api_as, demo):
        carol = api_as("carol")
        made = carol.post(f"{V1}/consents/", self.body(expires_on="2027-01-05"), format="json")
        assert made.status_code == 201, made.content
        consent = made.json()
        assert consent["channels"] == ["patient-stories"] and consent["version"] == 1
        assert consent["recorded_by"] == "carol" and consent["revoked"] is False
        url = f"{V1}/consents/{consent['id']}/"
        assert api_as("alice").get(url).json()["person_name"] == "Lena Brandt"

        patched = carol.patch(url, {"version": 1, "document_reference": "DMS-CONSENT-0778"}, format="json")
        assert patched.status_code == 200 and patched.json()["version"] == 2
        stale = carol.patch(url, {"version": 1, "notes": "late"}, format="json")
        assert stale.status_code == 409 and stale.json()["code"] == "stale_version"

        revoked = carol.post(f"{url}revoke/", {"version": 2, "reason": "She asked us to stop."}, format="json")
        assert revoked.status_code == 200
        assert revoked.json()["revoked"] is True and revoked.json()["valid"] is False
        assert "revoked" in revoked.json()["problem"] and revoked.json()["revoked_by"] == "carol"
        again = carol.post(f"{url}revoke/", {"version": 3, "reason": "again"}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "consent_revoked"
        frozen = carol.patch(url, {"version": 3, "notes": "x"}, format="json")
        assert frozen.status_code == 409
        assert carol.post(f"{url}revoke/", {"version": 3}, format="json").status_code == 400

    def test_forbidden_versus_not_found(self, api_as, demo, channels):
        consent = record(demo["carol"], [channels["patient-stories"]])
        url = f"{V1}/consents/{consent.pk}/"
        # alice sees it (she drafts on the channel) but may not change it: 403.
        alice = api_as("alice")
        assert alice.patch(url, {"version": 1, "notes": "x"}, format="json").status_code == 403
        assert alice.post(f"{url}revoke/", {"version": 1, "reason": "x"}, format="json").status_code == 403
        assert alice.post(f"{V1}/consents/", self.body(), format="json").status_code == 403
        # bob does not see it at all: 404, as for a consent that does not exist.
        bob = api_as("bob")
        for response in (
            bob.get(url),
            bob.patch(url, {"version": 1, "notes": "x"}, format="json"),
            bob.post(f"{url}revoke/", {"version": 1, "reason": "x"}, format="json"),
            bob.get(f"{V1}/consents/999999/"),
        ):
            assert response.status_code == 404 and response.json()["code"] == "not_found"
        # A channel bob cannot see is "no such channel", not a permission problem.
        refused = bob.post(f"{V1}/consents/", self.body(), format="json")
        assert refused.status_code == 400 and "channels" in refused.json()["errors"]
        assert Consent.objects.get(pk=consent.pk).version == 1

    def test_validation_errors(self, api_as, demo):
        carol = api_as("carol")
        early = carol.post(f"{V1}/consents/", self.body(expires_on="2025-01-01"), format="json")
        assert early.status_code == 400 and "expires_on" in early.json()["errors"]
        empty = carol.post(f"{V1}/consents/", self.body(channels=[]), format="json")
        assert empty.status_code == 400 and "channels" in empty.json()["errors"]
        unknown = carol.post(f"{V1}/consents/", self.body(channels=["nowhere"]), format="json")
        assert unknown.status_code == 400 and unknown.json()["errors"]["channels"] == ["No such channel: nowhere"]

    def test_list_filters_and_constant_queries(self, api_as, demo, channels):
        carol = demo["carol"]
        client = api_as("alice")

        def measured(**params):
            measured = queries_of(lambda: client.get(f"{V1}/consents/", {"person": "Listed", **params}))
            assert measured.result.status_code == 200, measured.result.content
            return measured, measured.result.json()

        record(carol, [channels["patient-stories"], channels["youtube-main"]], person="Listed 00")
        one, body = measured()
        assert [c["person_name"] for c in body["results"]] == ["Listed 00"]
        for i in range(1, 20):
            record(carol, [channels["patient-stories"], channels["podcast"]], person=f"Listed {i:02}")
        twenty, body = measured()
        assert len(body["results"]) == 20
        assert_same_queries(one, twenty)
        assert [c["person_name"] for c in body["results"]] == [f"Listed {i:02}" for i in range(20)]

        record(carol, [channels["youtube-main"]], person="Listed video only")  # alice cannot see it
        assert len(measured(page_size=100)[1]["results"]) == 20
        assert (
            len(api_as("carol").get(f"{V1}/consents/", {"person": "listed", "page_size": 100}).json()["results"]) == 21
        )

        podcast = client.get(f"{V1}/consents/", {"channel": "podcast", "page_size": 100}).json()["results"]
        assert len(podcast) == 19
        first = client.get(f"{V1}/consents/", {"person": "Listed", "page_size": 8}).json()
        second = client.get(first["next"]).json()
        assert [c["person_name"] for c in first["results"] + second["results"]][:16] == [
            f"Listed {i:02}" for i in range(16)
        ]

    def test_valid_filter(self, api_as, demo):
        client = api_as("carol")
        valid = client.get(f"{V1}/consents/", {"valid": "true"}).json()["results"]
        invalid = client.get(f"{V1}/consents/", {"valid": "false"}).json()["results"]
        assert [c["document_reference"] for c in valid] == [VALID_CONSENT_REFERENCE]
        assert all(c["valid"] for c in valid) and not any(c["valid"] for c in invalid)
        assert sorted(c["person_name"] for c in invalid) == ["Marcus Bell", "Priya Raman"]

    def test_channels_show_whether_they_require_consent(self, api_as, demo):
        channels = api_as("alice").get(f"{V1}/channels/").json()["results"]
        assert {c["slug"]: c["requires_consent"] for c in channels}["patient-stories"] is True


def test_policy_check_warns_until_a_valid_consent_is_cited(api_as, demo, channels):
    client = api_as("alice")
    body = {"channel": "patient-stories", "body": "Our garden volunteers, in their own words."}

    def consent_findings(**extra):
        response = client.post(f"{V1}/policy-check/", {**body, **extra}, format="json")
        assert response.status_code == 200, response.content
        return [f for f in response.json()["findings"] if f["rule"] == "consent"]

    [missing] = consent_findings()
    assert missing["severity"] == "warn"
    assert "before the post is scheduled or published" in missing["message"]
    valid = Consent.objects.get(document_reference=VALID_CONSENT_REFERENCE)
    assert consent_findings(consent=valid.pk) == []
    expired = Consent.objects.get(document_reference="DMS-CONSENT-0187")
    [finding] = consent_findings(consent=expired.pk)
    assert "expired" in finding["message"]
    # A time after the consent ends is a problem too.
    later = (timezone.now() + timedelta(days=800)).isoformat()
    assert "expired" in consent_findings(consent=valid.pk, scheduled_at=later)[0]["message"]
    # Another channel's consent does not cover this one.
    video = record(demo["carol"], [channels["youtube-main"]])
    dana_check = api_as("dana").post(
        f"{V1}/policy-check/", {**body, "channel": "youtube-main", "consent": video.pk}, format="json"
    )
    assert [f for f in dana_check.json()["findings"] if f["rule"] == "consent"] == []  # youtube needs none
    # A consent alice cannot see is no consent at all.
    hidden = client.post(f"{V1}/policy-check/", {**body, "consent": video.pk}, format="json")
    assert hidden.status_code == 400 and "consent" in hidden.json()["errors"]
    # Other channels need no consent.
    response = client.post(f"{V1}/policy-check/", {**body, "channel": "patient-stories"}, format="json")
    assert response.status_code == 200
    other = api_as("bob").post(f"{V1}/policy-check/", {"channel": "x-news", "body": "Hello"}, format="json")
    assert [f for f in other.json()["findings"] if f["rule"] == "consent"] == []


def test_admin_records_corrects_and_revokes_through_the_actions(client, demo, channels):
    from django.urls import reverse

    client.force_login(demo["admin"])
    add = client.post(
        reverse("admin:governance_consent_add"),
        {
            "person_name": "Omar Haddad",
            "channels": [channels["patient-stories"].pk],
            "granted_on": "2026-02-01",
            "expires_on": "",
            "document_reference": "DMS-CONSENT-0555",
            "notes": "",
        },
    )
    assert add.status_code == 302, add.content
    consent = Consent.objects.get(person_name="Omar Haddad")
    assert consent.recorded_by == demo["admin"] and last_event("governance.consent.record").target_id == str(consent.pk)
    assert [c.slug for c in consent.channels.all()] == ["patient-stories"]

    change = reverse("admin:governance_consent_change", args=[consent.pk])
    assert client.get(change).status_code == 200
    form = {
        "person_name": "Omar Haddad",
        "channels": [channels["patient-stories"].pk, channels["youtube-main"].pk],
        "granted_on": "2026-02-01",
        "expires_on": "2028-02-01",
        "document_reference": "DMS-CONSENT-0555",
        "notes": "",
        "seen_version": 1,
        "revoke_reason": "",
    }
    assert client.post(change, form).status_code == 302
    consent.refresh_from_db()
    assert consent.version == 2 and consent.expires_on == date(2028, 2, 1)
    assert sorted(c.slug for c in consent.channels.all()) == ["patient-stories", "youtube-main"]
    # A form loaded at an older version is refused, not saved over the newer one.
    client.post(change, {**form, "expires_on": "2029-01-01"})
    consent.refresh_from_db()
    assert consent.expires_on == date(2028, 2, 1)
    client.post(change, {**form, "seen_version": 2, "revoke_reason": "Withdrawn by letter."})
    consent.refresh_from_db()
    assert consent.is_revoked and consent.revocation_reason == "Withdrawn by letter."
    assert last_event("governance.consent.revoke").actor_id == demo["admin"].pk
    # A revoked consent is read-only; none is ever deleted.
    assert client.post(change, {**form, "seen_version": 3, "notes": "x"}).status_code == 403
    assert client.get(reverse("admin:governance_consent_delete", args=[consent.pk])).status_code == 403
