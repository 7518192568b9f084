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
