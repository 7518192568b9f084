"""REST API for the caller, departments and channels (API.md)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from . import permissions, selectors
from .models import Channel, Platform
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


class ChannelDetailView(generics.RetrieveAPIView):
    serializer_class = ChannelSerializer

    def get_object(self):
        return selectors.channel_for(self.request.user, self.kwargs["slug"])
