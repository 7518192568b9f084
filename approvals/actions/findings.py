"""Judging the findings of a post's screening: a reviewer dismisses one as a false alarm.

A dismissal is a judgement kept with the revision, not a step of the workflow: it changes
neither the post's state nor its version, and it lifts no stage (see `dismiss_finding`).
"""

from django.db import IntegrityError, transaction

import audit
from core.errors import Conflict, StaleVersion, ValidationFailed
from governance.rules.findings import BLOCK, ESCALATE, FIELDS, WARN

from ..models import FindingDismissal, Post, finding_key
from ..permissions import require_may_dismiss
from .base import lock_post
from .drafting import current_screening

DISMISSABLE_RULES = FindingDismissal.DISMISSABLE_RULES
_RANK = {WARN: 0, ESCALATE: 1, BLOCK: 2}


def _finding_in(screening: list, *, rule: str, field: str | None, start: int, end: int):
    """The finding of `screening` with this rule and span (in `field`, or in the one field where
    there is such a finding), or a ValidationFailed saying why there is none to dismiss."""
    if rule not in DISMISSABLE_RULES:
        message = (
            f"Only findings of the sensitive-information screen can be dismissed as false alarms, "
            f"not of the “{rule}” rule."
        )
        raise ValidationFailed(message, code="not_dismissable", errors={"rule": [message]})
    matches: dict = {}  # per field; the strictest, when several policies' rules found it
    for f in screening:
        if f.rule == rule and f.start == start and f.end == end and (field is None or f.field == field):
            kept = matches.get(f.field)
            if kept is None or _RANK[f.severity] > _RANK[kept.severity]:
                matches[f.field] = f
    if not matches:
        where = f" in the {FIELDS.get(field, field)}" if field else ""
        message = (
            f"The current revision has no “{rule}” finding at characters {start}–{end}{where}: "
            "the post may have changed since you loaded it. Reload it and try again."
        )
        raise ValidationFailed(message, code="no_such_finding", errors={"finding": [message]})
    if len(matches) > 1:
        message = f"Findings at characters {start}–{end} are in the {' and the '.join(sorted(matches))}: say which."
        raise ValidationFailed(message, code="ambiguous_finding", errors={"field": [message]})
    return next(iter(matches.values()))


@transaction.atomic
def dismiss_finding(
    post: Post,
    *,
    actor,
    rule: str,
    start: int,
    end: int,
    reason: str,
    field: str | None = None,
    expected_version: int | None = None,
) -> FindingDismissal:
    """Record that a finding of the post's current revision is a false alarm, and why.

    Who: someone who may review on the post's channel, or a compliance officer, who is not one
    of the post's writers (`approvals.permissions.dismissal_refusal`). The finding must be in
    the current revision's screening, named by its rule and span (`field`: the published field
    its offsets index, needed only when the same span is found in two fields), and be one of the
    sensitive-information screen's (`DISMISSABLE_RULES`). The reason is required (at most 500
    characters). `expected_version`, when given, must be the post's version (409 otherwise).

    What it changes: nothing but the record. The post keeps its state, version, escalations
    and review plan: a dismissed finding does not lift the compliance sign-off it added, or a
    reviewer could clear the way past compliance with a sentence. It informs the next reviewer
    (the post's page and API show it with who, when and why) and the screen's corpus
    (`manage.py export_false_alarms`). An edit makes a new revision with new findings, none of
    them dismissed. The audit event carries the rule, kind, field, span and reason, never the
    post's text.
    """
    post = lock_post(post)  # an edit waits for us (or we for it): the revision judged stays current
    if expected_version is not None and post.version != expected_version:
        raise StaleVersion(
            f"This post changed since you loaded it (you had version {expected_version}, "
            f"it is now at version {post.version}). Reload it and try again."
        )
    require_may_dismiss(actor, post)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the finding is a false alarm.", errors={"reason": ["Required."]})
    if len(reason) > FindingDismissal.REASON_MAX_LENGTH:
        message = f"Keep the reason to {FindingDismissal.REASON_MAX_LENGTH} characters (it has {len(reason)})."
        raise ValidationFailed(message, errors={"reason": [message]})
    finding = _finding_in(current_screening(post), rule=rule, field=field, start=start, end=end)
    revision = post.current_revision
    field_name, rule, start, end = finding_key(finding)
    try:
        with transaction.atomic():  # a savepoint: the duplicate is reported, the transaction goes on
            dismissal = FindingDismissal.objects.create(
                revision=revision,
                rule=rule,
                kind=finding.kind,
                field=field_name,
                start=start,
                end=end,
                message=finding.message,
                reason=reason,
                dismissed_by=actor,
            )
    except IntegrityError:
        earlier = (
            FindingDismissal.objects.select_related("dismissed_by")
            .filter(revision=revision, field=field_name, rule=rule, start=start, end=end)
            .first()
        )
        who = earlier.dismissed_by.get_username() if earlier else "someone"
        raise Conflict(
            f"This finding was already dismissed as a false alarm by {who}.", code="already_dismissed"
        ) from None
    audit.record(
        "approvals.post.dismiss_finding",
        actor=actor,
        target=post,
        channel_id=post.channel_id,
        data={
            "dismissal_id": dismissal.pk,
            "revision_id": revision.pk,
            "content_hash": revision.content_hash,
            "rule": rule,
            "kind": finding.kind,
            "severity": finding.severity,
            "field": field_name,
            "start": start,
            "end": end,
            "reason": reason,
        },
    )
    return dismissal
