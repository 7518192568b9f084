"""REST API of crises (API.md): declaring one on a channel, a department or the organization,
ending it, listing and reading them with their timeline, and releasing what an ended crisis
held. Declaring and ending are approvals actions: a crisis holds and reopens posts."""

import django_filters
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import BooleanFilter
from core.errors import Conflict, NotVisible, PermissionDenied, ValidationFailed
from governance import permissions
from governance import selectors as governance_selectors
from governance.models import CrisisIncident

from .. import actions
from .serializers import (
    ReleaseHeldOutput,
)


class CrisisInput(serializers.Serializer):
    reason = serializers.CharField()


class CrisisEndInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class CrisisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.CharField(source="scope_label")
    reason = serializers.CharField()
    started_by = serializers.CharField(source="started_by.username")
    started_at = serializers.DateTimeField()
    ended_by = serializers.CharField(source="ended_by.username", allow_null=True, default=None)
    ended_at = serializers.DateTimeField(allow_null=True)
    end_note = serializers.CharField()
    active = serializers.BooleanField(source="is_active")


@extend_schema(tags=["crises"])
class ChannelCrisisView(APIView):
    """Declare a crisis on the channel: its scheduled posts are held, approvals given so far
    are voided, and new submissions need the crisis team (channel managers, crisis team)."""

    @extend_schema(request=CrisisInput, responses={201: CrisisSerializer})
    def post(self, request, slug):
        channel = governance_selectors.channel_for(request.user, slug)
        data = CrisisInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = actions.start_crisis(actor=request.user, channel=channel, reason=data.validated_data["reason"])
        return Response(CrisisSerializer(incident).data, status=201)


@extend_schema(tags=["crises"])
class CrisisEndView(APIView):
    """End a crisis; held posts stay held until a manager releases them."""

    @extend_schema(request=CrisisEndInput, responses=CrisisSerializer)
    def post(self, request, crisis_id):
        incident = CrisisIncident.objects.select_related("channel", "department").filter(pk=crisis_id).first()
        if incident is None or (
            incident.channel_id and not permissions.can(request.user, permissions.VIEW_CHANNEL, incident.channel)
        ):
            raise NotVisible("No such crisis.")
        data = CrisisEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = actions.end_crisis(incident, actor=request.user, note=data.validated_data.get("note", ""))
        return Response(CrisisSerializer(incident).data)


class CrisisStartInput(serializers.Serializer):
    reason = serializers.CharField()
    department = serializers.SlugField(required=False, help_text="Omit for an organization-wide crisis")


class CrisisFilter(django_filters.FilterSet):
    active = BooleanFilter(field_name="ended_at", lookup_expr="isnull")


@extend_schema(tags=["crises"])
class CrisisListView(generics.ListAPIView):
    """Crises the caller can see (filter `active`), newest first. POST declares one on a
    department (`department`) or the whole organization: department managers and the crisis
    team; organization-wide, the crisis team. On a channel: `channels/{slug}/crisis/`."""

    serializer_class = CrisisSerializer
    filterset_class = CrisisFilter

    def get_queryset(self):
        return governance_selectors.crises_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "-started_at"
        return super().paginate_queryset(queryset)

    @extend_schema(request=CrisisStartInput, responses={201: CrisisSerializer})
    def post(self, request):
        data = CrisisStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        slug = data.validated_data.get("department")
        try:
            department = governance_selectors.department_for(slug) if slug else None
        except NotVisible:
            raise ValidationFailed(errors={"department": ["No such department."]}) from None
        incident = actions.start_crisis(actor=request.user, department=department, reason=data.validated_data["reason"])
        return Response(CrisisSerializer(incident).data, status=201)


@extend_schema(tags=["crises"])
class CrisisDetailView(generics.RetrieveAPIView):
    serializer_class = CrisisSerializer

    def get_object(self):
        return governance_selectors.crisis_for_user(self.request.user, self.kwargs["crisis_id"])


class TimelineEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    channel_id = serializers.IntegerField(allow_null=True)
    data = serializers.JSONField()

    def get_actor(self, event) -> str | None:
        return event.actor_label if event.actor_id is not None else None


@extend_schema(tags=["crises"])
class CrisisTimelineView(APIView):
    """Every event of the incident, oldest first (see `governance_selectors.incident_timeline`): for the
    people who handle it and compliance officers (others who can see the crisis: 403)."""

    @extend_schema(responses=TimelineEventSerializer(many=True))
    def get(self, request, crisis_id):
        incident = governance_selectors.crisis_for_user(request.user, crisis_id)
        if not governance_selectors.may_see_timeline(request.user, incident):
            raise PermissionDenied("Only the people handling this crisis and compliance officers see its timeline.")
        events = governance_selectors.incident_timeline(incident)
        return Response(
            {
                "crisis": CrisisSerializer(incident).data,
                "events": TimelineEventSerializer(events, many=True).data,
            }
        )


@extend_schema(tags=["crises"])
class ReleaseHeldView(APIView):
    """Release what an ended crisis held (never what a person held by hand or another crisis
    holds): the managers of its scope and the crisis team (others 403). Posts a still-active
    crisis covers stay held and are listed with the reason; only posts the caller may see are
    named."""

    @extend_schema(request=None, responses=ReleaseHeldOutput)
    def post(self, request, crisis_id):
        incident = governance_selectors.crisis_for_user(request.user, crisis_id)
        if incident.is_active:
            raise Conflict("The crisis is still active; end it before releasing what it held.", code="crisis_active")
        return Response(actions.release_held_posts(incident, actor=request.user))


urlpatterns = [
    path("channels/<slug:slug>/crisis/", ChannelCrisisView.as_view(), name="channel-crisis"),
    path("crises/", CrisisListView.as_view(), name="crisis-list"),
    path("crises/<int:crisis_id>/", CrisisDetailView.as_view(), name="crisis-detail"),
    path("crises/<int:crisis_id>/end/", CrisisEndView.as_view(), name="crisis-end"),
    path("crises/<int:crisis_id>/timeline/", CrisisTimelineView.as_view(), name="crisis-timeline"),
    path("crises/<int:crisis_id>/release-held/", ReleaseHeldView.as_view(), name="crisis-release-held"),
]
