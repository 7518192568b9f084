"""Reads, already narrowed to what the user may see, with their joins done:

- `posts`: posts and what their page shows, holding statements, retrospective reviews,
  retraction requests, co-authors, the dashboard's drafts and decisions;
- `queue`: the review queue and its page;
- `notifications`: the user's own notifications;
- `evidence`: what the audit log proves about a post (approved and sent hashes);
- `findings`: a revision's dismissed findings, and the dismissals as corpus examples.

The names are re-exported here: `selectors.post_for(user, id)` reads as it did.
"""

from .evidence import evidence_for, hashes_match
from .findings import (
    ShownFinding,
    dismissal_summary,
    dismissals_of,
    false_alarm_examples,
    shown_findings,
)
from .notifications import notifications_for, notifications_page
from .posts import (
    co_author_suggestions,
    consent_summary,
    drafts_of,
    holding_statement_for,
    holding_statements_visible_to,
    may_draft,
    post_for,
    posts_visible_to,
    recent_decisions_of,
    retraction_requests_visible_to,
    retrospective_review_for,
    retrospective_reviews_for,
    retrospective_reviews_page,
    stage_progress,
    users_named,
)
from .queue import (
    WAITING_CHOICES,
    QueueFilters,
    QueueScope,
    findings_of,
    may_review_anything,
    navigation_for,
    parse_id_key,
    parse_queue_key,
    queue_counts,
    queue_key,
    queue_page,
    queue_scope,
    queue_withheld_for_training,
    review_queue_counts,
    review_queue_for,
    review_queue_page,
    review_queue_scope,
    uncertified_channels,
)

__all__ = [
    "WAITING_CHOICES",
    "QueueFilters",
    "QueueScope",
    "ShownFinding",
    "co_author_suggestions",
    "consent_summary",
    "dismissal_summary",
    "dismissals_of",
    "drafts_of",
    "evidence_for",
    "false_alarm_examples",
    "findings_of",
    "hashes_match",
    "holding_statement_for",
    "holding_statements_visible_to",
    "may_draft",
    "may_review_anything",
    "navigation_for",
    "notifications_for",
    "notifications_page",
    "parse_id_key",
    "parse_queue_key",
    "post_for",
    "posts_visible_to",
    "queue_counts",
    "queue_key",
    "queue_page",
    "queue_scope",
    "queue_withheld_for_training",
    "recent_decisions_of",
    "retraction_requests_visible_to",
    "retrospective_review_for",
    "retrospective_reviews_for",
    "retrospective_reviews_page",
    "review_queue_counts",
    "review_queue_for",
    "review_queue_page",
    "review_queue_scope",
    "shown_findings",
    "uncertified_channels",
    "stage_progress",
    "users_named",
]
