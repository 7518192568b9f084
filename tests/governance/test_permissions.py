import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from core.errors import PermissionDenied, StaleVersion, ValidationFailed
from governance import actions, permissions
from governance.models import Channel
from governance.permissions import DRAFT, MANAGE_CHANNEL, PUBLISH, REVIEW, VIEW_CHANNEL, can, perms_on, visible
from tests.support.queries import exact_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(django_user_model):
    dept_a = actions.create_department(actor=None, slug="dept-a", name="Department A")
    dept_b = actions.create_department(actor=None, slug="dept-b", name="Department B")
    channel = actions.create_channel(actor=None, slug="chan", name="Chan", platform="x", owning_department=dept_a)
    other = actions.create_channel(actor=None, slug="other", name="Other", platform="blog", owning_department=dept_b)
    users = {
        name: django_user_model.objects.create_user(name, password="a-long-password-1")
        for name in ("author", "reviewer", "manager", "outsider", "manager_b")
    }
    actions.add_department_member(dept_a, actor=None, user=users["author"], role="authors")
    actions.add_department_member(dept_a, actor=None, user=users["reviewer"], role="reviewers")
    actions.add_department_member(dept_a, actor=None, user=users["manager"], role="managers")
    actions.add_department_member(dept_b, actor=None, user=users["manager_b"], role="managers")
    return {"a": dept_a, "b": dept_b, "channel": channel, "other": other, **users}


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_department_groups_hold_their_grants(org):
    channel = org["channel"]
    assert perms_on(org["author"], channel) == {DRAFT}
    assert perms_on(org["reviewer"], channel) == {REVIEW, PUBLISH}
    assert perms_on(org["manager"], channel) == {DRAFT, REVIEW, PUBLISH, MANAGE_CHANNEL}
    assert perms_on(org["outsider"], channel) == frozenset()
    assert perms_on(org["author"], org["other"]) == frozenset()
    assert can(org["author"], VIEW_CHANNEL, channel) and not can(org["outsider"], VIEW_CHANNEL, channel)


def test_user_grant_and_revoke(org):
    outsider, channel = org["outsider"], org["channel"]
    assert actions.grant_permission(channel, actor=org["manager"], perm=REVIEW, user=outsider)
    assert can(fresh(outsider), REVIEW, channel)
    assert not can(fresh(outsider), DRAFT, channel)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "governance.channel.grant" and event.actor_label == "manager"
    assert event.channel_id == channel.pk and event.data["perm"] == REVIEW and event.data["user"] == "outsider"

    assert actions.revoke_permission(channel, actor=org["manager"], perm=REVIEW, user=outsider)
    assert not can(fresh(outsider), REVIEW, channel)
    assert AuditEvent.objects.order_by("-seq").first().action == "governance.channel.revoke"


def test_group_grant(org):
    agency = Group.objects.create(name="Agency partners")
    outsider = org["outsider"]
    outsider.groups.add(agency)
    actions.grant_permission(org["channel"], actor=org["manager"], perm=DRAFT, group=agency)
    assert can(fresh(outsider), DRAFT, org["channel"])
    assert list(visible(fresh(outsider), DRAFT, Channel.objects.all())) == [org["channel"]]


def test_grant_needs_manage_permission(org):
    with pytest.raises(PermissionDenied):
        actions.grant_permission(org["channel"], actor=org["reviewer"], perm=DRAFT, user=org["outsider"])
    with pytest.raises(ValidationFailed):
        actions.grant_permission(org["channel"], actor=org["manager"], perm="delete_everything", user=org["outsider"])
    assert not can(fresh(org["outsider"]), DRAFT, org["channel"])


def test_repeated_grant_records_nothing(org):
    actions.grant_permission(org["channel"], actor=org["manager"], perm=DRAFT, user=org["outsider"])
    count = AuditEvent.objects.count()
    assert actions.grant_permission(org["channel"], actor=org["manager"], perm=DRAFT, user=org["outsider"]) is False
    assert AuditEvent.objects.count() == count


def test_transfer_moves_department_grants_and_keeps_individual_ones(org):
    channel = org["channel"]
    actions.grant_permission(channel, actor=org["manager"], perm=REVIEW, user=org["outsider"])
    # The receiving department's manager must agree: the actor needs manage rights on both sides.
    with pytest.raises(PermissionDenied):
        actions.transfer_channel(channel, actor=org["manager"], to_department=org["b"])
    actions.add_department_member(org["b"], actor=None, user=org["manager"], role="managers")

    actions.transfer_channel(channel, actor=fresh(org["manager"]), to_department=org["b"], expected_version=1)

    channel.refresh_from_db()
    assert channel.owning_department == org["b"] and channel.version == 2
    assert perms_on(fresh(org["author"]), channel) == frozenset()  # dept A's authors lost it
    assert perms_on(fresh(org["reviewer"]), channel) == frozenset()
    assert perms_on(fresh(org["manager_b"]), channel) == {DRAFT, REVIEW, PUBLISH, MANAGE_CHANNEL}
    assert can(fresh(org["outsider"]), REVIEW, channel)  # individual grant stays
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "governance.channel.transfer"
    assert event.data["before"] == {"owning_department": "dept-a"}
    assert event.data["after"] == {"owning_department": "dept-b"}
    assert event.data["moved_grants"]["authors"] == [DRAFT]


def test_transfer_with_stale_version_is_refused(org):
    with pytest.raises(StaleVersion):
        actions.transfer_channel(org["channel"], actor=None, to_department=org["b"], expected_version=7)
    assert Channel.objects.get(pk=org["channel"].pk).owning_department == org["a"]


def test_roles_grant_organization_wide(org):
    from accounts import roles

    carol = org["outsider"]
    actions.assign_role(carol, actor=None, role=roles.COMPLIANCE_OFFICER)
    carol = fresh(carol)
    assert can(carol, VIEW_CHANNEL, org["channel"]) and can(carol, VIEW_CHANNEL, org["other"])
    assert not can(carol, DRAFT, org["channel"])
    assert set(visible(carol, VIEW_CHANNEL, Channel.objects.all())) == {org["channel"], org["other"]}
    assert list(visible(carol, DRAFT, Channel.objects.all())) == []

    actions.assign_role(carol, actor=None, role=roles.PORTAL_ADMIN)
    assert can(fresh(carol), MANAGE_CHANNEL, org["other"])


def test_superuser_and_inactive_users(org, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="a-long-password-1")
    assert can(root, MANAGE_CHANNEL, org["channel"])
    assert visible(root, DRAFT, Channel.objects.all()).count() == 2
    author = org["author"]
    author.is_active = False
    author.save(update_fields=["is_active"])
    assert not can(fresh(author), DRAFT, org["channel"])
    assert list(visible(fresh(author), DRAFT, Channel.objects.all())) == []


def test_visible_is_one_query(org):
    author = fresh(org["author"])
    for i in range(20):
        actions.create_channel(
            actor=None, slug=f"extra-{i}", name=f"Extra {i}", platform="blog", owning_department=org["a"]
        )
    with exact_queries(1):
        names = list(visible(author, DRAFT, Channel.objects.all()).values_list("slug", flat=True))
    assert len(names) == 21 and "other" not in names
    manager_b = fresh(org["manager_b"])
    with exact_queries(1):
        assert len(list(visible(manager_b, VIEW_CHANNEL, Channel.objects.all()))) == 1


def test_prefetch_then_checks_cost_nothing(org):
    manager = fresh(org["manager"])
    channels = list(Channel.objects.all())
    permissions.prefetch(manager, channels)
    with exact_queries(0):
        for channel in channels:
            perms_on(manager, channel)
            can(manager, DRAFT, channel)


def test_create_channel_is_audited_and_checked(org):
    with pytest.raises(PermissionDenied):
        actions.create_channel(actor=org["author"], slug="nope", name="Nope", platform="x", owning_department=org["a"])
    channel = actions.create_channel(
        actor=org["manager"], slug="new-one", name="New", platform="mastodon", owning_department=org["a"]
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.target_id, event.channel_id) == (
        "governance.channel.create",
        str(channel.pk),
        channel.pk,
    )
    with pytest.raises(ValidationFailed):
        actions.create_channel(actor=None, slug="bad", name="Bad", platform="myspace", owning_department=org["a"])


def test_invalid_department_is_a_validation_error(db):
    with pytest.raises(ValidationFailed) as error:
        actions.create_department(actor=None, slug="not a slug!", name="Bad")
    assert "slug" in error.value.errors
    with pytest.raises(ValidationFailed):
        actions.create_department(actor=None, slug="ok", name="x" * 200)
