"""The audit log over the API: compliance officers only (others 403)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.views import APIView

from . import actions
from .models import AuditEvent
from .selectors import audit_events, may_read_audit_log
from .verify import verify_chain


class IsComplianceOfficer(permissions.BasePermission):
    message = "Only compliance officers may read the audit log."

    def has_permission(self, request, view):
        return may_read_audit_log(request.user)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "actor",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "channel_id",
            "data",
            "request_id",
            "ip",
            "prev_hash",
            "hash",
        ]

    def get_actor(self, event) -> str | None:
        return event.actor_label if event.actor_id is not None else None


class QueryDateTimeField(serializers.DateTimeField):
    """A date-time query parameter: present but empty (`?since=`) is a 400, not "no filter"."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)


class AuditFilters(serializers.Serializer):
    actor = serializers.CharField(required=False)
    action = serializers.CharField(required=False)
    target_type = serializers.CharField(required=False)
    target_id = serializers.CharField(required=False)
    channel = serializers.SlugField(required=False)
    since = QueryDateTimeField(required=False)
    until = QueryDateTimeField(required=False)


@extend_schema(tags=["audit"])
class AuditEventListView(generics.ListAPIView):
    """Newest first, keyset-paginated on `seq`."""

    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, IsComplianceOfficer]
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("actor", str, description="Username of the actor"),
            OpenApiParameter("action", str, description="Exact action, or a namespace ending in '.'"),
            OpenApiParameter("target_type", str),
            OpenApiParameter("target_id", str),
            OpenApiParameter("channel", str, description="Channel slug", pattern=r"^[-a-zA-Z0-9_]*$"),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="ISO 8601 date-time, inclusive"),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="ISO 8601 date-time, exclusive"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = AuditFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return audit_events(**filters.validated_data)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "-seq"
        return super().paginate_queryset(queryset)


class VerifyResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    first_broken_seq = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    checkpoints = serializers.IntegerField(help_text="Signed checkpoints compared with the chain")
    forged_checkpoints = serializers.IntegerField(help_text="Checkpoints whose signature does not verify")


@extend_schema(tags=["audit"])
class AuditVerifyView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsComplianceOfficer]

    @extend_schema(responses=VerifyResultSerializer)
    def get(self, request):
        """Walk the whole chain now and report the first broken link, if any, checking the keyed
        hashes, the chain head (and that no event lies past it) and the signed checkpoints, those
        stored in the database and the exported copies configured, on the way."""
        result = verify_chain()
        actions.record_verification(actor=request.user, result=result)
        return Response(VerifyResultSerializer(result).data)
