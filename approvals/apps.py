from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"

    def ready(self):
        from governance import dashboard

        from . import receivers  # noqa: F401  (connects the crisis receivers)
        from .dashboard import retrospective_reviews_panel

        # The compliance officers' open retrospective reviews, on their dashboard.
        dashboard.register("retrospective-reviews", retrospective_reviews_panel)
