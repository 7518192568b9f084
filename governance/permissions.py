"""The one place that answers "may this user do X on Y?".

- `can(user, perm, obj)` for one object; `perms_on(user, obj)` for all of them;
- `visible(user, perm, queryset)` for a list, as one SQL query (no per-row checks);
- `prefetch(user, objects)` before rendering many objects, so that `can` and `perms_on`
  ask nothing more of the database.

Grants are stored by django-guardian in direct foreign-key tables and written with its
`assign_perm`/`remove_perm`; reads are answered here, with the user's grants on an object
loaded in one UNION query and kept in the request's cache on the user object (`core.cache`) (like guardian's
ObjectPermissionChecker, but with roles folded in and one query instead of two).

Permissions come from three sources:
1. object grants in django-guardian's direct foreign-key tables, to the user or to one of
   their groups (a department's authors/reviewers/managers, an agency, …);
2. organization-wide roles (`ROLE_GRANTS`): a compliance officer sees every channel, a
   portal admin manages every channel;
3. superusers hold everything.

`VIEW_CHANNEL` is implied by every channel permission: whoever may draft, review,
publish on or manage a channel may see it. `VIEW_POSTS` (everyone's posts on the channel)
is implied by review, publish and manage; compliance officers and the crisis team hold
it everywhere.
"""

from django.contrib.auth.models import Group
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts import roles
from core import cache

DRAFT = "draft_on_channel"
REVIEW = "review_on_channel"
PUBLISH = "publish_on_channel"
MANAGE_CHANNEL = "manage_channel"
# Publish at once, approved or not, with a reason; compliance reviews it afterwards.
BREAK_GLASS = "break_glass_on_channel"
VIEW_CHANNEL = "view_channel"
VIEW_POSTS = "view_posts_on_channel"
HANDLE_CRISIS = "handle_crisis"
MANAGE_DEPARTMENT = "manage_department"

CHANNEL_PERMISSIONS = (DRAFT, REVIEW, PUBLISH, MANAGE_CHANNEL, BREAK_GLASS)
# What each channel permission is called on the pages.
LABELS = {DRAFT: "Draft", REVIEW: "Review", PUBLISH: "Publish", MANAGE_CHANNEL: "Manage", BREAK_GLASS: "Break-glass"}
DEPARTMENT_PERMISSIONS = (MANAGE_DEPARTMENT,)

# What each of a department's groups holds on the channels the department owns.
DEPARTMENT_GROUP_GRANTS = {
    "authors": (DRAFT,),
    "reviewers": (REVIEW, PUBLISH),
    "managers": (DRAFT, REVIEW, PUBLISH, MANAGE_CHANNEL),
}
# What each department group holds on the department itself.
DEPARTMENT_GROUP_DEPARTMENT_GRANTS = {"managers": (MANAGE_DEPARTMENT,)}

# Organization-wide roles hold these on every channel and department.
ROLE_GRANTS: dict[str, frozenset[str]] = {
    roles.PORTAL_ADMIN: frozenset({VIEW_CHANNEL, MANAGE_CHANNEL, MANAGE_DEPARTMENT}),
    roles.COMPLIANCE_OFFICER: frozenset({VIEW_CHANNEL, VIEW_POSTS}),
    roles.CRISIS_TEAM: frozenset({VIEW_CHANNEL, VIEW_POSTS, HANDLE_CRISIS, BREAK_GLASS}),
}

# A permission is held if any of these is held.
_SATISFIED_BY = {
    VIEW_CHANNEL: frozenset({VIEW_CHANNEL, *CHANNEL_PERMISSIONS}),
    # Everyone's posts on a channel: its reviewers, publishers and managers (authors see their own).
    VIEW_POSTS: frozenset({VIEW_POSTS, REVIEW, PUBLISH, MANAGE_CHANNEL}),
    # Holding and releasing posts, crises: the channel's managers and the crisis team.
    HANDLE_CRISIS: frozenset({HANDLE_CRISIS, MANAGE_CHANNEL, MANAGE_DEPARTMENT}),
}


def _satisfied_by(perm: str) -> frozenset[str]:
    return _SATISFIED_BY.get(perm, frozenset({perm}))


def group_ids(user) -> frozenset[int]:
    """Ids of all the user's groups (cached on the user object for the request)."""
    if not roles.is_active(user):
        return frozenset()
    return cache.remember(user, "group_ids", lambda: frozenset(user.groups.values_list("pk", flat=True)))


def _role_perms(user) -> frozenset[str]:
    held: set[str] = set()
    for role in roles.role_names(user):
        held |= ROLE_GRANTS.get(role, frozenset())
    return frozenset(held)


def forget(user) -> None:
    """Drop everything this user object has cached (after its grants or roles changed)."""
    cache.forget(user)


def _all_perms_for(obj: Model) -> tuple[str, ...]:
    return DEPARTMENT_PERMISSIONS if obj._meta.model_name == "department" else CHANNEL_PERMISSIONS


def _grant_cache(user) -> dict:
    return cache.remember(user, "grants", dict)


def _grant_rows(user, model, **where) -> QuerySet:
    """(object id, codename) of the user's own grants and their groups' grants, as one UNION."""
    mine = get_user_obj_perms_model(model).objects.filter(user=user, **where)
    groups = get_group_obj_perms_model(model).objects.filter(group__user=user, **where)
    fields = ("content_object_id", "permission__codename")
    return mine.values_list(*fields).union(groups.values_list(*fields), all=True)


def _held(user, obj: Model) -> frozenset[str]:
    """Codenames granted to the user (directly or through groups) on `obj`; one query, then cached."""
    grants = _grant_cache(user)
    key = (obj._meta.label_lower, obj.pk)
    if key not in grants:
        grants[key] = frozenset(code for _, code in _grant_rows(user, type(obj), content_object_id=obj.pk))
    return grants[key]


def perms_on(user, obj: Model) -> frozenset[str]:
    """Every permission the user holds on `obj` (channel or department), implied ones excluded."""
    if not roles.is_active(user):
        return frozenset()
    known = _all_perms_for(obj)
    if user.is_superuser:
        return frozenset(known)
    granted = _held(user, obj) | _role_perms(user)
    return frozenset(p for p in known if p in granted)


def can(user, perm: str, obj: Model) -> bool:
    """May `user` do `perm` on `obj`? Never raises; inactive and anonymous users may do nothing.

    Costs at most two queries for a user object (its roles, its grants on `obj`), then
    nothing: both are cached on the user object, which lives as long as the request.
    """
    if not roles.is_active(user):
        return False
    if user.is_superuser:
        return True
    wanted = _satisfied_by(perm)
    return bool(wanted & _role_perms(user)) or bool(wanted & _held(user, obj))


def holds_everywhere(user, perm: str) -> bool:
    """Does `user` hold `perm` on every object, through a role or as a superuser? (Creating
    departments, organization-wide crises and stages, and the like.)"""
    if not roles.is_active(user):
        return False
    return user.is_superuser or bool(_satisfied_by(perm) & _role_perms(user))


def may_handle_crisis(user, *, department=None, channel=None) -> bool:
    """May `user` declare, end and handle a crisis on `channel`, `department` or (neither) the
    organization? The scope's managers and the crisis team; organization-wide, the crisis team."""
    scope = channel or department
    if scope is None:
        return holds_everywhere(user, HANDLE_CRISIS)
    return can(user, HANDLE_CRISIS, scope)


def prefetch(user, objects) -> None:
    """Load the user's roles and grants on all `objects` (same model) in two queries, so that
    `can` and `perms_on` on any of them ask nothing more of the database."""
    if not roles.is_active(user) or user.is_superuser:
        return
    objects = list(objects)
    roles.role_names(user)
    if not objects:
        return
    model = type(objects[0])
    held: dict[int, set[str]] = {obj.pk: set() for obj in objects}
    for pk, code in _grant_rows(user, model, content_object_id__in=list(held)):
        held[pk].add(code)
    grants = _grant_cache(user)
    label = model._meta.label_lower
    for pk, codes in held.items():
        grants[(label, pk)] = frozenset(codes)


def visible(user, perm: str, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to the objects on which `user` holds `perm`, as one SQL query.

    Object grants (to the user or their groups) and organization-wide roles are tested
    with EXISTS subqueries in the same statement, so the result costs one query however
    many objects or grants there are.
    """
    if not roles.is_active(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    model = queryset.model
    codenames = _satisfied_by(perm)
    user_grants = get_user_obj_perms_model(model).objects.filter(
        user=user, content_object=OuterRef("pk"), permission__codename__in=codenames
    )
    group_grants = get_group_obj_perms_model(model).objects.filter(
        group__user=user, content_object=OuterRef("pk"), permission__codename__in=codenames
    )
    condition = Q(Exists(user_grants)) | Q(Exists(group_grants))
    granting_roles = [role for role, perms in ROLE_GRANTS.items() if perms & codenames]
    if granting_roles:
        condition |= Q(Exists(Group.objects.filter(user=user, name__in=granting_roles)))
    return queryset.filter(condition)


def users_with(perm: str, channel) -> QuerySet:
    """Active users holding `perm` on `channel` through a grant or a role (superusers only
    if granted explicitly: they may do anything but are not everyone's reviewer).

    Starts from the channel's few grant rows and the granted groups' members, rather than
    testing every user: one query that stays small however many users there are.
    """
    from django.contrib.auth import get_user_model

    User = get_user_model()
    codenames = _satisfied_by(perm)
    direct = (
        get_user_obj_perms_model(type(channel))
        .objects.filter(content_object=channel, permission__codename__in=codenames)
        .values("user_id")
    )
    granted_groups = (
        get_group_obj_perms_model(type(channel))
        .objects.filter(content_object=channel, permission__codename__in=codenames)
        .values("group_id")
    )
    granting_roles = [role for role, perms in ROLE_GRANTS.items() if perms & codenames]
    groups = Q(group_id__in=granted_groups)
    if granting_roles:
        groups |= Q(group__name__in=granting_roles)
    members = User.groups.through.objects.filter(groups).values("user_id")
    return User.objects.filter(Q(pk__in=direct) | Q(pk__in=members), is_active=True)
