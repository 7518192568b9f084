import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q

from governance.models import Channel


class PostState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    FAILED = "failed", "Failed"
    HELD = "held", "Held"
    RETRACTED = "retracted", "Retracted"


class HoldCause(models.TextChoices):
    """Why a post is held: releasing a crisis lets go only of what that crisis held."""

    HAND = "hand", "Held by hand"
    CRISIS = "crisis", "Held by a crisis"
    CONSENT = "consent", "Held for want of a valid consent"


class ReviewStage(models.Model):
    """A step of review: who may approve, how many approvals it needs, and when it applies.

    Stages belong to the organization (no department, no channel), a department or one
    channel; a post's plan is every applicable stage of its channel, department and the
    organization, ordered by `position`. The plan is fixed when the post is submitted.
    """

    class Applies(models.TextChoices):
        ALWAYS = "always", "Always"
        ON_ESCALATION = "on_escalation", "When escalated (e.g. possible sensitive information)"
        IN_CRISIS = "in_crisis", "During a crisis"
        HOLDING_STATEMENT = "holding_statement", "For a pre-approved holding statement issued in a crisis"

    class EligiblePermission(models.TextChoices):
        REVIEW = "review_on_channel", "May review on the channel"
        PUBLISH = "publish_on_channel", "May publish on the channel"
        MANAGE = "manage_channel", "Manages the channel"

    slug = models.SlugField(max_length=64, help_text="e.g. channel-review, compliance, crisis-team")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=100, help_text="Stages run in ascending position")
    department = models.ForeignKey(
        "governance.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="review_stages"
    )
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="review_stages")
    eligible_permission = models.CharField(max_length=32, choices=EligiblePermission.choices, blank=True)
    eligible_group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approvals_required = models.PositiveSmallIntegerField(default=1)
    applies = models.CharField(max_length=20, choices=Applies.choices, default=Applies.ALWAYS)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(eligible_permission="") & Q(eligible_group__isnull=False))
                | (~Q(eligible_permission="") & Q(eligible_group__isnull=True)),
                name="review_stage_one_eligibility",
            ),
            models.CheckConstraint(condition=Q(approvals_required__gte=1), name="review_stage_needs_approvals"),
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(channel__isnull=True), name="review_stage_one_scope"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def eligibility_label(self) -> str:
        if self.eligible_group_id:
            return f"members of {self.eligible_group.name}"
        return f"people who {self.get_eligible_permission_display().lower().removeprefix('may ')}"


class Post(models.Model):
    """Something to be said on a channel, from first draft to publication."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_posts")
    co_authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="co_authored_posts")
    # Everyone whose words the post may carry: its author, everyone who was ever its co-author
    # and everyone who created one of its revisions. Only ever added to (removing a co-author
    # leaves them here): none of them approves the post (separation of duties).
    writers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    state = models.CharField(max_length=20, choices=PostState.choices, default=PostState.DRAFT)
    current_revision = models.ForeignKey("Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The review plan fixed at submission (stage ids in order) and the stage now open.
    review_plan = models.JSONField(default=list, blank=True)
    current_stage = models.ForeignKey(ReviewStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # When the post started waiting on its current stage: the review queue's order.
    awaiting_since = models.DateTimeField(null=True, blank=True)
    escalations = models.JSONField(default=list, blank=True, help_text="Why the post needs extra stages")
    version = models.PositiveIntegerField(default=1)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True, help_text="Why the post is failed, held or retracted")
    # The state a held post was in, so that releasing it returns it there.
    held_from = models.CharField(max_length=20, choices=PostState.choices, blank=True)
    # Who or what holds it: a person (`held_by`), a crisis (`held_by_crisis`) or a revoked consent.
    hold_cause = models.CharField(max_length=10, choices=HoldCause.choices, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_by_crisis = models.ForeignKey(
        "governance.CrisisIncident", null=True, blank=True, on_delete=models.PROTECT, related_name="held_posts"
    )
    # The crises whose crisis-team stage this review cycle passed (ids): delivery lets the post
    # through them, and holds it for any other crisis covering its channel.
    approved_in_crises = models.JSONField(default=list, blank=True)
    remote_id = models.CharField(max_length=200, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    # On channels that require consent: the consent of the person the post is about.
    consent = models.ForeignKey(
        "governance.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="posts"
    )
    # A holding statement issued in a crisis: reviewed by the holding-statement stages only.
    holding_statement = models.ForeignKey(
        "HoldingStatement", null=True, blank=True, on_delete=models.PROTECT, related_name="posts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The review queue: posts in review on a channel, oldest first.
            models.Index(
                fields=["channel", "awaiting_since", "id"],
                condition=Q(state="in_review"),
                name="post_review_queue",
            ),
            models.Index(
                fields=["current_stage", "awaiting_since", "id"],
                condition=Q(state="in_review"),
                name="post_review_queue_by_stage",
            ),
            models.Index(fields=["channel", "state", "id"], name="post_channel_state"),
            models.Index(fields=["author", "id"], name="post_author"),
            models.Index(fields=["state", "scheduled_at"], name="post_state_schedule"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="in_review") | Q(current_stage__isnull=False, awaiting_since__isnull=False),
                name="post_in_review_has_open_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"Post #{self.pk} on {self.channel_id} ({self.state})"

    @property
    def title(self) -> str:
        """The post's title as pages, lists, the calendar, notifications and the API name it:
        its title, or "Untitled post on <channel> #<id>". Never derived from the body, which
        may name a patient (expects `channel` loaded with the post)."""
        revision = self.current_revision
        if revision is not None and revision.title:
            return revision.title
        return f"Untitled post on {self.channel.name} #{self.pk}"


class Revision(models.Model):
    """One immutable version of a post's content. Approvals bind to a revision and its hash."""

    # The fields that are published, in the content hash (API.md).
    CONTENT_FIELDS = ("title", "body", "link", "media_url", "media_alt_text")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    media_alt_text = models.CharField(max_length=1000, blank=True)
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="revision_number_unique")]

    def __str__(self) -> str:
        return f"Revision {self.number} of post #{self.post_id}"

    def save(self, *args, **kwargs):
        # Immutable: what was approved must stay what it was. Edits make a new revision.
        if not self._state.adding:
            raise ValueError("A revision is immutable; create a new one instead.")
        super().save(*args, **kwargs)

    def content(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}

    @staticmethod
    def hash_content(content: dict[str, str]) -> str:
        """Lowercase hex SHA-256 of the canonical content: UTF-8 JSON, sorted keys, no spaces."""
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Decision(models.TextChoices):
    APPROVE = "approve", "Approved"
    REQUEST_CHANGES = "request_changes", "Requested changes"
    REJECT = "reject", "Rejected"


class ReviewDecision(models.Model):
    """A reviewer's decision on one revision at one stage, bound to the revision's content hash.

    An edit makes a new revision, so earlier decisions no longer count; a resubmission or a
    crisis voids them explicitly (`voided_at`), keeping them for the record.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="decisions")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="decisions")
    stage = models.ForeignKey(ReviewStage, on_delete=models.PROTECT, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    decided_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "stage", "reviewer"],
                condition=Q(voided_at__isnull=True),
                name="one_decision_per_reviewer_stage_revision",
            ),
            # Separation of duties: one person approves at most one stage of a post's revision.
            models.UniqueConstraint(
                fields=["revision", "reviewer"],
                condition=Q(voided_at__isnull=True, decision="approve"),
                name="one_approval_per_reviewer_revision",
            ),
        ]
        indexes = [models.Index(fields=["post", "revision", "stage"], name="decision_post_revision_stage")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer_id} on post #{self.post_id}"


class Comment(models.Model):
    """A message in a post's discussion; `parent` makes threads."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_created")]

    def __str__(self) -> str:
        return f"Comment #{self.pk} on post #{self.post_id}"


class PolicyCheck(models.Model):
    """The posting-policy check a revision passed when it was submitted: which policy versions,
    and what they found (warnings and escalations; a block stops the submission)."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="policy_checks")
    policy_versions = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["revision", "-checked_at"]

    def __str__(self) -> str:
        return f"Check of revision {self.revision_id} at {self.checked_at:%Y-%m-%d %H:%M}"


class RevisionScreening(models.Model):
    """What the screening of a revision's published text found (its length, words, links,
    sensitive information: `governance.rules.engine.screen`) under one set of policy versions and
    one state of the organization's directory (`key`, `engine.screen_key`). Computed once per
    revision, policy set and directory, and read by the post's page and API, so that a long
    draft is not screened again on every view. Derived data: a cache of a pure function of the
    revision, the rules and the directory, not a record of anyone's act."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="screenings")
    key = models.CharField(max_length=64)
    findings = models.JSONField(default=list)
    screened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["revision", "key"], name="one_screening_per_revision_key")]

    def __str__(self) -> str:
        return f"Screening of revision {self.revision_id}"


class FindingDismissal(models.Model):
    """A reviewer's judgement that one finding of a revision's screening is a false alarm
    (`approvals.actions.dismiss_finding`), with the reason. It informs the next reviewer and
    the sensitive screen's corpus (`manage.py export_false_alarms`); it changes nothing in the
    workflow. Kept with the revision it judged: an edit makes a new revision, whose findings
    are new and start undismissed.

    A finding is named by its rule and span: the published field its offsets index (`field`:
    the same span of a title and of a body is two findings), `start` and `end`. The kind and
    message are the finding's as it was dismissed."""

    REASON_MAX_LENGTH = 500
    # The rules whose findings can be false alarms: the sensitive-information screen's guesses
    # (governance.rules.kinds.sensitive). The other screening rules match the policy's own words,
    # limits and link domains exactly, so there is nothing they can be wrong about; and the
    # corpus the dismissals feed is the screen's.
    DISMISSABLE_RULES = frozenset({"sensitive"})

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="finding_dismissals")
    rule = models.CharField(max_length=50)
    kind = models.CharField(max_length=50, blank=True)
    field = models.CharField(max_length=20, default="body")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    message = models.TextField()
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["revision", "dismissed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "field", "rule", "start", "end"], name="one_dismissal_per_revision_finding"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="finding_dismissal_has_reason"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="finding_dismissal_span"),
        ]
        indexes = [models.Index(fields=["dismissed_at", "id"], name="finding_dismissal_dismissed_at")]

    def __str__(self) -> str:
        return f"Dismissal of {self.rule} {self.start}–{self.end} in revision {self.revision_id}"

    @property
    def key(self) -> tuple[str, str, int, int]:
        """(field, rule, start, end): the finding it dismisses (`finding_key`)."""
        return (self.field, self.rule, self.start, self.end)


def finding_key(finding) -> tuple[str, str, int, int]:
    """(field, rule, start, end) of a `governance.rules.findings.Finding`: what a dismissal names."""
    return (finding.field, finding.rule, finding.start, finding.end)


class HoldingStatement(models.Model):
    """A statement prepared in calm times for a channel ("We are aware of … and will update
    here"), approved when its managers or the crisis team save it. During a crisis covering
    the channel it can be issued as a post that needs one crisis-team approval instead of
    the full review."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="holding_statements")
    name = models.CharField(max_length=150, help_text="How the crisis team finds it, e.g. 'Service outage'")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["channel", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel_id})"

    def content(self) -> dict[str, str]:
        return {"title": self.title, "body": self.body, "link": self.link, "media_url": "", "media_alt_text": ""}


class RetractionRequest(models.Model):
    """A published post that must come down (its consent was revoked): a task for the
    channel's managers, done when the post is retracted."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="retraction_requests")
    consent = models.ForeignKey(
        "governance.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="retraction_requests"
    )
    reason = models.CharField(max_length=500)
    requested_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post"], condition=Q(done_at__isnull=True), name="one_open_retraction_request_per_post"
            ),
        ]

    def __str__(self) -> str:
        return f"Retract post #{self.post_id}"


class RetrospectiveReview(models.Model):
    """A break-glass publication, reviewed by a compliance officer afterwards (within 24 hours)."""

    class Outcome(models.TextChoices):
        JUSTIFIED = "justified", "Justified"
        NOT_JUSTIFIED = "not_justified", "Not justified"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="retrospective_reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    reason = models.TextField(help_text="Why the glass was broken")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(completed_at__isnull=True), name="retrospective_open")
        ]

    def __str__(self) -> str:
        return f"Retrospective review of post #{self.post_id}"


class Notification(models.Model):
    """Something a user should know, shown in the portal (the same events are also e-mailed):
    a post awaits their review, a reviewer decided on their post, …  Written by the tasks of
    approvals.notifications after the acting transaction committed; read by its recipient only."""

    class Kind(models.TextChoices):
        STAGE_OPENED = "stage_opened", "Review needed"
        DECISION = "decision", "Decision on your post"
        BREAK_GLASS = "break_glass", "Break-glass publication"
        RETRACTION_REQUESTED = "retraction_requested", "Retraction requested"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.CharField(max_length=500)
    # A path inside the portal (e.g. /posts/42/), never an outside address.
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The list (newest first, keyset on id) and the unread count in the navigation.
            models.Index("recipient", "read_at", models.F("id").desc(), name="notification_recipient_unread"),
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk} for {self.recipient_id}: {self.kind}"
