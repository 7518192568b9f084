"""Publishing over the API: a post's deliveries, and a channel's connector (API.md extension)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import selectors as approval_selectors
from approvals.selectors.evidence import hashes_match
from core.api import PAGINATION_PARAMETERS, paginate, paginated_schema
from core.errors import PermissionDenied
from governance import permissions
from governance import selectors as governance_selectors

from . import actions
from .models import ChannelConnector, ConnectorKind, PublishJob


class DeliverySerializer(serializers.ModelSerializer):
    approved_hash = serializers.CharField(source="revision.content_hash")
    sent_hash = serializers.CharField(source="payload_hash")
    hashes_match = serializers.SerializerMethodField()
    by_hand = serializers.SerializerMethodField(help_text="Marked published by a person: nothing was sent")
    marked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = PublishJob
        fields = [
            "id",
            "revision",
            "connector",
            "status",
            "attempts",
            "last_error",
            "due_at",
            "dispatched_at",
            "sent_at",
            "finished_at",
            "remote_id",
            "remote_url",
            "approved_hash",
            "sent_hash",
            "hashes_match",
            "by_hand",
            "marked_by",
            "idempotency_key",
        ]

    def get_hashes_match(self, job) -> bool | None:
        """Whether what was sent is what was approved (the job's revision: outbox rows are only
        written for approved revisions), as the post's page and the evidence page say it.
        Null for a job marked done by hand: nothing was sent."""
        if self.get_by_hand(job):
            return None
        return hashes_match(job.revision.content_hash, job.payload_hash)

    def get_by_hand(self, job) -> bool:
        return job.marked_by_id is not None


@extend_schema(tags=["posts"])
class PostDeliveriesView(APIView):
    """The post's delivery jobs, newest first: status, attempts and the last error while it is
    retried, then the remote id and URL and the hash of what was sent next to the approved one."""

    @extend_schema(responses=paginated_schema(DeliverySerializer), parameters=PAGINATION_PARAMETERS)
    def get(self, request, post_id):
        post = approval_selectors.post_for(request.user, post_id)
        jobs = PublishJob.objects.filter(post=post).select_related("revision", "marked_by")
        return paginate(self, request, jobs, DeliverySerializer, ordering="-id")


class ConnectorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConnectorKind.choices)
    settings = serializers.DictField(required=False)
    has_secret = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(required=False)


class ConfiguredConnectorSerializer(ConnectorSerializer):
    secret_cleared = serializers.BooleanField(
        read_only=True,
        help_text="The kind or the address changed without a new secret: the stored one was removed "
        "(a credential is never sent to an address other than the one it was given for); give it again.",
    )


class ConnectorInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConnectorKind.choices)
    settings = serializers.DictField(required=False)
    secret = serializers.CharField(required=False, allow_blank=True, write_only=True, trim_whitespace=False)
    version = serializers.IntegerField(required=False)


@extend_schema(tags=["channels"])
class ChannelConnectorView(APIView):
    """How the channel's posts are delivered (managers of the channel). The credential is
    write-only: `has_secret` says whether one is stored. Changing the kind or the address
    (`url`, `instance`) without giving a secret clears the stored one (`secret_cleared`)."""

    def _channel(self, request, slug):
        channel = governance_selectors.channel_for(request.user, slug)
        if not permissions.can(request.user, permissions.MANAGE_CHANNEL, channel):
            raise PermissionDenied("Only the channel's managers see and change its delivery settings.")
        return channel

    @staticmethod
    def _out(row: ChannelConnector | None, channel) -> dict:
        if row is None:
            from .connectors import connector_for

            return {"kind": connector_for(channel).kind, "settings": {}, "has_secret": False, "version": 0}  # nosec B105 - a flag, not a secret
        return {
            "kind": row.kind,
            "settings": row.settings,
            "has_secret": bool(row.secret_token),
            "version": row.version,
        }

    @extend_schema(responses=ConnectorSerializer)
    def get(self, request, slug):
        channel = self._channel(request, slug)
        return Response(self._out(ChannelConnector.objects.filter(channel=channel).first(), channel))

    @extend_schema(request=ConnectorInput, responses=ConfiguredConnectorSerializer)
    def put(self, request, slug):
        channel = self._channel(request, slug)
        data = ConnectorInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        row = actions.configure_connector(
            channel,
            actor=request.user,
            kind=values["kind"],
            settings=values.get("settings", {}),
            secret=values.get("secret"),
            expected_version=values.get("version"),
        )
        return Response({**self._out(row, channel), "secret_cleared": row.secret_cleared})
