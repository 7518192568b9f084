"""Consent on the channels that require it (patient stories): citing one, and whether a post
may go out. A post may be drafted, submitted and reviewed without a valid consent (the policy
check warns); it may not be scheduled, published, retried or released towards publication."""

from django.utils import timezone

from core.errors import ValidationFailed
from governance import selectors as governance_selectors

from . import rules
from .models import Post


def going_out_problem(post: Post, *, when=None) -> str | None:
    """Why `post` may not go out for want of consent, today or at `when` (None: it may)."""
    problem = rules.consent_problem(post)
    if problem is None and when is not None:
        problem = rules.consent_problem(post, day=timezone.localdate(when))
    return problem


def require_valid_consent(post: Post, *, when=None) -> None:
    """Refuse (400, code `consent_required`) unless the post cites a consent valid today and at `when`."""
    problem = going_out_problem(post, when=when)
    if problem:
        raise ValidationFailed(
            f"{problem} The post cannot go out until it cites a valid consent.",
            code="consent_required",
            errors={"consent": [problem]},
        )


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


def consent_summary(post: Post) -> dict | None:
    """The consent a post cites, as its detail shows it: whether it covers the post today."""
    consent = post.consent
    if consent is None:
        return None
    problem = consent.problem_on(timezone.localdate(), post.channel)
    return {
        "id": consent.pk,
        "person_name": consent.person_name,
        "document_reference": consent.document_reference,
        "valid": problem is None,
        "problem": problem,
    }
