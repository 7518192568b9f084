import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from approvals.models import Post, PostState
from audit.models import AuditEvent
from audit.verify import verify_chain
from governance.models import Channel, ChannelGroupObjectPermission, Department
from governance.permissions import DRAFT, MANAGE_CHANNEL, REVIEW, perms_on

pytestmark = pytest.mark.django_db


def _snapshot():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    return (
        list(Department.objects.values_list("slug", "name").order_by("slug")),
        list(Channel.objects.values_list("slug", "platform", "owning_department__slug", "version").order_by("slug")),
        list(get_user_model().objects.values_list("username", "password").order_by("username")),
        sorted(Group.objects.values_list("name", flat=True)),
        ChannelGroupObjectPermission.objects.count(),
        sorted(Post.objects.values_list("state", "version")),
        AuditEvent.objects.count(),
    )


@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first
    assert verify_chain().ok


def test_seed_demo_refuses_without_debug():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not Department.objects.exists()
    with override_settings(DEBUG=False):
        call_command("seed_demo", "--force")
    assert Department.objects.count() == 4


def test_demo_organization_matches_the_contract(demo):
    assert dict(Department.objects.values_list("slug", "name")) == {
        "pr": "Public Affairs",
        "marketing": "Marketing",
        "it": "Information Technology",
        "social-center": "Center for Social Media",
    }
    assert {c: (p, d) for c, p, d in Channel.objects.values_list("slug", "platform", "owning_department__slug")} == {
        "youtube-main": ("youtube", "social-center"),
        "x-news": ("x", "pr"),
        "facebook-main": ("facebook", "pr"),
        "patient-stories": ("blog", "marketing"),
        "research-blog": ("blog", "social-center"),
        "podcast": ("podcast", "social-center"),
        "support-forums": ("forum", "social-center"),
        "employee-news": ("newsletter", "pr"),
        "mastodon-main": ("mastodon", "social-center"),
    }
    assert Channel.objects.get(slug="employee-news").is_internal
    assert Channel.objects.get(slug="patient-stories").is_regulated
    channels = {c.slug: c for c in Channel.objects.all()}
    assert perms_on(demo["alice"], channels["patient-stories"]) == {DRAFT}
    assert perms_on(demo["bob"], channels["x-news"]) == {DRAFT}
    assert REVIEW in perms_on(demo["rachel"], channels["patient-stories"])
    assert REVIEW in perms_on(demo["ray"], channels["facebook-main"])
    assert MANAGE_CHANNEL in perms_on(demo["dana"], channels["mastodon-main"])
    assert demo["admin"].is_superuser
    assert demo["alice"].check_password("clearpost-demo")


@override_settings(DEBUG=True)
def test_demo_posts_cover_every_state():
    call_command("seed_demo")
    assert set(Post.objects.values_list("state", flat=True)) == set(PostState.values)
    assert verify_chain().ok
