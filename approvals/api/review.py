"""REST API of reviewing: the reviewer's queue, and the compliance officers' retrospective
reviews of break-glass publications (API.md)."""

import base64
import json

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts import roles
from core.api import (
    KeysetPagination,
    cursor_datetime,
    cursor_id,
    decode_keyset_cursor,
    page_size_from,
)

from .. import actions, selectors
from .posts import _valid
from .serializers import (
    PostSummarySerializer,
    RetrospectiveCompleteInput,
    RetrospectiveFilters,
    RetrospectiveReviewSerializer,
    ReviewQueueFilters,
)


class ReviewQueuePagination(KeysetPagination):
    ordering = ("awaiting_since", "id")

    def fetch(self, queryset, after, limit):
        # The queue page's filters, read as the page reads them (`QueueFilters.from_query`), once
        # they are known to be valid (a bad value is a 400, not silently no filter).
        ReviewQueueFilters(data=self.request.query_params).is_valid(raise_exception=True)
        filters = selectors.QueueFilters.from_query(self.request.query_params)
        return selectors.queue_page(self.request.user, filters, after=after, limit=limit)


@extend_schema(
    tags=["review"],
    parameters=[
        OpenApiParameter("channel", str, description="A channel's slug"),
        OpenApiParameter("department", str, description="The owning department's slug"),
        OpenApiParameter("waiting", str, enum=["1d", "3d", "7d"], description="Waiting longer than"),
        OpenApiParameter("flagged", bool, description="Only posts whose policy check found something"),
    ],
)
class ReviewQueueView(generics.ListAPIView):
    """Posts awaiting a decision the caller may give now, oldest first: not those on channels whose
    required training certification the caller lacks. The queue page's filters: `channel`,
    `department`, `waiting` (1d, 3d, 7d), `flagged`."""

    serializer_class = PostSummarySerializer
    pagination_class = ReviewQueuePagination
    filter_backends = []

    def get_queryset(self):
        return selectors.review_queue_for(self.request.user)


class IsComplianceOfficer(BasePermission):
    message = "Only compliance officers review break-glass publications."

    def has_permission(self, request, view):
        return roles.is_compliance_officer(request.user)


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
                done, due_at, pk = decode_keyset_cursor(raw, length=3)
                if not isinstance(done, bool):
                    raise ValueError("not a boolean")
                after = (done, cursor_datetime(due_at), cursor_id(pk))
            except ValueError:
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


@extend_schema(tags=["review"])
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


@extend_schema(tags=["review"])
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


urlpatterns = [
    path("review-queue/", ReviewQueueView.as_view(), name="review-queue"),
    path("retrospective-reviews/", RetrospectiveReviewListView.as_view(), name="retrospective-review-list"),
    path(
        "retrospective-reviews/<int:review_id>/complete/",
        RetrospectiveReviewCompleteView.as_view(),
        name="retrospective-review-complete",
    ),
]
