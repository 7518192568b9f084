from rest_framework import serializers

from . import permissions
from .models import Channel, Department


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["slug", "name", "description"]


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["slug", "name"]


class ChannelSerializer(serializers.ModelSerializer):
    """A channel with the caller's permissions on it (call `permissions.prefetch` first for lists)."""

    department = DepartmentRefSerializer(source="owning_department", read_only=True)
    crisis = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ["slug", *Channel.DESCRIPTIVE_FIELDS, "department", "version", "crisis", "permissions"]

    def get_crisis(self, channel) -> dict | None:
        """The active crisis on the channel, its department or the organization (None: calm)."""
        from . import selectors

        crises = self.context.get("crises")
        if crises is None:
            crises = self.context["crises"] = selectors.active_crises()
        incident = selectors.crisis_for(channel, crises)
        if incident is None:
            return None
        return {
            "id": incident.pk,
            "scope": incident.scope_label,
            "reason": incident.reason,
            "started_at": incident.started_at,
        }

    def get_permissions(self, channel) -> list[str]:
        return sorted(permissions.perms_on(self.context["request"].user, channel))


class MembershipSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class ChannelPermissionsSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    platform = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    email = serializers.EmailField()
    is_superuser = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    departments = MembershipSerializer(many=True)
    channels = ChannelPermissionsSerializer(many=True)
    permissions = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
