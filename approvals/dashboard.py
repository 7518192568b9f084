"""What the approvals app adds to the dashboard (governance.dashboard): the compliance
officers' open retrospective reviews of break-glass publications, until they are done."""

from django.utils import timezone

from governance.dashboard import Panel

from . import rules, selectors

# The dashboard lists the reviews due first; the API lists them all.
SHOWN = 10


def retrospective_reviews_panel(user) -> Panel | None:
    """Open retrospective reviews, oldest due first, with the overdue ones marked. Two queries
    (the count and the first rows) however many there are; nothing for anyone but compliance."""
    if not rules.is_compliance_officer(user):
        return None
    reviews = selectors.retrospective_reviews_for(user, is_open=True)
    now = timezone.now()
    rows = [{"review": review, "overdue": review.due_at < now} for review in reviews[:SHOWN]]
    count = reviews.count()
    return Panel(
        key="retrospective-reviews",
        title="Break-glass publications to review",
        template="approvals/panels/retrospective_reviews.html",
        context={"rows": rows, "count": count, "more": count - len(rows)},
    )
