"""Deployment checks of the audit checkpoints (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def checkpoint_settings(app_configs, **kwargs):
    if not getattr(settings, "AUDIT_CHECKPOINTS", False):
        return [
            Warning(
                "Audit checkpoints are off: a log whose tail was cut off and whose chain head was rewound "
                "to match would verify as intact.",
                hint="Set AUDIT_CHECKPOINT_KEY and AUDIT_CHECKPOINT_FILE or AUDIT_CHECKPOINT_URL.",
                id="audit.W003",
            )
        ]
    messages = []
    url = getattr(settings, "AUDIT_CHECKPOINT_URL", "")
    if not getattr(settings, "AUDIT_CHECKPOINT_FILE", "") and not url:
        messages.append(
            Warning(
                "Audit checkpoints are kept only in the database, which the attack they detect can rewrite.",
                hint="Set AUDIT_CHECKPOINT_FILE (on storage the database cannot reach) and/or AUDIT_CHECKPOINT_URL.",
                id="audit.W001",
            )
        )
    if url and not url.startswith("https://"):
        messages.append(
            Warning(
                "AUDIT_CHECKPOINT_URL is not HTTPS: checkpoints travel in clear and unauthenticated.",
                id="audit.W002",
            )
        )
    return messages
