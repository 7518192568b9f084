from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.rules.findings import FIELDS

from ..models import Comment, FindingDismissal, PolicyCheck, Post, RetrospectiveReview, ReviewDecision, Revision
from ..selectors import dismissal_summary, dismissals_of, shown_findings, stage_progress
from ..workflow import API_ACTIONS, ActionSpec, Input, Need


class RevisionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = Revision
        fields = [
            "id",
            "number",
            "title",
            "body",
            "link",
            "media_url",
            "media_alt_text",
            "content_hash",
            "created_by",
            "created_at",
        ]


class PostSummarySerializer(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.slug")
    author = serializers.CharField(source="author.username")
    title = serializers.CharField()
    excerpt = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id",
            "channel",
            "state",
            "version",
            "author",
            "title",
            "excerpt",
            "stage",
            "awaiting_since",
            "scheduled_at",
            "published_at",
            "created_at",
            "updated_at",
        ]

    def get_excerpt(self, post) -> str:
        body = post.current_revision.body if post.current_revision_id else ""
        return body if len(body) <= 140 else body[:139] + "…"

    def get_stage(self, post) -> str | None:
        return post.current_stage.slug if post.current_stage_id else None


class DecisionSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username")
    stage = serializers.CharField(source="stage.slug")
    revision_id = serializers.IntegerField()

    class Meta:
        model = ReviewDecision
        fields = [
            "id",
            "stage",
            "reviewer",
            "decision",
            "comment",
            "revision_id",
            "content_hash",
            "decided_at",
            "voided_at",
            "voided_reason",
        ]


class StageProgressSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["done", "open", "pending"])
    approvals_required = serializers.IntegerField()
    approved_by = serializers.ListField(child=serializers.CharField())


class CitedConsentSerializer(serializers.Serializer):
    """The caller who may not see the consent itself (the consent endpoints answer 404) gets only
    `cited`, `valid` and `problem`: not the consent's id, person or document reference."""

    cited = serializers.BooleanField(help_text="The post cites a consent")
    id = serializers.IntegerField(required=False, help_text="Only for those who may see the consent")
    person_name = serializers.CharField(required=False, help_text="Only for those who may see the consent")
    document_reference = serializers.CharField(required=False, help_text="Only for those who may see the consent")
    valid = serializers.BooleanField(help_text="Covers the post's channel today")
    problem = serializers.CharField(allow_null=True, help_text="Why it does not (null: it does)")


class FindingDismissedSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the reviewer judged it a false alarm")
    by = serializers.CharField(help_text="Who dismissed it (username)")
    at = serializers.DateTimeField(help_text="When")


class FindingDismissalSerializer(serializers.ModelSerializer):
    """A finding of a revision's screening that a reviewer dismissed as a false alarm."""

    revision_id = serializers.IntegerField()
    dismissed_by = serializers.CharField(source="dismissed_by.username")

    class Meta:
        model = FindingDismissal
        fields = [
            "id",
            "revision_id",
            "rule",
            "kind",
            "field",
            "start",
            "end",
            "message",
            "reason",
            "dismissed_by",
            "dismissed_at",
        ]


_DISMISSED_SCHEMA = {
    "oneOf": [
        {"type": "boolean", "enum": [False], "description": "Not dismissed"},
        {
            "type": "object",
            "description": "Dismissed as a false alarm: why, by whom, when",
            "properties": {
                "reason": {"type": "string"},
                "by": {"type": "string"},
                "at": {"type": "string", "format": "date-time"},
            },
            "required": ["reason", "by", "at"],
        },
    ]
}


class PostFindingSerializer(serializers.Serializer):
    """A finding of the posting policy on the post's current revision (API.md's shape), with the
    published field its offsets index and whether a reviewer dismissed it as a false alarm."""

    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["block", "escalate", "warn"])
    message = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    kind = serializers.CharField(help_text="What was found, machine-readable (the sensitive rule's kinds); '' for none")
    field = serializers.CharField(
        help_text="The published field the offsets index (title, body, link, media_alt_text); '' for the whole post"
    )
    dismissed = serializers.SerializerMethodField()

    @extend_schema_field(_DISMISSED_SCHEMA)
    def get_dismissed(self, shown) -> dict | bool:
        summary = dismissal_summary(shown.dismissal)
        return FindingDismissedSerializer(summary).data if summary else False


class PostDetailSerializer(PostSummarySerializer):
    """The post as its detail view shows it; expects `selectors.post_for` prefetching."""

    co_authors = serializers.SerializerMethodField()
    revision = RevisionSerializer(source="current_revision")
    findings = serializers.SerializerMethodField()
    submitted_check = serializers.SerializerMethodField()
    stages = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, source="decisions.all")
    retrospective_reviews = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    consent = serializers.SerializerMethodField()

    class Meta(PostSummarySerializer.Meta):
        fields = [
            *PostSummarySerializer.Meta.fields,
            "co_authors",
            "revision",
            "escalations",
            "findings",
            "submitted_check",
            "stages",
            "decisions",
            "retrospective_reviews",
            "available_actions",
            "submitted_at",
            "status_reason",
            "remote_id",
            "remote_url",
            "consent",
        ]

    def get_co_authors(self, post) -> list[str]:
        return [user.username for user in post.co_authors.all()]

    @extend_schema_field(PostFindingSerializer(many=True))
    def get_findings(self, post) -> list[dict]:
        """The channel's posting policy applied now to the current revision, each finding with
        its dismissal as a false alarm, if any (one query for the revision's dismissals)."""
        from ..actions import policy_check

        revision = post.current_revision
        shown = shown_findings(revision, policy_check(post).findings, dismissals_of(revision))
        return PostFindingSerializer(shown, many=True).data

    def get_submitted_check(self, post) -> dict | None:
        """What the policy found when this revision was last submitted, and which versions said so."""
        check = PolicyCheck.objects.filter(revision_id=post.current_revision_id).first()
        if check is None:
            return None
        return {"checked_at": check.checked_at, "policy_versions": check.policy_versions, "findings": check.findings}

    def get_stages(self, post) -> list[dict]:
        return StageProgressSerializer(stage_progress(post), many=True).data

    def get_retrospective_reviews(self, post) -> list[dict]:
        """Break-glass publications of the post and their retrospective reviews (prefetched)."""
        return RetrospectiveReviewSummarySerializer(post.retrospective_reviews.all(), many=True).data

    def get_available_actions(self, post) -> list[str]:
        from ..permissions import available_actions

        return available_actions(self.context["request"].user, post)

    @extend_schema_field(CitedConsentSerializer(allow_null=True))
    def get_consent(self, post) -> dict | None:
        """The consent the post cites, and whether it covers the post today (null: none cited);
        its details only for callers who may see the consent."""
        from ..selectors import consent_summary

        return consent_summary(post, self.context["request"].user)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")

    class Meta:
        model = Comment
        fields = ["id", "parent", "author", "body", "revision", "created_at"]


# --- inputs ---------------------------------------------------------------------------


class PostCreateInput(serializers.Serializer):
    channel = serializers.SlugField()
    body = serializers.CharField(trim_whitespace=False, max_length=settings.POST_BODY_MAX_CHARS)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_alt_text = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    co_authors = serializers.ListField(child=serializers.CharField(), required=False)
    consent = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the consent the post cites (channels that require consent)"
    )


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class PostEditInput(VersionInput):
    body = serializers.CharField(required=False, trim_whitespace=False, max_length=settings.POST_BODY_MAX_CHARS)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_alt_text = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    consent = serializers.IntegerField(
        required=False, allow_null=True, help_text="Cite another consent (null: none); sends the post back to draft"
    )
    co_authors = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Usernames of all the co-authors (replaces the list); a change sends the post back to draft",
    )


# --- the input of each workflow action, made from its spec ------------------------------------

_VERSION_HELP = "The version of the post you are acting on (a 409 when it has moved on since)."


def _input_field(spec_input: Input) -> serializers.Field:
    """The API's field for one of an action's inputs (approvals.workflow.Input), by its name."""
    required, help_text = spec_input.required, spec_input.help
    match spec_input.name:
        case "comment" | "reason":
            return serializers.CharField(required=required, allow_blank=not required, help_text=help_text)
        case "scheduled_at":
            return serializers.DateTimeField(required=required, help_text=help_text)
        case "remote_url":
            return serializers.URLField(max_length=500, required=required, help_text=help_text)
        case "remote_id":
            return serializers.CharField(max_length=200, required=required, allow_blank=True, help_text=help_text)
    raise ValueError(f"no API field for the input {spec_input.name!r}")


def _action_input(spec: ActionSpec) -> type[serializers.Serializer]:
    """`ApproveInput`, `ScheduleInput`, …: exactly what the action takes, and so what the OpenAPI
    schema documents for it."""
    fields: dict[str, serializers.Field] = {}
    if spec.version is not Need.NO:
        required = spec.version is Need.REQUIRED
        fields["version"] = serializers.IntegerField(
            min_value=1,
            required=required,
            help_text=_VERSION_HELP if required else _VERSION_HELP + " Without it: the post as it is now.",
        )
    for spec_input in spec.inputs:
        fields[spec_input.name] = _input_field(spec_input)
    name = "".join(part.capitalize() for part in spec.action.split("_")) + "Input"
    return type(name, (serializers.Serializer,), {**fields, "__doc__": spec.summary})


ACTION_INPUTS: dict[str, type[serializers.Serializer]] = {spec.action: _action_input(spec) for spec in API_ACTIONS}


class FindingDismissalInput(serializers.Serializer):
    """Which finding of the current revision is a false alarm (its rule and span, as the post's
    `findings` give them), and why."""

    rule = serializers.CharField(max_length=50, help_text="The finding's rule (e.g. sensitive)")
    start = serializers.IntegerField(min_value=0, help_text="The finding's start offset")
    end = serializers.IntegerField(min_value=0, help_text="The finding's end offset")
    field = serializers.ChoiceField(
        choices=list(FIELDS),
        required=False,
        help_text="The finding's field; needed only when the same span is found in two fields",
    )
    reason = serializers.CharField(
        max_length=FindingDismissal.REASON_MAX_LENGTH, help_text="Why it is not sensitive (required; kept on record)"
    )
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version of the post you saw (a 409 when it has moved on since)"
    )


class CommentInput(serializers.Serializer):
    body = serializers.CharField()
    parent = serializers.IntegerField(required=False, allow_null=True)


class HoldingStatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField(source="channel.slug")
    name = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    is_active = serializers.BooleanField()
    version = serializers.IntegerField()
    approved_by = serializers.CharField(source="approved_by.username")
    approved_at = serializers.DateTimeField()


class HoldingStatementInput(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(max_length=settings.POST_BODY_MAX_CHARS)
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class HoldingStatementEditInput(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField(max_length=150, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(required=False, max_length=settings.POST_BODY_MAX_CHARS)
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ReleaseHeldOutput(serializers.Serializer):
    released = serializers.ListField(child=serializers.DictField())
    skipped = serializers.ListField(child=serializers.DictField())


# --- break-glass publishing -------------------------------------------------------------


class RetrospectiveReviewSummarySerializer(serializers.ModelSerializer):
    """A break-glass publication and its retrospective review, as the post's detail lists it."""

    revision_id = serializers.IntegerField()
    requested_by = serializers.CharField(source="requested_by.username")
    completed_by = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = RetrospectiveReview
        fields = [
            "id",
            "revision_id",
            "content_hash",
            "reason",
            "requested_by",
            "requested_at",
            "due_at",
            "overdue",
            "completed_at",
            "completed_by",
            "outcome",
            "comment",
        ]

    def get_completed_by(self, review) -> str | None:
        return review.completed_by.username if review.completed_by_id else None

    def get_overdue(self, review) -> bool:
        """Still open after its due time."""
        return review.completed_at is None and review.due_at < timezone.now()


class RetrospectiveReviewSerializer(RetrospectiveReviewSummarySerializer):
    """One entry of the compliance officers' retrospective-review queue."""

    post = serializers.IntegerField(source="post_id")
    channel = serializers.CharField(source="post.channel.slug")

    class Meta(RetrospectiveReviewSummarySerializer.Meta):
        fields = ["id", "post", "channel", *RetrospectiveReviewSummarySerializer.Meta.fields[1:]]


class QueryBooleanField(serializers.BooleanField):
    NULL_VALUES = set()  # `?open=null` is not a boolean: a 400, not "no filter"


class ReviewQueueFilters(serializers.Serializer):
    """The queue page's filters, checked strictly (the page ignores a bad value; the API says so)."""

    channel = serializers.CharField(required=False, allow_blank=True, max_length=100)
    department = serializers.CharField(required=False, allow_blank=True, max_length=100)
    waiting = serializers.ChoiceField(choices=["1d", "3d", "7d"], required=False, allow_blank=True)
    flagged = QueryBooleanField(required=False, allow_null=True, default=None)


class RetrospectiveFilters(serializers.Serializer):
    # allow_null: a missing query parameter is "no filter", not False.
    open = QueryBooleanField(required=False, allow_null=True, default=None)


class RetrospectiveCompleteInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RetrospectiveReview.Outcome.choices)
    comment = serializers.CharField(required=False, allow_blank=True)


# The post's detail lists its retrospective reviews with the serializer above (defined after it).
extend_schema_field(RetrospectiveReviewSummarySerializer(many=True))(PostDetailSerializer.get_retrospective_reviews)


# --- consent ----------------------------------------------------------------------------


class RetractionRequestSerializer(serializers.Serializer):
    """A published post whose consent was revoked: a task for the channel's managers."""

    id = serializers.IntegerField()
    post = serializers.IntegerField(source="post_id")
    channel = serializers.CharField(source="post.channel.slug")
    state = serializers.CharField(source="post.state")
    title = serializers.CharField(source="post.title")
    remote_url = serializers.CharField(source="post.remote_url")
    consent = serializers.IntegerField(source="consent_id", allow_null=True)
    document_reference = serializers.SerializerMethodField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    done_by = serializers.SerializerMethodField()

    def get_document_reference(self, request) -> str | None:
        return request.consent.document_reference if request.consent_id else None

    def get_done_by(self, request) -> str | None:
        return request.done_by.username if request.done_by_id else None


class RetractionRequestFilters(serializers.Serializer):
    done = serializers.BooleanField(required=False, default=False)
