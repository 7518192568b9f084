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


def holding_statements_panel(user, channel) -> Panel | None:
    """The channel's holding statements, for those who see every post on it (as the API), with
    links to write and change them on the crisis console for its managers and the crisis team.
    One query; none for whoever sees neither."""
    from governance import permissions

    from .selectors import holding_statements_visible_to

    may_write = permissions.can(user, permissions.HANDLE_CRISIS, channel)
    if not (may_write or permissions.can(user, permissions.VIEW_POSTS, channel)):
        return None
    statements = list(holding_statements_visible_to(user, channel=channel).order_by("name", "id"))
    return Panel(
        key="holding-statements",
        title="Holding statements",
        template="approvals/panels/channel_holding_statements.html",
        context={"statements": statements, "may_write": may_write, "channel": channel},
    )
