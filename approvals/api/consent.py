"""REST API of revoking a consent (it holds the posts citing it, so it is an approvals action)
and of what a revoked consent leaves to do: the retraction requests (API.md)."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import selectors as governance_selectors
from governance.api import ConsentSerializer

from .. import actions, selectors
from .serializers import (
    RetractionRequestFilters,
    RetractionRequestSerializer,
)


class ConsentRevokeInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=500)


@extend_schema(tags=["policies"])
class ConsentRevokeView(APIView):
    """Revoke a consent, with a reason: the unpublished posts citing it are held and the
    published ones become retraction requests for their channels' managers."""

    @extend_schema(request=ConsentRevokeInput, responses=ConsentSerializer)
    def post(self, request, consent_id):
        consent = governance_selectors.consent_for(request.user, consent_id)
        data = ConsentRevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        actions.revoke_consent(
            consent,
            actor=request.user,
            expected_version=data.validated_data["version"],
            reason=data.validated_data["reason"],
        )
        return Response(ConsentSerializer(governance_selectors.consent_for(request.user, consent_id)).data)


@extend_schema(tags=["policies"])
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


urlpatterns = [
    path("consents/<int:consent_id>/revoke/", ConsentRevokeView.as_view(), name="consent-revoke"),
    path("retraction-requests/", RetractionRequestListView.as_view(), name="retraction-request-list"),
]
