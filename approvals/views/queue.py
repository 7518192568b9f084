"""The review queue in the browser: the posts awaiting the user's decision, oldest first, with
filters, counts and keyset paging; for compliance officers also the break-glass publications
awaiting their retrospective review.

A constant number of queries whatever the size of the queue: the user's roles, where the queue
lies (its stages and channels, shared by what follows), the counts per channel (one statement
along the queue's walks, and the channels' names), the training the channels require of
reviewers (a few queries; one more to count what it withholds when the user lacks some), one page of posts (the walk of
`review_queue_page`, filtered or not), the findings of that page's revisions, and, for
compliance officers, the open retrospective reviews (count and first rows). On PostgreSQL the
counts and the page read only the posts of the user's queue, never the organization's.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import roles

from .. import selectors

PAGE_SIZE = 25
RETROSPECTIVE_SHOWN = 10


def post_path(post_id: int) -> str:
    """The post's page (built by the post-detail view)."""
    return f"/posts/{post_id}/"


@login_required
@require_GET
def review_queue(request):
    user = request.user
    filters = selectors.QueueFilters.from_query(request.GET)
    after = selectors.parse_queue_key(request.GET.get("after"))

    scope = selectors.queue_scope(user)
    by_channel = selectors.queue_counts(user, filters, scope=scope)
    in_scope = [
        row
        for row in by_channel
        if (not filters.channel or row["slug"] == filters.channel)
        and (not filters.department or row["department_slug"] == filters.department)
    ]
    total = sum(row["count"] for row in in_scope)
    departments = sorted({(row["department_name"], row["department_slug"]) for row in by_channel})
    withheld = selectors.queue_withheld_for_training(user, filters, scope=scope)

    posts = selectors.queue_page(user, filters, after=after, limit=PAGE_SIZE + 1, scope=scope)
    more = len(posts) > PAGE_SIZE
    posts = posts[:PAGE_SIZE]
    findings = selectors.findings_of(posts)
    now = timezone.now()
    rows = [
        {
            "post": post,
            "url": post_path(post.pk),
            "findings": findings.get(post.pk, []),
            "escalations": [e for e in post.escalations if e != "regulated-channel"],
            "waiting_days": (now - post.awaiting_since).days,
        }
        for post in posts
    ]
    next_url = None
    if more:
        next_url = "?" + urlencode({**filters.as_query(), "after": selectors.queue_key(posts[-1])})

    retrospective = None
    if roles.is_compliance_officer(user):
        reviews = selectors.retrospective_reviews_for(user, is_open=True)
        shown = list(reviews[:RETROSPECTIVE_SHOWN])
        count = reviews.count()
        retrospective = {
            "rows": [{"review": r, "url": post_path(r.post_id), "overdue": r.due_at < now} for r in shown],
            "count": count,
            "more": count - len(shown),
        }

    return render(
        request,
        "approvals/queue/queue.html",
        {
            "rows": rows,
            "filters": filters,
            "by_channel": by_channel,
            "departments": departments,
            "waiting_choices": [(key, label) for key, (label, _) in selectors.WAITING_CHOICES.items()],
            "total": total,
            "queue_total": sum(row["count"] for row in by_channel),
            "next_url": next_url,
            "first_url": "?" + urlencode(filters.as_query()) if after is not None else None,
            "retrospective": retrospective,
            "withheld": withheld,
        },
    )
