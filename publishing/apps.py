from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publishing"

    def ready(self):
        from django_celery_beat import models as beat

        from core.admin import make_read_only

        # The schedule is CELERY_BEAT_SCHEDULE (beat writes it into these tables when it starts):
        # switching a task off here would stop delivery or the audit checkpoints, unaudited.
        make_read_only(
            beat.PeriodicTask, beat.IntervalSchedule, beat.CrontabSchedule, beat.SolarSchedule, beat.ClockedSchedule
        )
        from . import (
            checks,  # noqa: F401 - registers the deployment checks
            receivers,  # noqa: F401 - connects the workflow's signals
        )
