from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_chain_head(**kwargs):
    from .models import CHAIN_HEAD_ID, AuditChainHead

    AuditChainHead.objects.using(kwargs.get("using", "default")).get_or_create(pk=CHAIN_HEAD_ID)


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the deployment checks)
            signals,  # noqa: F401  (connects the sign-in receivers)
        )

        post_migrate.connect(_ensure_chain_head, sender=self, dispatch_uid="audit_chain_head")
