"""REST API for the caller, departments and channels (API.md)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import actions, permissions, selectors
from .errors import NotVisible, PermissionDenied, ValidationFailed
from .models import Channel, CrisisIncident, Platform
from .rules import engine, length
from .serializers import ChannelSerializer, DepartmentSerializer, MeSerializer


class MeView(APIView):
    """The caller: roles, departments, and on each visible channel the permissions held."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        channels = selectors.channels_with_permissions(user, selectors.channels_visible_to(user).order_by("slug"))
        data = {
            "username": user.get_username(),
            "display_name": user.label,
            "email": user.email,
            "is_superuser": user.is_superuser,
            "roles": sorted(permissions.role_names(user)),
            "departments": [
                {"slug": d.slug, "name": d.name, "roles": roles} for d, roles in selectors.memberships_of(user)
            ],
            "channels": [
                {"slug": c.slug, "name": c.name, "platform": c.platform, "permissions": perms} for c, perms in channels
            ],
            "permissions": {c.slug: perms for c, perms in channels},
        }
        return Response(MeSerializer(data).data)


class DepartmentListView(generics.ListAPIView):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return selectors.departments()

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "slug"
        return super().paginate_queryset(queryset)


class DepartmentDetailView(generics.RetrieveAPIView):
    serializer_class = DepartmentSerializer

    def get_object(self):
        return selectors.department_for(self.kwargs["slug"])


class ChannelFilter(django_filters.FilterSet):
    department = django_filters.CharFilter(field_name="owning_department__slug")
    platform = django_filters.ChoiceFilter(choices=Platform.choices)

    class Meta:
        model = Channel
        fields = ["department", "platform"]


class ChannelListView(generics.ListAPIView):
    """Channels the caller may see, each with its crisis status and the caller's permissions."""

    serializer_class = ChannelSerializer
    filterset_class = ChannelFilter

    def get_queryset(self):
        return selectors.channels_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "slug"
        page = super().paginate_queryset(queryset)
        permissions.prefetch(self.request.user, page)
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "crises": selectors.active_crises()}


class ChannelDetailView(generics.RetrieveAPIView):
    serializer_class = ChannelSerializer

    def get_object(self):
        return selectors.channel_for(self.request.user, self.kwargs["slug"])


class PolicyCheckInput(serializers.Serializer):
    channel = serializers.SlugField()
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True)
    link = serializers.CharField(required=False, allow_blank=True)
    media_url = serializers.CharField(required=False, allow_blank=True)
    media_alt_text = serializers.CharField(required=False, allow_blank=True)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["block", "escalate", "warn"])
    message = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class PolicyCheckOutput(serializers.Serializer):
    findings = FindingSerializer(many=True)
    count = serializers.IntegerField(help_text="The length as the channel's platform counts it")
    limit = serializers.IntegerField(allow_null=True)
    unit = serializers.ChoiceField(choices=["characters", "bytes"], help_text="What `count` counts (YouTube: bytes)")
    policy_versions = serializers.ListField(child=serializers.DictField())


class PolicyCheckView(APIView):
    """Check a draft against the channel's posting policy, as often as the author pauses in typing.

    Nothing is saved. `start`/`end` index the body.
    """

    @extend_schema(request=PolicyCheckInput, responses=PolicyCheckOutput)
    def post(self, request):
        data = PolicyCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        try:
            channel = selectors.channel_for(request.user, data.pop("channel"))
        except NotVisible:
            raise ValidationFailed(errors={"channel": ["No such channel."]}) from None
        draft = engine.Draft(author=request.user, **data)
        result = engine.check(channel, draft)
        count, limit = length.count_and_limit(channel.platform, draft.body, link=draft.link)
        return Response(
            {
                "findings": [f.as_dict() for f in result.findings],
                "count": count,
                "limit": limit,
                "unit": length.unit(channel.platform),
                "policy_versions": result.policy_versions,
            }
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


class ChannelCrisisView(APIView):
    """Declare a crisis on the channel: its scheduled posts are held, approvals given so far
    are voided, and new submissions need the crisis team (channel managers, crisis team)."""

    @extend_schema(request=CrisisInput, responses={201: CrisisSerializer})
    def post(self, request, slug):
        channel = selectors.channel_for(request.user, slug)
        data = CrisisInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = actions.start_crisis(actor=request.user, channel=channel, reason=data.validated_data["reason"])
        return Response(CrisisSerializer(incident).data, status=201)


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
    active = django_filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull")


class CrisisListView(generics.ListAPIView):
    """Crises the caller can see (filter `active`), newest first. POST declares one on a
    department (`department`) or the whole organization: department managers and the crisis
    team; organization-wide, the crisis team. On a channel: `channels/{slug}/crisis/`."""

    serializer_class = CrisisSerializer
    filterset_class = CrisisFilter

    def get_queryset(self):
        return selectors.crises_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "-started_at"
        return super().paginate_queryset(queryset)

    @extend_schema(request=CrisisStartInput, responses={201: CrisisSerializer})
    def post(self, request):
        data = CrisisStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        slug = data.validated_data.get("department")
        department = selectors.department_for(slug) if slug else None
        incident = actions.start_crisis(actor=request.user, department=department, reason=data.validated_data["reason"])
        return Response(CrisisSerializer(incident).data, status=201)


class CrisisDetailView(generics.RetrieveAPIView):
    serializer_class = CrisisSerializer

    def get_object(self):
        return selectors.crisis_for_user(self.request.user, self.kwargs["crisis_id"])


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


class CrisisTimelineView(APIView):
    """Every event of the incident, oldest first (see `selectors.incident_timeline`): for the
    people who handle it and compliance officers (others who can see the crisis: 403)."""

    @extend_schema(responses=TimelineEventSerializer(many=True))
    def get(self, request, crisis_id):
        incident = selectors.crisis_for_user(request.user, crisis_id)
        if not selectors.may_see_timeline(request.user, incident):
            raise PermissionDenied("Only the people handling this crisis and compliance officers see its timeline.")
        events = selectors.incident_timeline(incident)
        return Response(
            {
                "crisis": CrisisSerializer(incident).data,
                "events": TimelineEventSerializer(events, many=True).data,
            }
        )
