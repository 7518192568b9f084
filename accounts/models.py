from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in to Clearpost.

    Global roles are the groups named in `accounts.roles`; what a user may do on a
    channel is answered by `governance.permissions`.
    """

    display_name = models.CharField(max_length=150, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def label(self) -> str:
        """The name shown to other people: the display name, else the full name, else the username."""
        return self.display_name or self.get_full_name() or self.username


class TrainingCertification(models.Model):
    """A completed training course (e.g. "social-media-basics", "hipaa-privacy")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications")
    course = models.SlugField(max_length=100)
    completed_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: does not expire.")

    class Meta:
        ordering = ["user", "course", "-completed_at"]
        indexes = [models.Index(fields=["user", "course"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("completed_at")),
                name="certification_expires_after_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.course}"

    def is_valid(self, at=None) -> bool:
        at = at or timezone.now()
        return self.completed_at <= at and (self.expires_at is None or at < self.expires_at)


class ApiToken(models.Model):
    """A sign-in of an API client (`Authorization: Token <key>`), made by `accounts.tokens.issue`.

    Only the SHA-256 digest of the key is kept: the key itself is shown once, in the answer to
    the sign-in, and cannot be read back from the database, a backup or the admin. A token
    expires (API_TOKEN_TTL) and is bound to what its user was when it was made (`binding`: their
    password, roles and superuser flag, keyed with SECRET_KEY), so that changing any of them
    ends it wherever the change was made (accounts.tokens).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, help_text="Hex SHA-256 of the key.")
    binding = models.CharField(max_length=64, help_text="HMAC of the user's credentials and roles when issued.")
    second_factor = models.BooleanField(
        default=False, help_text="Issued after a verified one-time code (two-factor authentication)."
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["user", "-created"]
        constraints = [
            models.CheckConstraint(condition=Q(expires__gt=F("created")), name="api_token_expires_after_creation")
        ]

    def __str__(self) -> str:
        return f"API token of {self.user} (until {self.expires:%Y-%m-%d %H:%M})"
