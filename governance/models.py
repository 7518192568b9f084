from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from . import platforms


def scope_label(scoped) -> str:
    """ "organization", "department <slug>" or "channel <slug>" for a row scoped by optional
    `department` and `channel` foreign keys (policies, crises, review stages)."""
    if scoped.channel_id:
        return f"channel {scoped.channel.slug}"
    if scoped.department_id:
        return f"department {scoped.department.slug}"
    return "organization"


def covering(channel) -> models.Q:
    """Scoped rows that apply to `channel`: the organization's, its department's and its own."""
    return (
        models.Q(channel=channel)
        | models.Q(department_id=channel.owning_department_id, channel=None)
        | models.Q(department=None, channel=None)
    )


class Department(models.Model):
    """A part of the organization that owns channels (PR, Marketing, IT, …).

    Each department has three groups: its authors, reviewers and managers. The channels
    it owns grant their permissions to these groups (see `governance.actions`).
    """

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    authors_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="+")
    reviewers_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="+")
    managers_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_department", "Manage the department: its groups and the channels moved into it")]

    def __str__(self) -> str:
        return self.name

    def groups_by_role(self) -> dict[str, Group]:
        return {"authors": self.authors_group, "reviewers": self.reviewers_group, "managers": self.managers_group}


# The choices of Channel.platform, made from the platform registry (`governance.platforms`).
Platform = models.TextChoices("Platform", [(slug.upper(), (slug, label)) for slug, label in platforms.choices()])


class Audience(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"


class Channel(models.Model):
    """An account or outlet the organization speaks through: an X account, a blog, a podcast…"""

    # What describes the channel (the directory shows them; its managers change them).
    DESCRIPTIVE_FIELDS = (
        "name",
        "platform",
        "handle",
        "url",
        "visibility",
        "audience",
        "voice_guidelines",
        "is_regulated",
        "requires_consent",
    )

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=150)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField(max_length=200, blank=True, help_text="Account handle, e.g. @StMarysHealth")
    url = models.URLField(blank=True, help_text="Public address of the channel")
    visibility = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    audience = models.TextField(blank=True, help_text="Who reads it")
    voice_guidelines = models.TextField(blank=True, help_text="How the channel speaks")
    owning_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="channels")
    is_regulated = models.BooleanField(
        default=False, help_text="Regulated channels always need compliance sign-off before publishing."
    )
    requires_consent = models.BooleanField(
        default=False, help_text="Every post must cite a valid consent of the person it is about (patient stories)."
    )
    # Channels are archived, never deleted: their posts, grants, consents and audit events keep
    # pointing at them. An archived channel takes no new post (`governance.actions.archive_channel`).
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("draft_on_channel", "Draft posts on the channel"),
            ("review_on_channel", "Review posts on the channel"),
            ("publish_on_channel", "Schedule and publish approved posts on the channel"),
            ("manage_channel", "Manage the channel: grants, ownership, crisis"),
            ("break_glass_on_channel", "Publish at once without approval, in an emergency (break-glass)"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.visibility == Audience.INTERNAL

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


# Direct foreign-key permission tables (django-guardian's performance guide): one row per
# grant with a real FK, so lookups join on integers and deleting a channel removes its grants.
class ChannelUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Channel, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "channel grant to a user"


class ChannelGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Channel, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "channel grant to a group"


class DepartmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "department grant to a user"


class DepartmentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "department grant to a group"


class PostingPolicy(models.Model):
    """The organization's rules for what may be posted, at one scope: the whole organization
    (no department, no channel), a department, or one channel.

    A channel's effective policy is every active policy of its own, its department's and the
    organization's: narrower scopes add rules, none can lift another's block (see
    `governance.rules.engine`). `rules` is a list of rule objects (`governance.rules.engine`
    validates them); every change bumps `version` and keeps a `PostingPolicyVersion`.
    """

    name = models.CharField(max_length=150)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="posting_policies"
    )
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="posting_policies"
    )
    rules = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "posting policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=True) | models.Q(channel__isnull=True),
                name="posting_policy_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def scope_label(self) -> str:
        return scope_label(self)


class PostingPolicyVersion(models.Model):
    """What a policy said at one version: submissions record the versions they were checked against."""

    policy = models.ForeignKey(PostingPolicy, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=150)
    rules = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "-version"]
        constraints = [models.UniqueConstraint(fields=["policy", "version"], name="posting_policy_version_unique")]

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.version}"


class CrisisIncident(models.Model):
    """A crisis declared on the organization (no department, no channel), a department or a
    channel. While it is active, scheduled posts in scope are held, approvals given before it
    started are voided, and every submission needs the crisis team (approvals.actions.start_crisis)."""

    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=True) | models.Q(channel__isnull=True),
                name="crisis_one_scope",
            ),
        ]
        indexes = [models.Index(fields=["ended_at"], name="crisis_active")]

    def __str__(self) -> str:
        return f"Crisis #{self.pk} on {self.scope_label}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def scope_label(self) -> str:
        return scope_label(self)

    @property
    def scope_words(self) -> str:
        """Where it was declared, in people's words (the pages and findings; `scope_label` is
        the log's)."""
        if self.channel_id:
            return f"declared on {self.channel.name}"
        if self.department_id:
            return f"declared for every channel of {self.department.name}"
        return "declared organization-wide"


class Consent(models.Model):
    """A person's written consent to be featured on some channels (patient stories).

    A post on a channel that requires consent must cite a consent that is valid on the day:
    its scope includes the channel, it was granted on or before, has not expired and has not
    been revoked (`consent_problem`). Revoking holds every unpublished post citing it and asks
    the channel's managers to retract the published ones (approvals.actions.revoke_consent).
    """

    person_name = models.CharField(max_length=200, help_text="Who consented, as they appear in posts")
    channels = models.ManyToManyField(Channel, related_name="consents", help_text="Channels the consent covers")
    granted_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Empty: does not expire")
    document_reference = models.CharField(max_length=200, help_text="Where the signed form is kept, e.g. DMS-2026-0412")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["person_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=models.F("granted_on")),
                name="consent_expires_after_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent of {self.person_name} ({self.document_reference})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def problem_on(self, day, channel=None) -> str | None:
        """Why the consent does not cover a post on `channel` on `day` (None: it does).
        With prefetched `channels` this asks nothing of the database.

        The message never names the person: it reaches whoever sees a post citing the consent
        (its status, findings, a refusal to publish), who may not see the consent itself."""
        if self.revoked_at is not None:
            return "The cited consent was revoked."
        if self.granted_on > day:
            return f"The cited consent starts on {self.granted_on:%Y-%m-%d}."
        if self.expires_on is not None and self.expires_on < day:
            return f"The cited consent expired on {self.expires_on:%Y-%m-%d}."
        if channel is not None and not any(c.pk == channel.pk for c in self.channels.all()):
            return f"The cited consent does not cover {channel.name}."
        return None


def consent_problem(channel: Channel, consent: Consent | None, *, when=None) -> str | None:
    """Why a post on `channel` citing `consent` (None: citing none) may not go out today, or on
    the day of `when` (None: it may). On a channel that requires consent, the consent must cover
    the channel on both days; elsewhere nothing is required. The one definition: the policy
    check warns with it, and approvals refuses to schedule, publish or deliver with it."""
    from django.utils import timezone

    if not channel.requires_consent:
        return None
    if consent is None:
        return f"Posts on {channel.name} must cite the consent of the person they are about."
    days = [timezone.localdate()]
    if when is not None:
        days.append(timezone.localdate(when))
    return next((problem for day in days if (problem := consent.problem_on(day, channel))), None)


class DirectoryEntry(models.Model):
    """One of the organization's own contact details or people: a phone number, an e-mail
    domain, a street address, a site (a campus, clinic or building, by its street address) or a
    name of its staff directory. The sensitive-information screen never reports what the
    directory holds as a private person's (`governance.rules.directory`).

    The directory is the organization's, like an organization-wide posting policy: no department,
    no channel. `value` is kept as it was entered; `normalised` is how the screen compares it
    (the national digits of a phone number, a lower-case domain, an address or a name in one
    spelling) and is what makes an entry unique within its kind. Only
    `governance.actions.directory` writes these rows (portal admins; audited).
    """

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone number"
        EMAIL_DOMAIN = "email_domain", "E-mail domain"
        ADDRESS = "address", "Street address"
        SITE = "site", "Site"
        STAFF_NAME = "staff_name", "Staff name"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=300, help_text="As it was entered, e.g. “+1 (617) 555-0142”")
    normalised = models.CharField(max_length=300, editable=False, help_text="As the screen compares it")
    label = models.CharField(max_length=150, blank=True, help_text="What it is, e.g. “Main switchboard”")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "normalised", "id"]
        verbose_name_plural = "directory entries"
        constraints = [
            models.UniqueConstraint(fields=["kind", "normalised"], name="directory_entry_unique_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
