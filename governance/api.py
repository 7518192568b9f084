"""REST API for the caller, departments and channels (API.md)."""

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from core.api import BooleanFilter, ChoiceFilter
from core.errors import NotVisible, ValidationFailed

from . import actions, permissions, selectors
from .models import Channel, Consent, DirectoryEntry, Platform
from .rules import engine, length
from .serializers import ChannelSerializer, DepartmentSerializer, MeSerializer


@extend_schema(tags=["accounts"])
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
            "roles": sorted(roles.role_names(user)),
            "departments": [
                {"slug": d.slug, "name": d.name, "roles": roles} for d, roles in selectors.memberships_of(user)
            ],
            "channels": [
                {"slug": c.slug, "name": c.name, "platform": c.platform, "permissions": perms} for c, perms in channels
            ],
            "permissions": {c.slug: perms for c, perms in channels},
        }
        return Response(MeSerializer(data).data)


@extend_schema(tags=["channels"])
class DepartmentListView(generics.ListAPIView):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return selectors.departments()

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "slug"
        return super().paginate_queryset(queryset)


@extend_schema(tags=["channels"])
class DepartmentDetailView(generics.RetrieveAPIView):
    serializer_class = DepartmentSerializer

    def get_object(self):
        return selectors.department_for(self.kwargs["slug"])


class ChannelFilter(django_filters.FilterSet):
    department = django_filters.CharFilter(field_name="owning_department__slug")
    platform = ChoiceFilter(choices=Platform.choices)

    class Meta:
        model = Channel
        fields = ["department", "platform"]


@extend_schema(tags=["channels"])
class ChannelListView(generics.ListAPIView):
    """The channel directory, for any signed-in user: every channel, each with its owning
    department, its crisis status and the caller's permissions on it (possibly none)."""

    serializer_class = ChannelSerializer
    filterset_class = ChannelFilter

    def get_queryset(self):
        return selectors.channel_directory()

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "slug"
        page = super().paginate_queryset(queryset)
        permissions.prefetch(self.request.user, page)
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "crises": selectors.active_crises()}


@extend_schema(tags=["channels"])
class ChannelDetailView(generics.RetrieveAPIView):
    serializer_class = ChannelSerializer

    def get_object(self):
        return selectors.directory_channel(self.kwargs["slug"])


class PolicyCheckInput(serializers.Serializer):
    channel = serializers.SlugField()
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=settings.POST_BODY_MAX_CHARS)
    title = serializers.CharField(required=False, allow_blank=True, max_length=engine.FIELD_LIMITS["title"])
    link = serializers.CharField(required=False, allow_blank=True, max_length=engine.FIELD_LIMITS["link"])
    media_url = serializers.CharField(required=False, allow_blank=True, max_length=500)
    media_alt_text = serializers.CharField(
        required=False, allow_blank=True, max_length=engine.FIELD_LIMITS["media_alt_text"]
    )
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    consent = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the consent the post would cite (channels that require it)"
    )


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


@extend_schema(tags=["policies"])
class PolicyCheckView(APIView):
    """Check a draft against the channel's posting policy, as often as the author pauses in typing.

    Nothing is saved. Every published field is screened (title, body, link, the image's alt
    text); `start`/`end` index the body, or the field the message names ("In the title: …").
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
        if data.get("consent") is not None:
            try:
                data["consent"] = selectors.consent_for(request.user, data["consent"])
            except NotVisible:
                raise ValidationFailed(errors={"consent": ["No such consent."]}) from None
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


# --- consent ----------------------------------------------------------------------------


class ConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person_name = serializers.CharField()
    channels = serializers.SerializerMethodField()
    granted_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    document_reference = serializers.CharField()
    notes = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")
    recorded_at = serializers.DateTimeField()
    revoked = serializers.BooleanField(source="is_revoked")
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = serializers.SerializerMethodField()
    revocation_reason = serializers.CharField()
    valid = serializers.SerializerMethodField(help_text="Valid today: granted, not expired, not revoked")
    problem = serializers.SerializerMethodField(help_text="Why it is not valid today (null: it is)")
    version = serializers.IntegerField()

    def get_channels(self, consent) -> list[str]:
        """The channels it covers (prefetched by the selector)."""
        return sorted(channel.slug for channel in consent.channels.all())

    def get_revoked_by(self, consent) -> str | None:
        return consent.revoked_by.username if consent.revoked_by_id else None

    def get_valid(self, consent) -> bool:
        return self.get_problem(consent) is None

    def get_problem(self, consent) -> str | None:
        return consent.problem_on(timezone.localdate())


class ConsentInput(serializers.Serializer):
    person_name = serializers.CharField(max_length=200)
    channels = serializers.ListField(
        child=serializers.SlugField(), allow_empty=False, min_length=1, help_text="Channel slugs"
    )
    granted_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, help_text="Omit: does not expire")
    document_reference = serializers.CharField(max_length=200, help_text="Where the signed form is kept")
    notes = serializers.CharField(required=False, allow_blank=True)


class ConsentEditInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    person_name = serializers.CharField(max_length=200, required=False)
    channels = serializers.ListField(child=serializers.SlugField(), allow_empty=False, min_length=1, required=False)
    granted_on = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)
    document_reference = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


def _channels_named(user, slugs: list[str]) -> list[Channel]:
    """The channels the slugs name, among those the user can see; 400 for any other."""
    found = {channel.slug: channel for channel in selectors.channels_visible_to(user).filter(slug__in=slugs)}
    missing = sorted(set(slugs) - set(found))
    if missing:
        raise ValidationFailed(errors={"channels": [f"No such channel: {slug}" for slug in missing]})
    return list(found.values())


class ConsentFilter(django_filters.FilterSet):
    channel = django_filters.CharFilter(method="filter_channel", help_text="Consents covering this channel (slug)")
    valid = BooleanFilter(method="filter_valid", help_text="Valid today (true) or not (false)")
    person = django_filters.CharFilter(field_name="person_name", lookup_expr="icontains")

    class Meta:
        model = Consent
        fields = ["channel", "valid", "person"]

    def filter_channel(self, queryset, name, value):
        covering = Consent.channels.through.objects.filter(consent_id=OuterRef("pk"), channel__slug=value)
        return queryset.filter(Exists(covering))

    def filter_valid(self, queryset, name, value):
        valid = selectors.valid_consents_q(timezone.localdate())
        return queryset.filter(valid) if value else queryset.exclude(valid)


@extend_schema(tags=["policies"])
class ConsentListView(generics.ListAPIView):
    """The consent registry as far as the caller may see it (compliance officers: all of it;
    others: consents covering a channel they draft on, review or manage), by person's name.
    POST records one: compliance officers and managers of every channel it covers."""

    serializer_class = ConsentSerializer
    filterset_class = ConsentFilter

    def get_queryset(self):
        return selectors.consents_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = ("person_name", "id")
        return super().paginate_queryset(queryset)

    @extend_schema(request=ConsentInput, responses={201: ConsentSerializer})
    def post(self, request):
        data = ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        data = dict(data.validated_data)
        data["channels"] = _channels_named(request.user, data["channels"])
        consent = actions.record_consent(actor=request.user, **data)
        return Response(ConsentSerializer(selectors.consent_for(request.user, consent.pk)).data, status=201)


@extend_schema(tags=["policies"])
class ConsentDetailView(APIView):
    """One consent (404 when it is missing or not visible). PATCH corrects it, with the
    `version` the caller saw: compliance officers and managers of every channel it covers."""

    @extend_schema(responses=ConsentSerializer)
    def get(self, request, consent_id):
        return Response(ConsentSerializer(selectors.consent_for(request.user, consent_id)).data)

    @extend_schema(request=ConsentEditInput, responses=ConsentSerializer)
    def patch(self, request, consent_id):
        consent = selectors.consent_for(request.user, consent_id)
        data = ConsentEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        data = dict(data.validated_data)
        if "channels" in data:
            data["channels"] = _channels_named(request.user, data["channels"])
        actions.update_consent(consent, actor=request.user, expected_version=data.pop("version"), **data)
        return Response(ConsentSerializer(selectors.consent_for(request.user, consent_id)).data)


# --- the organization directory ------------------------------------------------------------


class DirectoryEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = DirectoryEntry
        fields = ["id", "kind", "value", "normalised", "label", "version", "created_at", "updated_at"]
        extra_kwargs = {"normalised": {"help_text": "How the sensitive screen compares it"}}


class DirectoryEntryInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DirectoryEntry.Kind.choices)
    value = serializers.CharField(max_length=300, help_text="As posts write it, e.g. “+1 (617) 555-0142”")
    label = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text="What it is (required for a site)"
    )


class DirectoryEntryEditInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    value = serializers.CharField(max_length=300, required=False)
    label = serializers.CharField(max_length=150, required=False, allow_blank=True)


class DirectoryFilter(django_filters.FilterSet):
    kind = ChoiceFilter(choices=DirectoryEntry.Kind.choices)

    class Meta:
        model = DirectoryEntry
        fields = ["kind"]


@extend_schema(tags=["policies"])
class DirectoryListView(generics.ListAPIView):
    """The organization directory: its own phone numbers, e-mail domains, street addresses,
    sites and staff names, which the sensitive-information screen never reports as a private
    person's, in the order they were added (filter `kind`). Every signed-in user reads it; POST
    adds an entry (portal admins)."""

    serializer_class = DirectoryEntrySerializer
    filterset_class = DirectoryFilter

    def get_queryset(self):
        return selectors.directory_entries()

    def paginate_queryset(self, queryset):
        self.paginator.ordering = "id"  # unique: the cursor is a position, never an offset
        return super().paginate_queryset(queryset)

    @extend_schema(request=DirectoryEntryInput, responses={201: DirectoryEntrySerializer})
    def post(self, request):
        data = DirectoryEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = actions.add_directory_entry(actor=request.user, **data.validated_data)
        return Response(DirectoryEntrySerializer(entry).data, status=201)


@extend_schema(tags=["policies"])
class DirectoryEntryView(APIView):
    """One directory entry (404 when there is none by that id). PATCH corrects its value or label
    with the `version` the caller saw; DELETE removes it (`?version=` refuses a stale removal with
    409). Portal admins change it."""

    @extend_schema(responses=DirectoryEntrySerializer)
    def get(self, request, entry_id):
        return Response(DirectoryEntrySerializer(selectors.directory_entry_for(entry_id)).data)

    @extend_schema(request=DirectoryEntryEditInput, responses=DirectoryEntrySerializer)
    def patch(self, request, entry_id):
        entry = selectors.directory_entry_for(entry_id)
        data = DirectoryEntryEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        data = dict(data.validated_data)
        entry = actions.update_directory_entry(entry, actor=request.user, expected_version=data.pop("version"), **data)
        return Response(DirectoryEntrySerializer(entry).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", int, required=False, description="The version the caller saw: a stale one is 409"
            )
        ],
        responses={204: None},
    )
    def delete(self, request, entry_id):
        entry = selectors.directory_entry_for(entry_id)
        raw = request.query_params.get("version")
        version = None
        if raw is not None:
            try:
                version = int(raw)
            except ValueError:
                raise ValidationFailed(errors={"version": ["A whole number is required."]}) from None
        actions.remove_directory_entry(entry, actor=request.user, expected_version=version)
        return Response(status=204)
