from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"

    def ready(self):
        from governance import dashboard

        from . import dashboard as panels
        from . import receivers  # noqa: F401  (connects the crisis receivers)

        # On the dashboard, in this order: crises, the user's queue, the compliance officers'
        # open retrospective reviews, unread notifications, the user's drafts and decisions.
        dashboard.register("crises", panels.crises_panel)
        dashboard.register("review-queue", panels.review_queue_panel)
        dashboard.register("retrospective-reviews", panels.retrospective_reviews_panel)
        dashboard.register("notifications", panels.notifications_panel)
        dashboard.register("my-drafts", panels.drafts_panel)
        dashboard.register("my-decisions", panels.recent_decisions_panel)

        from governance import channel_panels

        from .channel_panels import holding_statements_panel, review_stages_panel

        # The review stages that apply, then its holding statements, on each channel's page.
        channel_panels.register("review-stages", review_stages_panel)
        channel_panels.register("holding-statements", holding_statements_panel)
