"""The review queue: who waits on whom (`review_queue_for` is its definition, `review_queue_page`
its fast walk by keyset, `review_queue_counts` its counts), the queue page's filters and keys,
and the navigation's question whether a user has a queue at all. Each a constant number of
queries however many posts wait."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts import roles
from core import cache
from core.db import MAX_ID
from governance import permissions
from governance.models import Channel, Department

from ..models import (
    Decision,
    Notification,
    PolicyCheck,
    Post,
    PostState,
    ReviewDecision,
    ReviewStage,
)
from .posts import _LIST_RELATED, _writer


def review_queue_for(user) -> QuerySet[Post]:
    """Posts awaiting a decision `user` is eligible to give, oldest first.

    In review; the open stage is decided by a group the user is in, or by a channel
    permission the user holds on the post's channel; the user holds every training
    certification the channel's policy requires of reviewers (`uncertified_channels`); the
    user is not one of its writers (author, any co-author it ever had, creators of its
    revisions); and the user has not already decided this stage, nor approved another stage,
    of this revision. One query, however many channels, grants or posts (and
    the constant few of `uncertified_channels`).
    """
    if not (user.is_authenticated and user.is_active):
        return Post.objects.none()
    return _eligible_queue(user).exclude(channel_id__in=list(uncertified_channels(user)))


def _eligible_queue(user) -> QuerySet[Post]:
    """`review_queue_for` before the training the channels' policies require of reviewers."""
    eligible = Q(current_stage__eligible_group__in=user.groups.values("pk"))
    for perm in ReviewStage.EligiblePermission.values:
        channels = permissions.visible(user, perm, Channel.objects.all()).values("pk")
        eligible |= Q(current_stage__eligible_permission=perm, channel__in=channels)
    already_decided = ReviewDecision.objects.filter(
        post_id=OuterRef("pk"),
        revision_id=OuterRef("current_revision_id"),
        reviewer_id=user.pk,
        voided_at__isnull=True,
    ).filter(Q(stage_id=OuterRef("current_stage_id")) | Q(decision=Decision.APPROVE))
    return (
        Post.objects.select_related(*_LIST_RELATED)
        .filter(state=PostState.IN_REVIEW)
        .filter(eligible)
        .exclude(author=user)
        .exclude(_writer(user))
        .exclude(Exists(already_decided))
        .order_by("awaiting_since", "id")
    )


def uncertified_channels(user) -> dict[int, tuple[str, ...]]:
    """{channel id: the training courses its effective policy requires of whoever reviews on it
    that `user` holds no valid certification of}, for the channels where any is missing: the
    posts there wait on the user but are not theirs to decide now (approvals.permissions,
    `missing_training`). At most three queries, whatever the number of posts or channels."""
    from governance.models import PostingPolicy

    required: list[tuple[int | None, int | None, str]] = [
        (channel_id, department_id, rule["course"])
        for channel_id, department_id, rules in PostingPolicy.objects.filter(is_active=True).values_list(
            "channel_id", "department_id", "rules"
        )
        for rule in rules
        if isinstance(rule, dict) and rule.get("kind") == "training" and rule.get("course")
    ]
    if not required:
        return {}
    now = timezone.now()
    held = set(
        user.certifications.filter(completed_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("course", flat=True)
    )
    missing = [
        (channel_id, department_id, course) for channel_id, department_id, course in required if course not in held
    ]
    if not missing:
        return {}
    lacking: dict[int, set[str]] = {}
    for pk, department_id in Channel.objects.values_list("pk", "owning_department_id"):
        for scope_channel, scope_department, course in missing:
            if scope_channel == pk or (scope_channel is None and scope_department in (None, department_id)):
                lacking.setdefault(pk, set()).add(course)
    return {pk: tuple(sorted(courses)) for pk, courses in lacking.items()}


def queue_withheld_for_training(user, filters: "QueueFilters", *, scope: "QueueScope | None" = None) -> list[dict]:
    """Posts that wait on `user` but that they may not decide for want of a training
    certification the channel requires of reviewers, per missing course: [{course, count}]
    (flag and waiting-time filters applied, as `queue_counts`). No query when nothing is missing
    (beyond `uncertified_channels`'), one otherwise."""
    lacking = scope.uncertified if scope is not None else tuple(uncertified_channels(user).items())
    if not lacking:
        return []
    courses = dict(lacking)
    withheld = _narrowed_queue(
        _eligible_queue(user).filter(channel_id__in=list(courses)),
        flagged=filters.flagged,
        waiting_before=_waiting_before(filters),
    )
    counts: dict[str, int] = {}
    for channel_id, n in (
        withheld.order_by().values("channel_id").annotate(n=Count("id")).values_list("channel_id", "n")
    ):
        for course in courses[channel_id]:
            counts[course] = counts.get(course, 0) + n
    return [{"course": course, "count": counts[course]} for course in sorted(counts)]


@dataclass(frozen=True)
class QueueScope:
    """Where a user's review queue lies, as the walks read it: the stages the user decides by
    group membership (every post at them), and for each stage permission the channels on which
    the user holds it with the stages it decides. The branches are disjoint (a post has one
    open stage, and a stage is decided either by a group or by a permission)."""

    user_id: int
    by_group: tuple[int, ...] = ()
    by_permission: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()  # (channel ids, stage ids)
    # (channel id, courses): channels whose required training the user lacks (`uncertified_channels`),
    # left out of every walk.
    uncertified: tuple[tuple[int, tuple[str, ...]], ...] = ()

    @property
    def excluded_channels(self) -> list[int]:
        return [pk for pk, _ in self.uncertified]


def review_queue_scope(user) -> QueueScope | None:
    """The user's `QueueScope` on PostgreSQL, where the queue is read by walking the in-review
    indexes (a query for the stages and one per stage permission in use, plus the user's
    groups unless cached); None elsewhere (the reference queryset is used) and for anyone
    inactive. Compute it once per request and pass it to the page and the counts."""
    if connection.vendor != "postgresql" or not (user.is_authenticated and user.is_active):
        return None
    group_ids = permissions.group_ids(user)
    by_group, stages_by_permission = [], {}
    for pk, perm, group_id in ReviewStage.objects.values_list("pk", "eligible_permission", "eligible_group_id"):
        if group_id is not None and group_id in group_ids:
            by_group.append(pk)
        elif perm:
            stages_by_permission.setdefault(perm, []).append(pk)
    uncertified = tuple(sorted(uncertified_channels(user).items()))
    excluded = {pk for pk, _ in uncertified}
    by_permission = []
    for perm, stage_ids in stages_by_permission.items():
        channel_ids = tuple(
            pk
            for pk in permissions.visible(user, perm, Channel.objects.all()).values_list("pk", flat=True)
            if pk not in excluded
        )
        if channel_ids:
            by_permission.append((channel_ids, tuple(stage_ids)))
    return QueueScope(
        user_id=user.pk, by_group=tuple(by_group), by_permission=tuple(by_permission), uncertified=uncertified
    )


def _queue_narrowing(*, after=None, flagged=False, waiting_before=None, channel="", department="", excluded=()):
    """The SQL conditions (on the post `p`) and parameters of the queue's keyset and filters,
    each the walks' version of a condition of the reference queryset (the filters'
    `_narrowed_queue`), and the channels whose required training the user lacks (`excluded`)."""
    conditions, params = [], []
    if excluded:
        conditions.append("NOT (p.channel_id = ANY(%s::bigint[]))")
        params.append(list(excluded))
    if after is not None:
        conditions.append("(p.awaiting_since, p.id) > (%s, %s)")
        params += list(after)
    if flagged:  # a finding in the check of the revision under review
        conditions.append(
            f"EXISTS (SELECT 1 FROM {PolicyCheck._meta.db_table} pc "  # noqa: S608  # nosec B608 - table names
            "WHERE pc.revision_id = p.current_revision_id AND NOT (pc.findings = '[]'::jsonb))"
        )
    if waiting_before is not None:
        conditions.append("p.awaiting_since < %s")
        params.append(waiting_before)
    if channel:
        conditions.append(f"p.channel_id IN (SELECT ch.id FROM {Channel._meta.db_table} ch WHERE ch.slug = %s)")  # noqa: S608  # nosec B608
        params.append(channel)
    if department:
        conditions.append(
            f"p.channel_id IN (SELECT ch.id FROM {Channel._meta.db_table} ch "  # noqa: S608  # nosec B608
            f"JOIN {Department._meta.db_table} dp ON dp.id = ch.owning_department_id WHERE dp.slug = %s)"
        )
        params.append(department)
    return " AND ".join(conditions) or "TRUE", params


def _queue_branches(
    scope: QueueScope, *, select: str, tail: str, narrowing, tail_params, stages_in_channel_walks: bool = True
):
    """The UNION ALL of one branch per kind of eligibility: the stages decided by group (one
    walk per stage, over the in-review index by stage) and, per stage permission, the
    channels where the user holds it (one walk per channel, over the in-review index by
    channel). Each walk is `SELECT {select} <the queue's posts> {tail}` (LATERAL), its
    parameters bound; each branch's rows start with the branch's number (0, 1, …: the group
    stages if any, then `scope.by_permission` in order).

    Without `stages_in_channel_walks` a channel walk reads every post in review on its channel
    whatever its stage, and the caller keeps the rows at the branch's stages: a count has no
    ORDER BY to lead the planner to the index by channel, and given the stages too it would
    rather intersect both indexes, reading every post in review at those stages in the
    organization (as it misjudges how many are there)."""
    where, where_params = narrowing
    walk = _QUEUE_POSTS.format(
        post=Post._meta.db_table,
        writers=Post.writers.through._meta.db_table,
        decisions=ReviewDecision._meta.db_table,
    )
    exclusion_params = [scope.user_id] * 3
    branches, params = [], []
    if scope.by_group:
        scoped = walk.format(scope="p.current_stage_id = s.stage_id", narrowing=where)
        branches.append(
            f"SELECT {len(branches)} AS branch, w.* FROM unnest(%s::bigint[]) AS s(stage_id) "  # noqa: S608  # nosec B608 - table names and fixed fragments; values are bound
            f"CROSS JOIN LATERAL (SELECT {select} {scoped} {tail}) AS w"
        )
        params += [list(scope.by_group), *where_params, *exclusion_params, *tail_params]
    for channel_ids, stage_ids in scope.by_permission:
        channel_scope = "p.channel_id = c.channel_id"
        if stages_in_channel_walks:
            channel_scope += " AND p.current_stage_id = ANY(%s::bigint[])"
        scoped = walk.format(scope=channel_scope, narrowing=where)
        branches.append(
            f"SELECT {len(branches)} AS branch, w.* FROM unnest(%s::bigint[]) AS c(channel_id) "  # noqa: S608  # nosec B608
            f"CROSS JOIN LATERAL (SELECT {select} {scoped} {tail}) AS w"
        )
        stage_params = [list(stage_ids)] if stages_in_channel_walks else []
        params += [list(channel_ids), *stage_params, *where_params, *exclusion_params, *tail_params]
    return " UNION ALL ".join(branches), params


def review_queue_page(
    user,
    *,
    after: tuple | None = None,
    limit: int = 25,
    flagged: bool = False,
    waiting_before=None,
    channel: str = "",
    department: str = "",
    scope: QueueScope | None = None,
) -> list[Post]:
    """One page of `review_queue_for(user)`: the same posts in the same order, from just
    after the key `after` = (awaiting_since, id), costing the same at any depth. Optionally
    narrowed like the queue page's filters: `flagged` (the policy check of the revision under
    review found something), `waiting_before` (awaiting since before that instant), `channel`
    and `department` (slugs).

    On PostgreSQL the page is found by walking, in queue order, the in-review index of each
    stage the user decides by group membership and of each channel the user decides by
    permission, taking at most `limit` posts from each walk (LATERAL ... LIMIT), then
    merging. The rows are then loaded by id. `scope` (`review_queue_scope`) saves its queries
    when the caller already has it. Elsewhere (the embedded SQLite default) the reference
    queryset is used.
    """
    if not (user.is_authenticated and user.is_active):
        return []
    if connection.vendor != "postgresql":
        queue = _narrowed_queue(
            review_queue_for(user),
            flagged=flagged,
            waiting_before=waiting_before,
            channel=channel,
            department=department,
        )
        if after is not None:
            queue = queue.filter(Q(awaiting_since__gt=after[0]) | Q(awaiting_since=after[0], id__gt=after[1]))
        return list(queue[:limit])

    scope = scope or review_queue_scope(user)
    narrowing = _queue_narrowing(
        after=after,
        flagged=flagged,
        waiting_before=waiting_before,
        channel=channel,
        department=department,
        excluded=scope.excluded_channels,
    )
    branches, params = _queue_branches(
        scope,
        select="p.id, p.awaiting_since",
        tail="ORDER BY p.awaiting_since, p.id LIMIT %s",
        narrowing=narrowing,
        tail_params=[limit],
    )
    if not branches:
        return []
    sql = f"SELECT id FROM ({branches}) AS q ORDER BY awaiting_since, id LIMIT %s"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        ids = [row[0] for row in cursor.fetchall()]
    found = Post.objects.select_related(*_LIST_RELATED).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def review_queue_counts(
    user, *, flagged: bool = False, waiting_before=None, scope: QueueScope | None = None
) -> dict[int, int]:
    """{channel id: posts of `review_queue_for(user)` on it} for the channels with any, narrowed
    like `review_queue_page` by `flagged` and `waiting_before`: exact counts.

    On PostgreSQL one statement, which counts along the same walks as `review_queue_page`
    (per stage decided by group, per channel decided by permission, over the partial
    in-review indexes) and so reads only the posts in review at the stages the user decides
    by group and on the channels where they decide by permission, never the whole
    organization's; elsewhere the reference queryset, grouped by channel.
    """
    if not (user.is_authenticated and user.is_active):
        return {}
    if connection.vendor != "postgresql":
        queue = _narrowed_queue(review_queue_for(user), flagged=flagged, waiting_before=waiting_before)
        return dict(queue.order_by().values("channel_id").annotate(n=Count("id")).values_list("channel_id", "n"))

    scope = scope or review_queue_scope(user)
    branches, params = _queue_branches(
        scope,
        select="p.channel_id, p.current_stage_id, count(*) AS n",
        tail="GROUP BY p.channel_id, p.current_stage_id",
        narrowing=_queue_narrowing(flagged=flagged, waiting_before=waiting_before, excluded=scope.excluded_channels),
        tail_params=[],
        stages_in_channel_walks=False,
    )
    if not branches:
        return {}
    # The stages each branch counts: the group stages' walks read only their own.
    stages = ([set(scope.by_group)] if scope.by_group else []) + [set(ids) for _, ids in scope.by_permission]
    counts: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(branches, params)
        for branch, channel_id, stage_id, n in cursor.fetchall():
            if stage_id in stages[branch]:
                counts[channel_id] = counts.get(channel_id, 0) + n
    return counts


def _narrowed_queue(queue: QuerySet[Post], *, flagged=False, waiting_before=None, channel="", department=""):
    """The reference queryset narrowed by the queue page's filters."""
    if flagged:
        queue = queue.filter(
            Exists(PolicyCheck.objects.filter(revision_id=OuterRef("current_revision_id")).exclude(findings=[]))
        )
    if waiting_before is not None:
        queue = queue.filter(awaiting_since__lt=waiting_before)
    if channel:
        queue = queue.filter(channel__slug=channel)
    if department:
        queue = queue.filter(channel__owning_department__slug=department)
    return queue


# The posts of one walk of the queue: in review, at the walk's {scope}, narrowed by the page's
# keyset and filters ({narrowing}), leaving out what the user may not decide (the post's
# writers: author, any co-author it ever had, creators of its revisions; a stage the user
# already decided, or any stage once they approved one, of this revision). Doubled braces
# survive the first .format (table names); {scope} and {narrowing} are filled per branch.
# Only table names from the models' metadata and fixed fragments are formatted into the SQL;
# every value travels as a query parameter.
_QUEUE_POSTS = """
    FROM {post} p
    WHERE p.state = 'in_review' AND {{scope}} AND {{narrowing}}
      AND p.author_id <> %s
      AND NOT EXISTS (SELECT 1 FROM {writers} w WHERE w.post_id = p.id AND w.user_id = %s)
      AND NOT EXISTS (
          SELECT 1 FROM {decisions} d
          WHERE d.post_id = p.id AND d.revision_id = p.current_revision_id AND d.reviewer_id = %s
            AND d.voided_at IS NULL AND (d.stage_id = p.current_stage_id OR d.decision = 'approve'))
"""


# Roles whose holders have a review queue (or the compliance officers' retrospective reviews).
QUEUE_ROLES = (roles.REVIEWER, roles.COMPLIANCE_OFFICER, roles.CRISIS_TEAM)


# "Waiting longer than": the choices of the queue's waiting-time filter.
WAITING_CHOICES = {
    "1d": ("1 day", timedelta(days=1)),
    "3d": ("3 days", timedelta(days=3)),
    "7d": ("a week", timedelta(days=7)),
}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def queue_key(post: Post) -> str:
    """The `after` parameter that continues the queue just after `post`: microseconds since
    the epoch (exact, unlike a float) and the id."""
    delta = post.awaiting_since - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{post.pk}"


def parse_queue_key(value: str | None) -> tuple[datetime, int] | None:
    """(awaiting_since, id) from `queue_key`, or None for a missing or malformed key."""
    try:
        micros, pk = (value or "").rsplit("-", 1)
        key = _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None
    return key if 0 <= key[1] <= MAX_ID else None


def parse_id_key(value: str | None) -> int | None:
    try:
        pk = int(value or "")
    except ValueError:
        return None
    return pk if 0 < pk <= MAX_ID else None


@dataclass(frozen=True)
class QueueFilters:
    channel: str = ""  # slug
    department: str = ""  # slug
    flagged: bool = False
    waiting: str = ""  # a key of WAITING_CHOICES

    @classmethod
    def from_query(cls, query) -> "QueueFilters":
        waiting = query.get("waiting", "")
        return cls(
            channel=query.get("channel", "")[:100],
            department=query.get("department", "")[:100],
            flagged=query.get("flagged") in ("1", "on", "true"),
            waiting=waiting if waiting in WAITING_CHOICES else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.channel or self.department or self.flagged or self.waiting)

    def as_query(self) -> dict[str, str]:
        query = {"channel": self.channel, "department": self.department, "waiting": self.waiting}
        if self.flagged:
            query["flagged"] = "1"
        return {k: v for k, v in query.items() if v}


def _waiting_before(filters: QueueFilters):
    return timezone.now() - WAITING_CHOICES[filters.waiting][1] if filters.waiting else None


def queue_scope(user) -> QueueScope | None:
    """Where the user's queue lies (`review_queue_scope`): computed once per request
    and shared by the counts and the page."""
    return review_queue_scope(user)


def queue_counts(user, filters: QueueFilters, *, scope: QueueScope | None = None) -> list[dict]:
    """Posts waiting on `user` per channel (flag and waiting-time filters applied, not the
    channel or department ones, so that every channel of the queue can be chosen): exact
    counts of `review_queue_for(user)`, found along the queue's walks
    (`review_queue_counts`: one statement, reading only the user's own queue), then
    the channels' names (one query, none for an empty queue).
    Rows: {slug, name, department_slug, department_name, count}, by channel name."""
    counts = review_queue_counts(user, flagged=filters.flagged, waiting_before=_waiting_before(filters), scope=scope)
    if not counts:
        return []
    channels = Channel.objects.filter(pk__in=list(counts)).values(
        "pk", "slug", "name", "owning_department__slug", "owning_department__name"
    )
    return sorted(
        (
            {
                "slug": channel["slug"],
                "name": channel["name"],
                "department_slug": channel["owning_department__slug"],
                "department_name": channel["owning_department__name"],
                "count": counts[channel["pk"]],
            }
            for channel in channels
        ),
        key=lambda row: (row["name"].lower(), row["slug"]),
    )


def queue_page(
    user,
    filters: QueueFilters,
    *,
    after: tuple | None = None,
    limit: int = 25,
    scope: QueueScope | None = None,
) -> list[Post]:
    """Up to `limit` posts of the user's queue after the key `after`, oldest first, narrowed by
    the filters: the fast walk of `review_queue_page`, whose cost does not grow with the depth
    (the filters are conditions of each walk and keep the queue's (awaiting_since, id) order,
    so the key stays valid)."""
    return review_queue_page(
        user,
        after=after,
        limit=limit,
        flagged=filters.flagged,
        waiting_before=_waiting_before(filters),
        channel=filters.channel,
        department=filters.department,
        scope=scope,
    )


def findings_of(posts: list[Post]) -> dict[int, list[dict]]:
    """The findings of the policy check each post's current revision passed: one query."""
    revisions = [post.current_revision_id for post in posts if post.current_revision_id]
    found: dict[int, list[dict]] = {}
    if not revisions:
        return found
    for revision_id, findings in (
        PolicyCheck.objects.filter(revision_id__in=revisions).order_by("revision_id", "-checked_at", "-id")
    ).values_list("revision_id", "findings"):
        found.setdefault(revision_id, findings or [])
    return {post.pk: found.get(post.current_revision_id, []) for post in posts}


def _reviews_anything() -> Q:
    """A condition on users: reviewers by role or by a review grant on any channel (to them or
    to one of their groups), compliance officers and the crisis team."""
    review = permissions.REVIEW
    return Q(
        Exists(Group.objects.filter(user=OuterRef("pk"), name__in=QUEUE_ROLES))
        | Exists(
            get_group_obj_perms_model(Channel).objects.filter(group__user=OuterRef("pk"), permission__codename=review)
        )
        | Exists(get_user_obj_perms_model(Channel).objects.filter(user=OuterRef("pk"), permission__codename=review))
    )


def navigation_for(user) -> dict:
    """What the navigation shows a signed-in user: whether they have a review queue, and how
    many notifications they have not read. One query (on the user row, with two subqueries),
    then cached on the user object for the request (`permissions.forget` drops it)."""
    return cache.remember(user, "navigation", lambda: _navigation(user))


def _navigation(user) -> dict:
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("id"))
        .values("n")
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            reviews=ExpressionWrapper(_reviews_anything(), output_field=BooleanField()),
        )
        .values("unread", "reviews")
        .first()
    ) or {"unread": 0, "reviews": False}
    return {"unread": row["unread"], "has_queue": user.is_superuser or bool(row["reviews"])}


def may_review_anything(user) -> bool:
    """Whether the user has a review queue: by role (from the roles cached on the user), or by
    a review grant on some channel, to them or to one of their groups (a department's reviewers,
    a direct grant). The grant case asks `navigation_for`, whose one query the navigation of
    every page makes anyway."""
    if user.is_superuser or roles.role_names(user) & set(QUEUE_ROLES):
        return True
    return navigation_for(user)["has_queue"]
