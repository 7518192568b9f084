"""What the audit log proves about a post: the content each approval bound to, and what was
sent. The one definition of "approved hash", "sent hash" and "did what was sent match what was
approved", read by the post's page, the compliance officers' evidence page and (through
`hashes_match`) the deliveries API.

- The **approved hash** of a publication is the content hash recorded by the last event that
  authorised the post's content before it went out: an approval (the last stage's, since an
  edit voids earlier ones and sends the post back to draft), a holding statement's issue (its
  text was approved beforehand), or breaking the glass (the holder's emergency authorisation).
- The **sent hash** is the hash of what the connector sent, recorded by delivery in the
  `mark_published` event. A post **marked published by hand** (a publisher gave its live
  address: a manual channel, or a connector whose delivery kept failing) has none: nothing
  was sent, the evidence says "marked by hand" by whom, and never that the hashes match.
- The **platform id and address** are the ones recorded in that same event.
"""

from dataclasses import dataclass, field

from audit.models import AuditEvent

POST_TARGET = "approvals.post"
# Events that authorise a post's content to go out, and those that show an approval of it.
APPROVED = ("approvals.post.approve", "approvals.post.issue_holding_statement")
AUTHORISED = (*APPROVED, "approvals.post.break_glass")
PUBLISHED = "approvals.post.mark_published"
SUBMITTED = "approvals.post.submit"
EVIDENCE_EVENTS = 500


def hashes_match(approved_hash: str | None, sent_hash: str | None) -> bool | None:
    """True when what was sent is exactly what was approved, False when it differs, None when
    either is unknown (nothing recorded as sent, or nothing approved)."""
    if not approved_hash or not sent_hash:
        return None
    return sent_hash == approved_hash


def safe_url(url) -> str | None:
    """The address when it is an http(s) URL (a platform's answer is not trusted to be one)."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None


@dataclass
class Approval:
    event: AuditEvent
    hash: str | None
    stage: str | None


@dataclass
class Publication:
    event: AuditEvent
    sent_hash: str
    approved_hash: str | None
    remote_id: str
    remote_url: str
    published_hash: str | None  # the post's current revision when it was recorded as published
    by_hand: bool = False  # marked published by a person (the event's actor), not sent by a connector

    @property
    def method(self) -> str:
        return "by_hand" if self.by_hand else "connector"

    @property
    def matches(self) -> bool | None:
        """None for a post marked by hand: nothing was sent, there is nothing to compare."""
        return None if self.by_hand else hashes_match(self.approved_hash, self.sent_hash)

    @property
    def safe_url(self) -> str | None:
        return safe_url(self.remote_url)


@dataclass
class Evidence:
    post_id: int
    events: list[AuditEvent]
    truncated: bool = False
    submissions: list[Approval] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)

    @property
    def latest(self) -> Publication | None:
        return self.publications[-1] if self.publications else None

    @property
    def channel_id(self) -> int | None:
        return next((e.channel_id for e in self.events if e.channel_id), None)


def post_events(post_id: int, *, limit: int | None = EVIDENCE_EVENTS) -> list[AuditEvent]:
    """The post's audit events, oldest first (the first `limit` of them; None: all)."""
    events = AuditEvent.objects.filter(target_type=POST_TARGET, target_id=str(post_id)).order_by("seq")
    return list(events[:limit] if limit is not None else events)


def evidence_for(post_id: int, *, events: list[AuditEvent] | None = None) -> Evidence:
    """What the post's audit events prove (`events`: already read, oldest first)."""
    if events is None:
        events = post_events(post_id)
    evidence = Evidence(post_id=post_id, events=events, truncated=len(events) >= EVIDENCE_EVENTS)
    authorised: str | None = None
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.action in AUTHORISED:
            authorised = data.get("content_hash")
        if event.action in APPROVED:
            evidence.approvals.append(Approval(event, data.get("content_hash"), data.get("stage")))
        elif event.action == SUBMITTED:
            evidence.submissions.append(Approval(event, data.get("content_hash"), None))
        elif event.action == PUBLISHED:
            # A person's mark (older events carry no `by_hand`: the actor tells) never has a sent hash.
            by_hand = bool(data.get("by_hand")) or event.actor_id is not None
            evidence.publications.append(
                Publication(
                    event=event,
                    by_hand=by_hand,
                    sent_hash="" if by_hand else data.get("sent_hash") or "",
                    approved_hash=authorised,
                    remote_id=data.get("remote_id") or "",
                    remote_url=data.get("remote_url") or "",
                    published_hash=data.get("content_hash"),
                )
            )
    return evidence
