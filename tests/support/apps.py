from django.apps import AppConfig
from django.db.models.signals import post_migrate


def restore_migration_data(using="default", **kwargs):
    """Django empties every table after a transactional test; put back what data
    migrations had created, so that later tests see the database migrate left."""
    from django.contrib.auth.models import Group

    from approvals.models import ReviewStage

    stages = [
        ("channel-review", "Channel review", 10, "review_on_channel", None, "always"),
        ("compliance", "Compliance sign-off", 20, "", "Compliance Officer", "on_escalation"),
        ("crisis-team", "Crisis team approval", 30, "", "Crisis Team", "in_crisis"),
    ]
    for slug, name, position, permission, group_name, applies in stages:
        if ReviewStage.objects.using(using).filter(slug=slug, department=None, channel=None).exists():
            continue
        group = Group.objects.using(using).get_or_create(name=group_name)[0] if group_name else None
        ReviewStage.objects.using(using).create(
            slug=slug,
            name=name,
            position=position,
            eligible_permission=permission,
            eligible_group=group,
            applies=applies,
        )


class SupportConfig(AppConfig):
    """Test-only helpers, installed by config.settings_test alone."""

    name = "tests.support"
    label = "test_support"

    def ready(self):
        post_migrate.connect(restore_migration_data, dispatch_uid="test_support_restore_migration_data")
