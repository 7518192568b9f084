"""REST API of holding statements: a channel's statements, written and changed by its managers
and the crisis team (saving one is its approval), and issued in a crisis (API.md)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import selectors as governance_selectors

from .. import actions, selectors
from ..models import HoldingStatement
from .posts import _detail, _valid
from .serializers import (
    HoldingStatementEditInput,
    HoldingStatementInput,
    HoldingStatementSerializer,
    PostDetailSerializer,
)


@extend_schema(tags=["crises"])
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


@extend_schema(tags=["crises"])
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


@extend_schema(tags=["crises"])
class HoldingStatementIssueView(APIView):
    """Issue the statement during a crisis covering its channel: a post awaiting one
    crisis-team approval (not the issuer's), published as soon as it is approved."""

    @extend_schema(request=None, responses={201: PostDetailSerializer})
    def post(self, request, statement_id):
        statement = selectors.holding_statement_for(request.user, statement_id)
        post = actions.issue_holding_statement(statement, actor=request.user)
        return _detail(request, post.pk, status_code=status.HTTP_201_CREATED)


urlpatterns = [
    path("channels/<slug:slug>/holding-statements/", HoldingStatementListView.as_view(), name="holding-statement-list"),
    path(
        "holding-statements/<int:statement_id>/", HoldingStatementDetailView.as_view(), name="holding-statement-detail"
    ),
    path(
        "holding-statements/<int:statement_id>/issue/",
        HoldingStatementIssueView.as_view(),
        name="holding-statement-issue",
    ),
]
