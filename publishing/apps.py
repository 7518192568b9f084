from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publishing"

    def ready(self):
        from . import (
            checks,  # noqa: F401 - registers the deployment checks
            receivers,  # noqa: F401 - connects the workflow's signals
        )
