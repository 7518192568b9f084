from rest_framework import serializers

from .models import Comment, PolicyCheck, Post, ReviewDecision, ReviewStage, Revision


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


class PostDetailSerializer(PostSummarySerializer):
    """The post as its detail view shows it; expects `selectors.post_for` prefetching."""

    co_authors = serializers.SerializerMethodField()
    revision = RevisionSerializer(source="current_revision")
    findings = serializers.SerializerMethodField()
    submitted_check = serializers.SerializerMethodField()
    stages = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, source="decisions.all")
    available_actions = serializers.SerializerMethodField()

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
            "available_actions",
            "submitted_at",
            "status_reason",
            "remote_id",
            "remote_url",
        ]

    def get_co_authors(self, post) -> list[str]:
        return [user.username for user in post.co_authors.all()]

    def get_findings(self, post) -> list[dict]:
        """The channel's posting policy applied now to the current revision."""
        from .actions import policy_check

        return [f.as_dict() for f in policy_check(post).findings]

    def get_submitted_check(self, post) -> dict | None:
        """What the policy found when this revision was last submitted, and which versions said so."""
        check = PolicyCheck.objects.filter(revision_id=post.current_revision_id).first()
        if check is None:
            return None
        return {"checked_at": check.checked_at, "policy_versions": check.policy_versions, "findings": check.findings}

    def get_stages(self, post) -> list[dict]:
        return StageProgressSerializer(stage_progress(post), many=True).data

    def get_available_actions(self, post) -> list[str]:
        from .actions import available_actions

        return available_actions(self.context["request"].user, post)


def stage_progress(post: Post) -> list[dict]:
    """The post's review plan with what happened at each stage on the current revision."""
    stages = {stage.pk: stage for stage in ReviewStage.objects.filter(pk__in=post.review_plan)}
    active = [d for d in post.decisions.all() if d.revision_id == post.current_revision_id and d.voided_at is None]
    progress, reached_open = [], False
    for stage_id in post.review_plan:
        stage = stages.get(stage_id)
        if stage is None:
            continue
        approved_by = [d.reviewer.username for d in active if d.stage_id == stage_id and d.decision == "approve"]
        if post.state == "in_review" and post.current_stage_id == stage_id:
            status, reached_open = "open", True
        elif reached_open or (post.state in ("draft", "changes_requested") and not approved_by):
            status = "pending"
        else:
            status = "done" if len(approved_by) >= stage.approvals_required else "pending"
        progress.append(
            {
                "slug": stage.slug,
                "name": stage.name,
                "status": status,
                "approvals_required": stage.approvals_required,
                "approved_by": approved_by,
            }
        )
    return progress


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")

    class Meta:
        model = Comment
        fields = ["id", "parent", "author", "body", "revision", "created_at"]


# --- inputs ---------------------------------------------------------------------------


class PostCreateInput(serializers.Serializer):
    channel = serializers.SlugField()
    body = serializers.CharField(trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_alt_text = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    co_authors = serializers.ListField(child=serializers.CharField(), required=False)


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class PostEditInput(VersionInput):
    body = serializers.CharField(required=False, trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    media_alt_text = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)


class ApproveInput(VersionInput):
    comment = serializers.CharField(required=False, allow_blank=True)


class DecisionWithCommentInput(VersionInput):
    comment = serializers.CharField()


class ScheduleInput(VersionInput):
    scheduled_at = serializers.DateTimeField()


class ReasonInput(VersionInput):
    reason = serializers.CharField()


class MarkPublishedInput(VersionInput):
    remote_url = serializers.URLField(max_length=500)
    remote_id = serializers.CharField(required=False, allow_blank=True, max_length=200)


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
    body = serializers.CharField()
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class HoldingStatementEditInput(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField(max_length=150, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(required=False)
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ReleaseHeldOutput(serializers.Serializer):
    released = serializers.ListField(child=serializers.DictField())
    skipped = serializers.ListField(child=serializers.DictField())
