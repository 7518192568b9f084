"""Who may give break-glass (issue 13, finding 5): only a portal admin or a compliance officer,
never to themselves, however it is given (a grant on a channel, to a user or a group; a place
in a group that holds it; the Crisis Team role), and compliance officers are told of each."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from accounts import roles
from audit.models import AuditEvent
from core.errors import PermissionDenied
from governance import actions as governance_actions
from governance import permissions
from governance.models import Channel, Department

pytestmark = pytest.mark.django_db
BG = permissions.BREAK_GLASS


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def grants():
    return AuditEvent.objects.filter(action="governance.channel.grant").count()


def announcements():
    return [m for m in mail.outbox if "Break-glass permission given" in m.subject]


@pytest.fixture
def research(demo):
    return Channel.objects.get(slug="research-blog")  # dana manages it (social-center)


def test_a_channel_manager_gives_it_to_nobody(demo, research):
    dana = demo["dana"]
    assert permissions.can(dana, permissions.MANAGE_CHANNEL, research)
    with pytest.raises(PermissionDenied, match="Nobody gives themselves"):
        governance_actions.grant_permission(research, actor=dana, perm=BG, user=dana)
    with pytest.raises(PermissionDenied, match="portal admin or a compliance officer"):
        governance_actions.grant_permission(research, actor=dana, perm=BG, user=demo["bob"])
    assert grants() == 0
    # Other permissions of her channel she still grants.
    assert governance_actions.grant_permission(research, actor=dana, perm=permissions.DRAFT, user=demo["bob"])


def test_nobody_gives_it_to_themselves_even_through_a_group(demo, research):
    admin = demo["admin"]
    with pytest.raises(PermissionDenied, match="Nobody gives themselves"):
        governance_actions.grant_permission(research, actor=admin, perm=BG, user=admin)
    own = Group.objects.create(name="Admins' own group")
    admin.groups.add(own)
    with pytest.raises(PermissionDenied, match="Nobody gives themselves"):
        governance_actions.grant_permission(research, actor=fresh(admin), perm=BG, group=own)
    assert grants() == 0


@pytest.mark.parametrize("giver", ["admin", "carol"])
def test_a_portal_admin_or_compliance_officer_gives_it_and_compliance_is_told(
    demo, research, giver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert governance_actions.grant_permission(research, actor=demo[giver], perm=BG, user=demo["bob"])
    assert permissions.can(fresh(demo["bob"]), BG, research)
    told = announcements()
    officers = {u.email for u in roles.members_of(roles.COMPLIANCE_OFFICER)}
    assert officers and {address for m in told for address in m.to} == officers
    assert "bob" in told[0].subject and research.name in told[0].body
    # Taking it back only lowers the risk: the givers may, and so may the channel's managers.
    assert governance_actions.revoke_permission(research, actor=demo[giver], perm=BG, user=demo["bob"])
    governance_actions.grant_permission(research, actor=demo[giver], perm=BG, user=demo["bob"])
    assert governance_actions.revoke_permission(research, actor=demo["dana"], perm=BG, user=demo["bob"])
    with pytest.raises(PermissionDenied):  # and nobody else
        governance_actions.revoke_permission(research, actor=demo["ray"], perm=BG, user=demo["bob"])


def test_joining_a_group_that_holds_it_is_being_given_it(demo, research, django_capture_on_commit_callbacks):
    social = Department.objects.get(slug="social-center")
    authors = social.groups_by_role()["authors"]
    governance_actions.grant_permission(research, actor=demo["admin"], perm=BG, group=authors)
    mail.outbox.clear()
    bob = demo["bob"]
    with pytest.raises(PermissionDenied, match="portal admin or a compliance officer"):
        governance_actions.add_department_member(social, actor=demo["dana"], user=bob, role="authors")
    assert not fresh(bob).groups.filter(pk=authors.pk).exists()
    # A group without it: managers add members as before.
    assert governance_actions.add_department_member(social, actor=demo["dana"], user=bob, role="reviewers")
    with django_capture_on_commit_callbacks(execute=True):
        assert governance_actions.add_department_member(social, actor=demo["admin"], user=bob, role="authors")
    assert permissions.can(fresh(bob), BG, research) and announcements()


def test_the_crisis_team_role_is_break_glass_everywhere(demo, django_capture_on_commit_callbacks):
    admin = demo["admin"]
    with pytest.raises(PermissionDenied, match="Nobody gives themselves"):
        governance_actions.assign_role(admin, actor=admin, role=roles.CRISIS_TEAM)
    with django_capture_on_commit_callbacks(execute=True):
        assert governance_actions.assign_role(demo["bob"], actor=admin, role=roles.CRISIS_TEAM)
    assert announcements()
    # Nor any other role, nor any other permission: nobody grants themselves anything.
    with pytest.raises(PermissionDenied, match="Nobody gives themselves"):
        governance_actions.assign_role(admin, actor=admin, role=roles.REVIEWER)
    research = Channel.objects.get(slug="research-blog")
    with pytest.raises(PermissionDenied, match="Nobody gives themselves"):
        governance_actions.grant_permission(research, actor=demo["dana"], perm=permissions.DRAFT, user=demo["dana"])
