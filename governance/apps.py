from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "governance"

    def ready(self):
        from audit import events

        events.suggest("governance.crisis.", "governance.channel.", "governance.policy.", "governance.directory.")
