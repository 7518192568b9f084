"""What the approvals app adds to a channel's page (governance.channel_panels): the review
stages that apply to posts on the channel."""

from governance.dashboard import Panel
from governance.models import covering

from .models import ReviewStage


def review_stages_panel(user, channel) -> Panel:
    """The active stages of the organization, the channel's department and the channel, in the
    order a submission passes them, each with when it applies. One query."""
    stages = list(
        ReviewStage.objects.filter(is_active=True)
        .filter(covering(channel))
        .select_related("eligible_group", "department", "channel")
        .order_by("position", "id")
    )
    return Panel(
        key="review-stages",
        title="Review stages",
        template="approvals/panels/channel_review_stages.html",
        context={"stages": stages, "always": ReviewStage.Applies.ALWAYS, "regulated": channel.is_regulated},
    )
