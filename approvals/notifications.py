"""E-mail about posts, sent after the acting transaction committed (`transaction.on_commit`).

Each function takes ids and reads what it needs afresh, so that it reports what was
committed. Delivery uses Django's e-mail backend (console in development).

Mail leaves the portal: a message names the post by its title (`Post.title`, never derived
from the body), its channel and its state, and links to it. It never carries the post's text,
findings' excerpts, reviewers' comments or a consent's details: those are read in Clearpost.
"""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail

from governance import permissions

from .models import Notification, Post, ReviewDecision, ReviewStage

logger = logging.getLogger(__name__)


def _one_line(text: str, limit: int = 80) -> str:
    """Header-safe: e-mail subjects may not contain line breaks."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _post_url(post: Post) -> str:
    return f"{settings.SITE_URL}/posts/{post.pk}/"


def _about(post: Post) -> str:
    """The post as every e-mail names it: title, channel, state and link."""
    return (
        f"Post: {post.title}\nChannel: {post.channel.name}\nState: {post.get_state_display().lower()}\n"
        f"Open it in Clearpost: {_post_url(post)}\n"
    )


def _send(subject: str, body: str, recipients: list[str]) -> int:
    """One message per recipient (no one sees who else was told), over one connection."""
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in sorted(set(recipients))]
    if not messages:
        return 0
    try:
        return send_mass_mail(messages, fail_silently=False)
    except OSError:  # the mail server is down: the workflow has committed; log, don't fail
        logger.exception("Could not send %d notification(s)", len(messages))
        return 0


def _notify_in_app(users, *, kind: str, message: str, post: Post | None = None) -> int:
    """The in-app twin of an e-mail: one unread notification per recipient (e-mail address or
    not), linking to the post. One INSERT, however many recipients."""
    recipients = {user.pk: user for user in users}
    url = f"/posts/{post.pk}/" if post is not None else ""
    Notification.objects.bulk_create(
        Notification(recipient_id=pk, post=post, kind=kind, message=_one_line(message, 500), url=url)
        for pk in sorted(recipients)
    )
    return len(recipients)


def eligible_reviewers(post: Post, stage: ReviewStage):
    """Active users who may decide `stage` of `post`, its writers (author, any co-author it ever
    had, creators of its revisions) excluded."""
    from django.contrib.auth import get_user_model

    if stage.eligible_group_id:
        users = get_user_model().objects.filter(groups=stage.eligible_group_id, is_active=True)
    else:
        users = permissions.users_with(stage.eligible_permission, post.channel)
    return users.exclude(pk=post.author_id).exclude(pk__in=post.writers.values("pk"))


def stage_opened(post_id: int, stage_id: int) -> int:
    """Tell the people who may decide the newly opened stage that a post is waiting."""
    post = Post.objects.select_related("channel", "author", "current_revision").get(pk=post_id)
    stage = ReviewStage.objects.get(pk=stage_id)
    reviewers = list(eligible_reviewers(post, stage))
    recipients = [u.email for u in reviewers if u.email]
    subject = _one_line(f"[Clearpost] Review needed on {post.channel.name}: {post.title}", 120)
    _notify_in_app(
        reviewers,
        kind=Notification.Kind.STAGE_OPENED,
        post=post,
        message=f"{post.author.label} submitted a post on {post.channel.name} that awaits the “{stage.name}” stage: "
        f"{post.title}",
    )
    body = (
        f"{post.author.label} submitted a post on {post.channel.name} that awaits the “{stage.name}” stage.\n\n"
        f"{_about(post)}"
    )
    return _send(subject, body, recipients)


def decision_made(decision_id: int) -> int:
    """Tell the post's authors what a reviewer decided."""
    decision = ReviewDecision.objects.select_related(
        "post__channel", "post__author", "post__current_revision", "reviewer", "stage"
    ).get(pk=decision_id)
    post = decision.post
    authors = [post.author, *post.co_authors.all()]
    recipients = [u.email for u in authors if u.email]
    verdict = decision.get_decision_display().lower()
    _notify_in_app(
        authors,
        kind=Notification.Kind.DECISION,
        post=post,
        message=f"{decision.reviewer.label} {verdict} your post on {post.channel.name} at the “{decision.stage.name}” "
        f"stage; it is now {post.get_state_display().lower()}.",
    )
    subject = _one_line(f"[Clearpost] {decision.reviewer.label} {verdict} your post on {post.channel.name}", 120)
    body = f"{decision.reviewer.label} {verdict} your post at the “{decision.stage.name}” stage.\n"
    if decision.comment:
        body += "Their comment is on the post.\n"
    body += f"\n{_about(post)}"
    return _send(subject, body, recipients)


def compliance_officers():
    """Active users holding the Compliance Officer role."""
    from accounts import roles

    return roles.members_of(roles.COMPLIANCE_OFFICER)


def break_glass_used(review_id: int) -> int:
    """Tell every compliance officer, at once, that a post went out by breaking the glass and
    that its retrospective review is due."""
    from django.utils import timezone

    from .models import RetrospectiveReview

    review = RetrospectiveReview.objects.select_related(
        "post__channel", "post__current_revision", "requested_by", "revision"
    ).get(pk=review_id)
    post = review.post
    officers = list(compliance_officers())
    recipients = [u.email for u in officers if u.email]
    due = timezone.localtime(review.due_at)
    who = review.requested_by.label
    _notify_in_app(
        officers,
        kind=Notification.Kind.BREAK_GLASS,
        post=post,
        message=f"{who} published a post on {post.channel.name} by breaking the glass; "
        f"your retrospective review is due by {due:%Y-%m-%d %H:%M %Z}.",
    )
    subject = _one_line(f"[Clearpost] Break-glass publication on {post.channel.name} by {who}", 120)
    body = (
        f"{who} published a post on {post.channel.name} at once, without the usual "
        f"approvals (break-glass).\n\nReason given:\n{review.reason}\n\n"
        f"What went out: revision {review.revision.number}, SHA-256 {review.content_hash}.\n\n"
        f"A retrospective review is due by {due:%Y-%m-%d %H:%M %Z}. "
        f"It stays in your queue until one of you completes it.\n\n{_about(post)}"
    )
    return _send(subject, body, recipients)


def retraction_requested(request_id: int) -> int:
    """Tell the channel's managers that a published post must come down (its consent was revoked)."""
    from .models import RetractionRequest

    request = RetractionRequest.objects.select_related("post__channel", "post__current_revision", "consent").get(
        pk=request_id
    )
    post = request.post
    managers = list(permissions.users_with(permissions.MANAGE_CHANNEL, post.channel))
    recipients = [u.email for u in managers if u.email]
    subject = _one_line(f"[Clearpost] Retract a post on {post.channel.name}: {post.title}", 120)
    _notify_in_app(
        managers,
        kind=Notification.Kind.RETRACTION_REQUESTED,
        post=post,
        message=f"A post published on {post.channel.name} must be taken down: {post.title}",
    )
    # Mail leaves the portal: no consent details (not the person, the document or why).
    why = "The consent it cites was revoked." if request.consent_id else "It must come down."
    where = f"It is live at {post.remote_url}\n\n" if post.remote_url else ""
    body = (
        f"A post published on {post.channel.name} must be taken down. {why}\n\n{where}"
        f"Take it down on the platform, then mark it retracted in Clearpost.\n\n{_about(post)}"
    )
    return _send(subject, body, recipients)
