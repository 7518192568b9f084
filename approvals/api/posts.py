"""REST API for posts: the list, a draft's creation, a post and its edits, its workflow actions
(one view per action, derived from its spec in approvals.workflow) and its discussion (API.md).

Views are thin: resolve the post through a selector (404 when missing or not visible),
validate the input, call the action, answer with the post as it now is.
"""

import django_filters
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    PAGINATION_PARAMETERS,
    BooleanFilter,
    ChoiceFilter,
    paginate,
    paginated_schema,
)
from core.errors import NotVisible, ValidationFailed
from governance import selectors as governance_selectors
from governance.models import Consent

from .. import actions, selectors
from ..models import Comment, PostState
from ..workflow import API_ACTIONS, ActionSpec
from .serializers import (
    ACTION_INPUTS,
    CommentInput,
    CommentSerializer,
    FindingDismissalInput,
    FindingDismissalSerializer,
    PostCreateInput,
    PostDetailSerializer,
    PostEditInput,
    PostSummarySerializer,
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


@extend_schema(tags=["posts"])
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
            # The directory is open to everyone: a channel one may not draft on is refused (403)
            # by the action, only a channel that does not exist is a field error.
            channel = governance_selectors.directory_channel(data.pop("channel"))
        except NotVisible:
            raise ValidationFailed(errors={"channel": ["No such channel."]}) from None
        co_authors = _co_authors(data.pop("co_authors", []))
        _cite_consent(data)
        post = actions.create_post(actor=request.user, channel=channel, co_authors=co_authors, **data)
        return _detail(request, post.pk, status_code=status.HTTP_201_CREATED)


@extend_schema(tags=["posts"])
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


def _action_view(spec: ActionSpec) -> type[APIView]:
    """`POST posts/{id}/<slug>/` for one workflow action: the input its spec names, validated;
    the action carried out (`actions.perform`); the post as it now is. Documented from the spec:
    its own request body, its summary and its area."""
    input_class = ACTION_INPUTS[spec.action]

    def post(self, request, post_id):
        target = selectors.post_for(request.user, post_id)
        actions.perform(spec.action, target, actor=request.user, data=_valid(input_class, request))
        return _detail(request, post_id)

    post = extend_schema(request=input_class, responses=PostDetailSerializer, summary=spec.summary, tags=[spec.area])(
        post
    )
    name = "".join(part.capitalize() for part in spec.action.split("_")) + "View"
    return type(name, (APIView,), {"post": post, "__doc__": spec.summary})


# One view per action of the API, by its address: posts/{id}/approve/, posts/{id}/request-changes/, …
ACTION_VIEWS: dict[str, type[APIView]] = {spec.slug: _action_view(spec) for spec in API_ACTIONS}


@extend_schema(tags=["posts"])
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


@extend_schema(tags=["review"])
class FindingDismissView(APIView):
    @extend_schema(
        request=FindingDismissalInput,
        responses={201: FindingDismissalSerializer},
        summary="Dismiss a finding of the sensitive-information screen as a false alarm, with a reason "
        "(the channel's reviewers and compliance officers, not the post's writers).",
    )
    def post(self, request, post_id):
        """Record that a finding of the post's current revision (named by `rule`, `start`, `end`,
        and `field` when the same span is found in two fields) is a false alarm, and why. The
        post's state and review plan do not change: a dismissal informs the next reviewer and the
        screen's corpus, it lifts no stage (compliance sign-off included). 400 when there is no
        such finding or no reason, 403 when the caller may see the post but not judge its
        findings, 404 when the post is not visible, 409 for a stale `version` or a finding
        already dismissed."""
        post = selectors.post_for(request.user, post_id)
        data = _valid(FindingDismissalInput, request)
        dismissal = actions.dismiss_finding(
            post,
            actor=request.user,
            rule=data["rule"],
            start=data["start"],
            end=data["end"],
            field=data.get("field"),
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return Response(FindingDismissalSerializer(dismissal).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("posts/", PostListCreateView.as_view(), name="post-list"),
    path("posts/<int:post_id>/", PostDetailView.as_view(), name="post-detail"),
    *[path(f"posts/<int:post_id>/{slug}/", view.as_view(), name=f"post-{slug}") for slug, view in ACTION_VIEWS.items()],
    path("posts/<int:post_id>/comments/", PostCommentsView.as_view(), name="post-comments"),
    path("posts/<int:post_id>/findings/dismiss/", FindingDismissView.as_view(), name="post-findings-dismiss"),
]
