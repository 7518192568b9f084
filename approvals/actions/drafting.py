"""Writing a post: starting a draft, editing it (a new revision; approvals given so far are
voided), sending it for review against the channel's posting policy, and withdrawing it."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

import audit
from core.db import after_commit
from core.errors import PermissionDenied, ValidationFailed
from governance import permissions
from governance import selectors as governance_selectors
from governance.models import Channel
from governance.rules import engine

from .. import tasks
from ..models import (
    PolicyCheck,
    Post,
    PostState,
    Revision,
    RevisionScreening,
)
from ..workflow import Action, performs
from .base import (
    FIELDS_ON_CHANGE,
    add_writers,
    check_schedule,
    clear_review,
    guard,
    lock_post,
    new_revision,
    record_transition,
    refuse_blocks,
    void_decisions,
)
from .review import review_plan


def _check_co_authors(co_authors, *, author_id: int, channel: Channel) -> list:
    """The co-authors of a post by `author_id` on `channel`: the author left out, each person once,
    every one able to draft on the channel (as `permissions.can` says: a grant to them or to one
    of their groups, or a superuser), else a `co_authors` field error naming all who may not.
    One query however many co-authors (`permissions.users_with`)."""
    unique = list({user.pk: user for user in co_authors if user.pk != author_id}.values())
    if not unique:
        return []
    eligible = set(
        permissions.users_with(permissions.DRAFT, channel)
        .filter(pk__in=[user.pk for user in unique])
        .values_list("pk", flat=True)
    )
    refused = [user for user in unique if user.pk not in eligible and not (user.is_active and user.is_superuser)]
    if refused:
        raise ValidationFailed(
            errors={
                "co_authors": [
                    f"{user.get_username()} may not draft on {channel.name}, so cannot be a co-author."
                    for user in refused
                ]
            }
        )
    return unique


@transaction.atomic
def create_post(
    *,
    actor,
    channel: Channel,
    body: str,
    title: str = "",
    link: str = "",
    media_url: str = "",
    media_alt_text: str = "",
    scheduled_at: datetime | None = None,
    co_authors=(),
    consent=None,
) -> Post:
    """Start a draft on `channel`. Who: anyone with draft permission on the channel.
    Co-authors must be able to draft on the channel too. `consent` (channels that require it):
    one the author can see, not revoked, covering the channel. An archived channel takes no
    new post."""
    if not permissions.can(actor, permissions.DRAFT, channel):
        raise PermissionDenied("You may not draft on this channel.")
    if channel.is_archived:
        raise ValidationFailed(errors={"channel": ["This channel is archived: it takes no new posts."]})
    check_schedule(scheduled_at)
    check_citation(consent, actor=actor, channel=channel)
    co_authors = _check_co_authors(co_authors, author_id=actor.pk, channel=channel)
    post = Post.objects.create(
        channel=channel, author=actor, state=PostState.DRAFT, scheduled_at=scheduled_at, consent=consent
    )
    content = {"title": title, "body": body, "link": link, "media_url": media_url, "media_alt_text": media_alt_text}
    post.current_revision = new_revision(post, actor=actor, number=1, content=content)
    post.save(update_fields=["current_revision"])
    if co_authors:
        post.co_authors.set(co_authors)
    add_writers(post, [actor, *co_authors])
    audit.record(
        "approvals.post.create",
        actor=actor,
        target=post,
        channel_id=channel.pk,
        data={
            "after": {"state": post.state, "version": post.version},
            "revision_id": post.current_revision_id,
            "content_hash": post.current_revision.content_hash,
            "co_authors": [user.get_username() for user in co_authors],
            "consent_id": post.consent_id,
        },
    )
    return post


@transaction.atomic
def edit_post(post: Post, *, actor, expected_version: int | None, **changes) -> Post:
    """Change a post's content (and/or its intended time, the consent it cites, its co-authors).
    Who: its authors.

    New content makes a new immutable revision, voids every approval given so far and sends
    the post back to draft: what is approved is always exactly what will be published. A new
    time or a new consent (not part of the content hash) was not approved either: it too
    sends the post back to draft. So do new co-authors (`co_authors`, the whole list; the
    author is left out): approvals were given by people who were not authors of the post, and
    that must hold again. Added co-authors must be able to draft on the channel, as in
    `create_post`; removing one is always allowed.
    """
    post = lock_post(post)
    guard(post, Action.EDIT, actor, expected_version)
    unknown = set(changes) - {*Revision.CONTENT_FIELDS, "scheduled_at", "consent", "co_authors"}
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be edited."] for name in sorted(unknown)})
    before_state, before_hash = post.state, post.current_revision.content_hash
    content = post.current_revision.content()
    content.update({name: changes[name] for name in Revision.CONTENT_FIELDS if name in changes})
    content_changed = Revision.hash_content(content) != before_hash
    schedule_changed = "scheduled_at" in changes and changes["scheduled_at"] != post.scheduled_at
    new_consent = changes.get("consent")
    before_consent_id = post.consent_id
    consent_changed = "consent" in changes and (new_consent.pk if new_consent else None) != before_consent_id
    co_authors_changed = False
    if "co_authors" in changes:
        wanted = list({user.pk: user for user in changes["co_authors"] if user.pk != post.author_id}.values())
        before_co_authors = {user.pk: user.get_username() for user in post.co_authors.all()}
        added = [user for user in wanted if user.pk not in before_co_authors]
        _check_co_authors(added, author_id=post.author_id, channel=post.channel)
        co_authors_changed = {user.pk for user in wanted} != set(before_co_authors)
    if not content_changed and not schedule_changed and not consent_changed and not co_authors_changed:
        return post
    fields = [*FIELDS_ON_CHANGE, *clear_review(post)]
    if schedule_changed:
        check_schedule(changes["scheduled_at"])
        post.scheduled_at = changes["scheduled_at"]
        fields.append("scheduled_at")
    if consent_changed:
        check_citation(new_consent, actor=actor, channel=post.channel)
        post.consent = new_consent
        fields.append("consent")
    if post.holding_statement_id:
        # Changed (its words, time, consent or co-authors): no longer the statement as it was
        # issued, so the channel's normal review applies.
        post.holding_statement = None
        fields.append("holding_statement")
    if content_changed:
        post.current_revision = new_revision(post, actor=actor, number=post.revisions.count() + 1, content=content)
        fields.append("current_revision")
    if co_authors_changed:
        post.co_authors.set(wanted)
    # The revision's creator and new co-authors; a removed co-author stays one: her words may remain.
    add_writers(post, [*([actor] if content_changed else []), *(added if co_authors_changed else [])])
    voided = void_decisions(post, "edited")
    post.state = PostState.DRAFT
    post.version += 1
    post.save(update_fields=fields)
    record_transition(
        "edit",
        post,
        actor=actor,
        before_state=before_state,
        before_content_hash=before_hash,
        changed=sorted(set(changes) & ({*Revision.CONTENT_FIELDS} if content_changed else set()))
        + (["scheduled_at"] if schedule_changed else [])
        + (["consent"] if consent_changed else [])
        + (["co_authors"] if co_authors_changed else []),
        voided_decisions=voided,
        **({"consent_id": {"before": before_consent_id, "after": post.consent_id}} if consent_changed else {}),
        **(
            {
                "co_authors": {
                    "before": sorted(before_co_authors.values()),
                    "after": sorted(user.get_username() for user in wanted),
                }
            }
            if co_authors_changed
            else {}
        ),
    )
    return post


def _draft(post: Post, *, author=None, going_out_now: bool = False) -> engine.Draft:
    revision = post.current_revision
    return engine.Draft(
        body=revision.body,
        title=revision.title,
        link=revision.link,
        media_url=revision.media_url,
        media_alt_text=revision.media_alt_text,
        scheduled_at=None if going_out_now else post.scheduled_at,
        author=author or post.author,
        consent=post.consent,
    )


def policy_check(post: Post, *, author=None, going_out_now: bool = False) -> engine.CheckResult:
    """The channel's effective posting policy applied to the post's current revision (as if
    it went out now rather than at its scheduled time, with `going_out_now`)."""
    draft = _draft(post, author=author, going_out_now=going_out_now)
    channel = post.channel
    policies = engine.effective_policies(channel)
    return engine.check(
        channel, draft, policies=policies, screened=screening(post.current_revision, channel, draft, policies)
    )


def current_screening(post: Post) -> list[engine.Finding]:
    """What the screening of the post's current revision found under the channel's effective
    policies now: the stored screening, or computed (and stored) the first time."""
    channel = post.channel
    policies = engine.effective_policies(channel)
    return screening(post.current_revision, channel, _draft(post), policies)


def screening(revision: Revision, channel: Channel, draft: engine.Draft, policies: list) -> list[engine.Finding]:
    """The screening of the revision's text under `policies` and the organization's directory
    (read once, when a rule of `policies` uses it): stored the first time it is computed, read
    afterwards (one query). A change of the directory is a new key, so a new screening."""
    directory = engine.directory_for(policies)
    key = engine.screen_key(channel, policies, directory)
    stored = RevisionScreening.objects.filter(revision=revision, key=key).values_list("findings", flat=True).first()
    if stored is not None:
        return [engine.Finding.from_stored(f) for f in stored]
    findings = engine.screen(channel, draft, policies, directory)
    # Two readers screening at once compute the same thing: the second one's row is not needed.
    RevisionScreening.objects.bulk_create(
        [RevisionScreening(revision=revision, key=key, findings=[f.stored() for f in findings])],
        ignore_conflicts=True,
    )
    return findings


def escalations(post: Post, result: engine.CheckResult) -> list[str]:
    """Why the post needs the stages that apply on escalation: a regulated channel always
    does; so does every `escalate` finding of the posting policy."""
    reasons = ["regulated-channel"] if post.channel.is_regulated else []
    for finding in result.escalations:
        reason = f"{finding.rule}: {finding.message}"
        if reason not in reasons:
            reasons.append(reason)
    return reasons


@performs(Action.SUBMIT)
@transaction.atomic
def submit(post: Post, *, actor, expected_version: int | None) -> Post:
    """Send a draft for review. Who: its authors. Opens the first stage of the review plan
    and notifies the people eligible to decide it."""
    # The channel before the post (the order of every action): a crisis being declared on it
    # now is waited for, and its stage joins the plan.
    crisis = governance_selectors.crisis_covering(post.channel)
    post = lock_post(post)
    guard(post, Action.SUBMIT, actor, expected_version)
    before_state = post.state
    result = policy_check(post, author=actor)
    refuse_blocks(result, "The posting policy blocks this post: ", more=" ({n} more problem(s) below.)")
    post.escalations = escalations(post, result)
    # A submission is never the holding-statement path (only issuing one during its crisis is):
    # a statement sent back and resubmitted gets the channel's normal review.
    post.holding_statement = None
    plan = review_plan(post, crisis=crisis)
    if not plan:
        raise ValidationFailed(
            "No review stage applies to this channel, so nothing could approve the post. Ask a portal admin.",
            errors={"channel": ["No review stage applies."]},
        )
    void_decisions(post, "resubmitted")
    post.approved_in_crises = []
    now = timezone.now()
    post.review_plan = [stage.pk for stage in plan]
    post.current_stage = plan[0]
    post.awaiting_since = now
    post.submitted_at = now
    post.state = PostState.IN_REVIEW
    post.version += 1
    post.save(
        update_fields=[
            *FIELDS_ON_CHANGE,
            "escalations",
            "review_plan",
            "current_stage",
            "awaiting_since",
            "submitted_at",
            "approved_in_crises",
            "holding_statement",
        ]
    )
    PolicyCheck.objects.create(
        revision=post.current_revision,
        policy_versions=result.policy_versions,
        findings=[f.as_dict() for f in result.findings],
    )
    record_transition(
        "submit",
        post,
        actor=actor,
        before_state=before_state,
        stages=[stage.slug for stage in plan],
        escalations=post.escalations,
        policy_versions=result.policy_versions,
        findings=[f.as_dict() for f in result.findings],
    )
    after_commit(tasks.notify_stage_opened, post.pk, plan[0].pk)
    return post


@performs(Action.WITHDRAW)
@transaction.atomic
def withdraw(post: Post, *, actor, expected_version: int | None) -> Post:
    """Take the post back before anything went out. Who: its author."""
    post = lock_post(post)
    guard(post, Action.WITHDRAW, actor, expected_version)
    before_state = post.state
    voided = void_decisions(post, "withdrawn")
    fields = [*FIELDS_ON_CHANGE, *clear_review(post)]
    post.state = PostState.WITHDRAWN
    post.version += 1
    post.save(update_fields=fields)
    record_transition("withdraw", post, actor=actor, before_state=before_state, voided_decisions=voided)
    return post


# --- citing a consent -----------------------------------------------------------------


def citation_problem(consent, *, actor, channel) -> str | None:
    """Why a post on `channel` by `actor` may not cite `consent` (None: it may). The consent must
    be one the actor can see (else it is "no such consent", as for one that does not exist),
    must not be revoked, and must cover the channel. Dates are not checked here: a consent that
    starts later or has expired may be cited, and the policy check says why it cannot go out."""
    if actor is not None and not governance_selectors.consents_visible_to(actor).filter(pk=consent.pk).exists():
        return "No such consent."
    if consent.revoked_at is not None:
        return f"The consent of {consent.person_name} was revoked; cite another."
    if not consent.channels.filter(pk=channel.pk).exists():
        return f"The consent of {consent.person_name} does not cover {channel.name}."
    return None


def check_citation(consent, *, actor, channel) -> None:
    if consent is None:
        return
    problem = citation_problem(consent, actor=actor, channel=channel)
    if problem:
        raise ValidationFailed(problem, errors={"consent": [problem]})
