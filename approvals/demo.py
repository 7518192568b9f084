"""The approvals part of the demo organization, made through the real actions: the demo
consents' revocations, posts in every state of the workflow, holding statements.

`seed_organization` is the demo organization without posts (what most tests start from):
governance's part, then the revocations."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from governance.demo import CONSENTS, VALID_CONSENT_REFERENCE, seed_demo
from governance.models import Channel, Consent

from . import actions
from .models import Post


@transaction.atomic
def seed_organization() -> dict[str, int]:
    """Create whatever of the demo organization (departments, channels, people, policies,
    consents) is missing, and revoke the demo consents meant to be revoked; change nothing
    that exists. Returns how many of each kind were made."""
    created = seed_demo()
    revoke_demo_consents()
    return created


def revoke_demo_consents() -> int:
    """Revoke, as carol (compliance), the demo consents whose spec gives a reason, unless they
    are revoked already. Returns how many were revoked."""
    carol = get_user_model().objects.filter(username="carol").first()
    revoked = 0
    for spec in CONSENTS:
        if not spec.get("revoked") or carol is None:
            continue
        consent = Consent.objects.filter(document_reference=spec["document_reference"], revoked_at=None).first()
        if consent is not None:
            actions.revoke_consent(consent, actor=carol, expected_version=consent.version, reason=spec["revoked"])
            revoked += 1
    return revoked


@transaction.atomic
def seed_posts() -> int:
    """Create the demo posts unless the demo users already have posts. Returns how many were made."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["alice", "bob", "rachel", "ray", "carol", "dana", "admin"]
        )
    }
    if len(users) < 7 or Post.objects.filter(author__in=users.values()).exists():
        return 0
    alice, bob, rachel, ray, carol, dana, admin = (
        users[n] for n in ("alice", "bob", "rachel", "ray", "carol", "dana", "admin")
    )
    channels = {c.slug: c for c in Channel.objects.all()}
    later = timezone.now() + timedelta(days=3)
    made = []
    # Joan's consent (governance.demo): the patient stories about her cite it.
    joan = Consent.objects.filter(document_reference=VALID_CONSENT_REFERENCE, revoked_at=None).first()

    def draft(author, channel, body, **fields):
        post = actions.create_post(actor=author, channel=channels[channel], body=body, **fields)
        made.append(post)
        return post

    def submitted(author, channel, body, **fields):
        post = draft(author, channel, body, **fields)
        return actions.submit(post, actor=author, expected_version=post.version)

    def approved(author, channel, body, reviewer, **fields):
        post = submitted(author, channel, body, **fields)
        return actions.approve(post, actor=reviewer, expected_version=post.version, comment="Looks good.")

    # patient-stories (Marketing; regulated: channel review, then compliance)
    draft(
        alice,
        "patient-stories",
        "Meet the volunteers who run our hospital garden every Saturday.",
        title="Garden volunteers",
    )
    submitted(
        alice,
        "patient-stories",
        "After her hip replacement, Joan walked the 5K with her granddaughter. "
        "She shared her story with us, with written consent.",
        title="Joan's 5K",
        consent=joan,
    )
    approved(
        alice,
        "patient-stories",
        "Our maternity ward welcomed its 10,000th baby this year. Thank you to every family who trusted us.",
        rachel,
        title="10,000 babies",
    )  # now awaiting carol
    if joan is not None:
        # A patient story that went out, citing Joan's consent: channel review, compliance, published.
        post = approved(
            alice,
            "patient-stories",
            "One year after her hip replacement, Joan is training for her first 10K. "
            "Her advice to anyone facing surgery: write down every question and ask them all.",
            rachel,
            title="Joan, one year on",
            consent=joan,
        )
        post = actions.approve(post, actor=carol, expected_version=post.version, comment="Consent on file.")
        post = actions.publish_now(post, actor=rachel, expected_version=post.version)
        actions.mark_published(
            post,
            actor=None,
            remote_id="joan-one-year-on",
            remote_url="https://stories.stmarys.example.org/joan-one-year-on",
        )
    post = submitted(alice, "patient-stories", "Our ER is the best in the state, guaranteed!", title="ER")
    actions.request_changes(
        post,
        actor=rachel,
        expected_version=post.version,
        comment="We can't claim 'guaranteed'. Please cite the ranking instead.",
    )
    post = submitted(
        alice, "patient-stories", "This new supplement will fix your back pain for good!", title="Back pain"
    )
    actions.reject(
        post,
        actor=rachel,
        expected_version=post.version,
        comment="Unfounded medical claim; talk to the research team first.",
    )

    # Public Affairs channels (channel review by ray)
    submitted(bob, "x-news", "Visiting hours change on Monday: 10:00 to 20:00 on all wards.")
    approved(bob, "facebook-main", "Flu shots are free for staff and their families this week.", ray)
    approved(bob, "x-news", "Our annual report is out today.", ray, scheduled_at=later)
    post = approved(bob, "x-news", "The new parking garage on Elm Street is open.", ray)
    post = actions.publish_now(post, actor=ray, expected_version=post.version)
    actions.mark_published(
        post,
        actor=None,
        remote_id="1798765432101234567",
        remote_url="https://x.com/StMarysNews/status/1798765432101234567",
    )
    post = approved(bob, "facebook-main", "Join our blood drive on Friday in the main lobby.", ray)
    post = actions.publish_now(post, actor=ray, expected_version=post.version)
    actions.mark_failed(post, reason="Facebook answered 400: the page access token has expired.")
    post = approved(bob, "x-news", "Join us for the charity run on Sunday!", ray, scheduled_at=later)
    actions.hold(
        post,
        actor=dana,
        expected_version=post.version,
        reason="Held while the storm closes roads; release when the run is confirmed.",
    )
    post = approved(bob, "facebook-main", "Our cafeteria now serves breakfast from 6:30.", ray)
    post = actions.publish_now(post, actor=ray, expected_version=post.version)
    post = actions.mark_published(
        post,
        actor=None,
        remote_id="10161234567890",
        remote_url="https://www.facebook.com/StMarysHospital/posts/10161234567890",
    )
    actions.retract(
        post, actor=admin, expected_version=post.version, reason="Wrong opening time; corrected post follows."
    )
    post = approved(bob, "employee-news", "Reminder: complete your annual privacy training by Friday.", ray)
    actions.publish_now(post, actor=ray, expected_version=post.version)  # on its way out
    post = draft(bob, "employee-news", "Parking permits renew next month.")
    actions.withdraw(post, actor=bob, expected_version=post.version)

    actions.comment(made[1], actor=rachel, body="Lovely story. Do we have the consent form on file?")
    actions.comment(made[1], actor=alice, body="Yes, signed on the 3rd; it's in the shared drive.")
    return len(made)


HOLDING_STATEMENTS = {
    "x-news": [
        (
            "Incident under way",
            "We are aware of reports of an incident at St. Mary's. Patient safety is our first concern. "
            "We will share verified information here as soon as we have it.",
        ),
        (
            "Service disruption",
            "Some of our services are disrupted today. Emergency care remains open. "
            "Updates: https://www.stmarys.example.org/news",
        ),
    ],
    "facebook-main": [
        (
            "Incident under way",
            "We know many of you are worried. We are aware of the situation and are working on it. "
            "We will post verified updates here; please do not share unconfirmed reports.",
        ),
    ],
}


@transaction.atomic
def seed_holding_statements() -> int:
    """The demo holding statements, approved by dana (crisis team), unless any exists yet."""
    from .models import HoldingStatement

    dana = get_user_model().objects.filter(username="dana").first()
    if dana is None or HoldingStatement.objects.exists():
        return 0
    made = 0
    for slug, statements in HOLDING_STATEMENTS.items():
        channel = Channel.objects.get(slug=slug)
        for name, body in statements:
            actions.save_holding_statement(None, actor=dana, channel=channel, name=name, body=body)
            made += 1
    return made
