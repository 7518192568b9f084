from django.apps import AppConfig
from django.db.models.signals import post_migrate


def restore_migration_data(using="default", **kwargs):
    """Django empties every table after a transactional test; put back what data
    migrations had created, so that later tests see the database migrate left."""
    from django.contrib.auth.models import Group

    from approvals.defaults import ensure_default_stages
    from approvals.models import ReviewStage

    ensure_default_stages(ReviewStage, Group, using=using)


class SupportConfig(AppConfig):
    """Test-only helpers, installed by config.settings_test alone."""

    name = "tests.support"
    label = "test_support"

    def ready(self):
        post_migrate.connect(restore_migration_data, dispatch_uid="test_support_restore_migration_data")
