from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"

    def ready(self):
        from audit import events

        # The audit log's action filter offers these; its post events link to their evidence.
        events.suggest(
            "approvals.post.",
            "approvals.post.submit",
            "approvals.post.approve",
            "approvals.post.reject",
            "approvals.post.request_changes",
            "approvals.post.publish",
            "approvals.post.mark_published",
            "approvals.post.hold",
            "approvals.post.release",
            "approvals.post.break_glass",
            "approvals.post.dismiss_finding",
            "approvals.holding_statement.",
        )
        events.link_evidence("approvals.post", "audit:post-evidence", "post")

        from core import panels as places

        from . import panels

        # On the dashboard, in this order: crises, the user's queue, the compliance officers'
        # open retrospective reviews, unread notifications, the user's drafts and decisions.
        places.register(places.DASHBOARD, "crises", panels.crises_panel)
        places.register(places.DASHBOARD, "review-queue", panels.review_queue_panel)
        places.register(places.DASHBOARD, "retrospective-reviews", panels.retrospective_reviews_panel)
        places.register(places.DASHBOARD, "notifications", panels.notifications_panel)
        places.register(places.DASHBOARD, "my-drafts", panels.drafts_panel)
        places.register(places.DASHBOARD, "my-decisions", panels.recent_decisions_panel)
        # The review stages that apply, then its holding statements, on each channel's page.
        places.register(places.CHANNEL_PAGE, "review-stages", panels.review_stages_panel)
        places.register(places.CHANNEL_PAGE, "holding-statements", panels.holding_statements_panel)
