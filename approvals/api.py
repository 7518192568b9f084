"""REST API for posts, their workflow actions, comments and the review queue (API.md).

Views are thin: resolve the post through a selector (404 when missing or not visible),
validate the input, call the action, answer with the post as it now is.
"""

import base64
import binascii
import json
from datetime import datetime

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.api import (
    PAGINATION_PARAMETERS,
    BooleanFilter,
    ChoiceFilter,
    KeysetPagination,
    page_size_from,
    paginate,
    paginated_schema,
)
from core.errors import Conflict, NotVisible, ValidationFailed
from governance import selectors as governance_selectors
from governance.models import Consent

from . import actions, rules, selectors
from .models import Comment, HoldingStatement, PostState
from .serializers import (
    ApproveInput,
    CommentInput,
    CommentSerializer,
    DecisionWithCommentInput,
    HoldingStatementEditInput,
    HoldingStatementInput,
    HoldingStatementSerializer,
    MarkPublishedInput,
    OptionalVersionInput,
    PostCreateInput,
    PostDetailSerializer,
    PostEditInput,
    PostSummarySerializer,
    ReasonInput,
    ReleaseHeldOutput,
    RetractionRequestFilters,
    RetractionRequestSerializer,
    RetrospectiveCompleteInput,
    RetrospectiveFilters,
    RetrospectiveReviewSerializer,
    ScheduleInput,
    VersionInput,
)


def _detail(request, post_id, *, status_code=status.HTTP_200_OK) -> Response:
    post = selectors.post_for(request.user, post_id)
    return Response(PostDetailSerializer(post, context={"request": request}).data, status=status_code)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _cite_consent(data: dict) -> None:
    """Replace the consent id of the input by the consent (the action checks that the caller may
    see it and that it covers the channel; an unknown id reads the same as one not visible)."""
    if data.get("consent") is None:
        return
    consent = Consent.objects.filter(pk=data["consent"]).first()
    if consent is None:
        raise ValidationFailed("No such consent.", errors={"consent": ["No such consent."]})
    data["consent"] = consent


def _co_authors(usernames: list[str]) -> list:
    """The users named (the action checks that they may draft on the channel)."""
    users, unknown = selectors.users_named(dict.fromkeys(usernames))
    if unknown:
        raise ValidationFailed(errors={"co_authors": [f"Unknown user: {name}" for name in sorted(unknown)]})
    return users


class PostFilter(django_filters.FilterSet):
    state = ChoiceFilter(choices=PostState.choices)
    channel = django_filters.CharFilter(field_name="channel__slug")
    mine = BooleanFilter(method="filter_mine")

    def filter_mine(self, queryset, name, value):
        return queryset.filter(author=self.request.user) if value else queryset.exclude(author=self.request.user)


class PostListCreateView(generics.ListAPIView):
    """Posts visible to the caller, newest first (filters `state`, `channel`, `mine`); POST starts a draft."""

    serializer_class = PostSummarySerializer
    filterset_class = PostFilter

    def get_queryset(self):
        return selectors.posts_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "-id"
        return super().paginate_queryset(queryset)

    @extend_schema(request=PostCreateInput, responses={201: PostDetailSerializer})
    def post(self, request):
        data = _valid(PostCreateInput, request)
        try:
            channel = governance_selectors.channel_for(request.user, data.pop("channel"))
        except NotVisible:
            raise ValidationFailed(errors={"channel": ["No such channel."]}) from None
        co_authors = _co_authors(data.pop("co_authors", []))
        _cite_consent(data)
        post = actions.create_post(actor=request.user, channel=channel, co_authors=co_authors, **data)
        return _detail(request, post.pk, status_code=status.HTTP_201_CREATED)


class PostDetailView(APIView):
    @extend_schema(responses=PostDetailSerializer)
    def get(self, request, post_id):
        return _detail(request, post_id)

    @extend_schema(request=PostEditInput, responses=PostDetailSerializer)
    def patch(self, request, post_id):
        """Edit the content: a new revision; approvals given earlier are voided. Citing another
        consent (`consent`) sends the post back to draft too."""
        post = selectors.post_for(request.user, post_id)
        data = _valid(PostEditInput, request)
        _cite_consent(data)
        if "co_authors" in data:
            data["co_authors"] = _co_authors(data["co_authors"])
        actions.edit_post(post, actor=request.user, expected_version=data.pop("version"), **data)
        return _detail(request, post_id)


class _PostActionView(APIView):
    input_class = VersionInput

    def run(self, post, actor, data):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def post(self, request, post_id):
        post = selectors.post_for(request.user, post_id)
        data = _valid(self.input_class, request)
        self.run(post, request.user, data)
        return _detail(request, post_id)


def _action_view(name: str, input_class, run, doc: str):
    view = type(
        name,
        (_PostActionView,),
        {"input_class": input_class, "run": lambda self, post, actor, data: run(post, actor, data), "__doc__": doc},
    )
    view.post = extend_schema(request=input_class, responses=PostDetailSerializer, summary=doc)(view.post)
    return view


SubmitView = _action_view(
    "SubmitView",
    VersionInput,
    lambda post, actor, d: actions.submit(post, actor=actor, expected_version=d["version"]),
    "Send a draft for review (authors).",
)
ApproveView = _action_view(
    "ApproveView",
    ApproveInput,
    lambda post, actor, d: actions.approve(
        post, actor=actor, expected_version=d["version"], comment=d.get("comment", "")
    ),
    "Approve the open review stage (an eligible reviewer who is not an author).",
)
RequestChangesView = _action_view(
    "RequestChangesView",
    DecisionWithCommentInput,
    lambda post, actor, d: actions.request_changes(
        post, actor=actor, expected_version=d["version"], comment=d["comment"]
    ),
    "Send the post back to its authors with a comment (eligible reviewer).",
)
RejectView = _action_view(
    "RejectView",
    DecisionWithCommentInput,
    lambda post, actor, d: actions.reject(post, actor=actor, expected_version=d["version"], comment=d["comment"]),
    "Reject the post with a comment (eligible reviewer).",
)
WithdrawView = _action_view(
    "WithdrawView",
    OptionalVersionInput,
    lambda post, actor, d: actions.withdraw(post, actor=actor, expected_version=d.get("version", post.version)),
    "Withdraw the post before it is published (its author).",
)
ScheduleView = _action_view(
    "ScheduleView",
    ScheduleInput,
    lambda post, actor, d: actions.schedule(
        post, actor=actor, expected_version=d["version"], scheduled_at=d["scheduled_at"]
    ),
    "Schedule an approved post (publishers of the channel).",
)
PublishView = _action_view(
    "PublishView",
    OptionalVersionInput,
    lambda post, actor, d: actions.publish_now(post, actor=actor, expected_version=d.get("version", post.version)),
    "Publish an approved or scheduled post now (publishers of the channel).",
)

RetryView = _action_view(
    "RetryView",
    VersionInput,
    lambda post, actor, d: actions.retry(post, actor=actor, expected_version=d["version"]),
    "Send a failed post again, exactly as approved (publishers of the channel).",
)
MarkPublishedView = _action_view(
    "MarkPublishedView",
    MarkPublishedInput,
    lambda post, actor, d: actions.mark_published(
        post, actor=actor, expected_version=d["version"], remote_url=d["remote_url"], remote_id=d.get("remote_id", "")
    ),
    "Record the live address of a post published by hand (publishers of the channel).",
)
HoldView = _action_view(
    "HoldView",
    ReasonInput,
    lambda post, actor, d: actions.hold(post, actor=actor, expected_version=d["version"], reason=d["reason"]),
    "Stop an approved or scheduled post from going out (channel managers, crisis team).",
)
ReleaseView = _action_view(
    "ReleaseView",
    VersionInput,
    lambda post, actor, d: actions.release(post, actor=actor, expected_version=d["version"]),
    "Let a held post go on (channel managers, crisis team).",
)
RetractView = _action_view(
    "RetractView",
    ReasonInput,
    lambda post, actor, d: actions.retract(post, actor=actor, expected_version=d["version"], reason=d["reason"]),
    "Record that a published post was taken down, and why (channel managers).",
)


class PostCommentsView(APIView):
    @extend_schema(responses=paginated_schema(CommentSerializer), parameters=PAGINATION_PARAMETERS)
    def get(self, request, post_id):
        """The post's discussion, oldest first (threads through `parent`), paginated like every list."""
        post = selectors.post_for(request.user, post_id)
        comments = Comment.objects.filter(post=post).select_related("author")
        return paginate(self, request, comments, CommentSerializer, ordering="id")

    @extend_schema(request=CommentInput, responses={201: CommentSerializer})
    def post(self, request, post_id):
        post = selectors.post_for(request.user, post_id)
        data = _valid(CommentInput, request)
        parent = None
        if data.get("parent"):
            parent = Comment.objects.filter(post=post, pk=data["parent"]).first()
            if parent is None:
                raise ValidationFailed(errors={"parent": ["No such comment on this post."]})
        made = actions.comment(post, actor=request.user, body=data["body"], parent=parent)
        return Response(CommentSerializer(made).data, status=status.HTTP_201_CREATED)


class ReviewQueuePagination(KeysetPagination):
    ordering = ("awaiting_since", "id")

    def fetch(self, queryset, after, limit):
        return selectors.review_queue_page(self.request.user, after=after, limit=limit)


class ReviewQueueView(generics.ListAPIView):
    """Posts awaiting a decision the caller is eligible to give, oldest first."""

    serializer_class = PostSummarySerializer
    pagination_class = ReviewQueuePagination
    filter_backends = []

    def get_queryset(self):
        return selectors.review_queue_for(self.request.user)


class HoldingStatementListView(generics.ListAPIView):
    """The channel's holding statements (for those who see every post on it). POST writes one:
    the channel's managers and the crisis team; saving it is its approval."""

    serializer_class = HoldingStatementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no channel
            return HoldingStatement.objects.none()
        channel = governance_selectors.channel_for(self.request.user, self.kwargs["slug"])
        return selectors.holding_statements_visible_to(self.request.user, channel=channel)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "name"
        return super().paginate_queryset(queryset)

    @extend_schema(request=HoldingStatementInput, responses={201: HoldingStatementSerializer})
    def post(self, request, slug):
        channel = governance_selectors.channel_for(request.user, slug)
        data = _valid(HoldingStatementInput, request)
        statement = actions.save_holding_statement(None, actor=request.user, channel=channel, **data)
        return Response(HoldingStatementSerializer(statement).data, status=status.HTTP_201_CREATED)


class HoldingStatementDetailView(APIView):
    @extend_schema(responses=HoldingStatementSerializer)
    def get(self, request, statement_id):
        statement = selectors.holding_statement_for(request.user, statement_id)
        return Response(HoldingStatementSerializer(statement).data)

    @extend_schema(request=HoldingStatementEditInput, responses=HoldingStatementSerializer)
    def patch(self, request, statement_id):
        statement = selectors.holding_statement_for(request.user, statement_id)
        data = _valid(HoldingStatementEditInput, request)
        version = data.pop("version")
        statement = actions.save_holding_statement(statement, actor=request.user, expected_version=version, **data)
        return Response(HoldingStatementSerializer(statement).data)


class HoldingStatementIssueView(APIView):
    """Issue the statement during a crisis covering its channel: a post awaiting one
    crisis-team approval (not the issuer's), published as soon as it is approved."""

    @extend_schema(request=None, responses={201: PostDetailSerializer})
    def post(self, request, statement_id):
        statement = selectors.holding_statement_for(request.user, statement_id)
        post = actions.issue_holding_statement(statement, actor=request.user)
        return _detail(request, post.pk, status_code=status.HTTP_201_CREATED)


class ReleaseHeldView(APIView):
    """Release every post held in an ended crisis's scope that the caller may release; the
    others are listed with the reason they stay held."""

    @extend_schema(request=None, responses=ReleaseHeldOutput)
    def post(self, request, crisis_id):
        incident = governance_selectors.crisis_for_user(request.user, crisis_id)
        if incident.is_active:
            raise Conflict("The crisis is still active; end it before releasing what it held.", code="crisis_active")
        return Response(actions.release_held_posts(incident, actor=request.user))


# --- break-glass publishing -------------------------------------------------------------

BreakGlassView = _action_view(
    "BreakGlassView",
    ReasonInput,
    lambda post, actor, d: actions.break_glass(post, actor=actor, expected_version=d["version"], reason=d["reason"]),
    "Publish now, approved or not, with a reason (break-glass permission on the channel); "
    "compliance officers are told at once and review it within 24 hours.",
)


class IsComplianceOfficer(BasePermission):
    message = "Only compliance officers review break-glass publications."

    def has_permission(self, request, view):
        return rules.is_compliance_officer(request.user)


class RetrospectiveReviewPagination(KeysetPagination):
    """Keyset pagination on (completed?, due_at, id): open reviews first, then completed ones,
    each oldest due first. The cursor holds the last row's key."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = page_size_from(request, default=self.page_size, maximum=self.max_page_size)
        after = None
        raw = request.query_params.get(self.cursor_query_param)
        if raw:
            try:
                done, due_at, pk = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
                after = (bool(done), datetime.fromisoformat(due_at), int(pk))
            except (ValueError, TypeError, binascii.Error):
                raise NotFound("Invalid cursor.") from None
        rows = selectors.retrospective_reviews_page(queryset, after=after, limit=self.size + 1)
        self.has_next = len(rows) > self.size
        self.page = rows[: self.size]
        return self.page

    def get_next_link(self):
        if not self.has_next:
            return None
        last = self.page[-1]
        key = [last.completed_at is not None, last.due_at.isoformat(), last.pk]
        cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)


class RetrospectiveReviewListView(generics.ListAPIView):
    """Break-glass publications and their retrospective reviews (compliance officers only):
    open ones first, oldest due first; `?open=true|false` keeps only the open/completed ones."""

    serializer_class = RetrospectiveReviewSerializer
    permission_classes = [IsAuthenticated, IsComplianceOfficer]
    pagination_class = RetrospectiveReviewPagination
    filter_backends = []

    @extend_schema(parameters=[OpenApiParameter("open", bool, description="true: still to review; false: completed")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = RetrospectiveFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.retrospective_reviews_for(self.request.user, is_open=filters.validated_data["open"])


class RetrospectiveReviewCompleteView(APIView):
    """Complete a retrospective review: `justified`, or `not_justified` with a comment. Compliance
    officers only, never the person who broke the glass; once (409 after that)."""

    permission_classes = [IsAuthenticated, IsComplianceOfficer]

    @extend_schema(request=RetrospectiveCompleteInput, responses=RetrospectiveReviewSerializer)
    def post(self, request, review_id):
        review = selectors.retrospective_review_for(request.user, review_id)
        data = _valid(RetrospectiveCompleteInput, request)
        review = actions.complete_retrospective(
            review, actor=request.user, outcome=data["outcome"], comment=data.get("comment", "")
        )
        review = selectors.retrospective_review_for(request.user, review.pk)
        return Response(RetrospectiveReviewSerializer(review).data)


# --- consent ----------------------------------------------------------------------------


class RetractionRequestListView(generics.ListAPIView):
    """Published posts that must come down because the consent they cite was revoked: the open
    requests on the channels the caller manages (compliance officers: all), oldest first;
    `?done=true` lists the finished ones. Retracting the post (`posts/{id}/retract/`) finishes one."""

    serializer_class = RetractionRequestSerializer
    filter_backends = []

    @extend_schema(parameters=[OpenApiParameter("done", bool, description="true: the finished requests")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = RetractionRequestFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.retraction_requests_visible_to(self.request.user, done=filters.validated_data["done"])

    def paginate_queryset(self, queryset):
        self.paginator.ordering = ("requested_at", "id")
        return super().paginate_queryset(queryset)
