"""Channel pages: the list, the detail, and the managers' grant / revoke / transfer forms."""

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from governance import actions, permissions
from governance.models import Channel, Department
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db


def _channel(slug: str = "mastodon-main") -> Channel:
    return Channel.objects.select_related("owning_department").get(slug=slug)


def _rows(response) -> list[str]:
    content = response.content.decode()
    return [chunk.split('"', 1)[0] for chunk in content.split('data-testid="channel-row" data-channel="')[1:]]


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_the_visible_channels_with_owner_platform_and_status(client_as, demo):
    response = client_as("bob").get("/channels/")
    assert response.status_code == 200
    rows = _rows(response)
    # bob is an author in PR: PR's channels only.
    assert set(rows) == {"x-news", "facebook-main", "employee-news"}
    content = response.content.decode()
    assert "Public Affairs" in content and ">X<" in content
    assert 'data-testid="channel-crisis"' not in content
    # compliance officers see every channel
    assert set(_rows(client_as("carol").get("/channels/"))) == set(Channel.objects.values_list("slug", flat=True))


def test_list_marks_channels_in_crisis(client_as, demo):
    from approvals.actions import start_crisis

    start_crisis(actor=demo["dana"], channel=_channel(), reason="Outage")
    content = client_as("dana").get("/channels/").content.decode()
    row = content.split('data-channel="mastodon-main"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="channel-crisis"' in row


def test_list_constant_queries(client_as, demo):
    client = client_as("carol")
    client.get("/channels/")
    few = queries_of(lambda: client.get("/channels/"))
    department = Department.objects.get(slug="pr")
    for i in range(20):
        actions.create_channel(
            actor=None, slug=f"extra-{i}", name=f"Extra {i}", platform="blog", owning_department=department
        )
    many = queries_of(lambda: client.get("/channels/"))
    assert len(_rows(many.result)) == Channel.objects.count()
    assert_same_queries(few, many)


# --- the detail -------------------------------------------------------------------------------


def test_detail_shows_owner_policy_stages_and_grants(client_as, demo):
    response = client_as("dana").get("/channels/mastodon-main/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Center for Social Media" in content
    assert 'data-testid="channel-policy"' in content
    assert 'data-testid="panel-review-stages"' in content and 'data-stage="channel-review"' in content
    # the owning department's groups hold their grants
    assert 'data-grantee="social-center managers"' in content
    assert 'data-testid="channel-manage"' in content and 'data-testid="grant-user"' in content


def test_detail_renders_the_effective_policy_readably(client_as, demo):
    actions.save_policy(
        actor=None,
        name="Mastodon words",
        channel=_channel(),
        rules=[{"kind": "lexicon", "severity": "block", "terms": ["<script>bad</script>"]}],
    )
    content = client_as("dana").get("/channels/mastodon-main/").content.decode()
    assert "Mastodon words" in content
    assert "Words and phrases: “&lt;script&gt;bad&lt;/script&gt;”" in content
    assert "<script>bad</script>" not in content


def test_detail_of_an_invisible_or_missing_channel_is_404(client_as):
    assert client_as("bob").get("/channels/mastodon-main/").status_code == 404
    assert client_as("bob").get("/channels/no-such-channel/").status_code == 404


def test_non_managers_see_no_forms(client_as):
    content = client_as("ray").get("/channels/x-news/").content.decode()
    assert 'data-testid="channel-manage"' not in content
    assert 'data-testid="revoke"' not in content
    assert 'data-testid="grant-row"' in content  # but they see who holds what


def test_detail_constant_queries(client_as, demo):
    client = client_as("dana")
    client.get("/channels/mastodon-main/")
    few = queries_of(lambda: client.get("/channels/mastodon-main/"))
    channel = _channel()
    User = type(demo["bob"])
    for i in range(20):
        user = User.objects.create_user(f"agency{i}", password="x")
        actions.grant_permission(channel, actor=None, perm=permissions.DRAFT, user=user)
        group = Group.objects.create(name=f"agency group {i}")
        actions.grant_permission(channel, actor=None, perm=permissions.REVIEW, group=group)
    many = queries_of(lambda: client.get("/channels/mastodon-main/"))
    assert many.result.content.decode().count('data-testid="revoke"') > 40
    assert_same_queries(few, many)


# --- grant and revoke -------------------------------------------------------------------------


def test_manager_grants_and_revokes_a_user_through_the_page(client_as, demo):
    client = client_as("dana")
    channel = _channel()
    response = client.post("/channels/mastodon-main/grant/", {"user": "bob", "perm": permissions.DRAFT})
    assert response.status_code == 302
    assert permissions.can(demo["bob"], permissions.DRAFT, channel)
    event = AuditEvent.objects.filter(action="governance.channel.grant").latest("seq")
    assert event.actor_id == demo["dana"].pk and event.data["user"] == "bob"
    page = client.get("/channels/mastodon-main/").content.decode()
    assert 'data-grantee="bob"' in page

    response = client.post("/channels/mastodon-main/revoke/", {"user": "bob", "perm": permissions.DRAFT})
    assert response.status_code == 302
    permissions.forget(demo["bob"])
    assert not permissions.can(demo["bob"], permissions.DRAFT, channel)
    assert AuditEvent.objects.filter(action="governance.channel.revoke").latest("seq").data["user"] == "bob"


def test_manager_grants_to_a_group(client_as, demo):
    group = Group.objects.get(name="pr reviewers")
    client_as("dana").post("/channels/mastodon-main/grant/", {"group": group.pk, "perm": permissions.REVIEW})
    assert permissions.can(demo["ray"], permissions.REVIEW, _channel())
    assert AuditEvent.objects.filter(action="governance.channel.grant").latest("seq").data["group"] == "pr reviewers"


def test_grant_to_an_unknown_user_is_an_error_message(client_as):
    response = client_as("dana").post(
        "/channels/mastodon-main/grant/", {"user": "nobody", "perm": permissions.DRAFT}, follow=True
    )
    assert "There is no active user “nobody”." in response.content.decode()
    assert not AuditEvent.objects.filter(action="governance.channel.grant").exists()


def test_non_managers_get_403_on_post(client_as, demo):
    # ray reviews x-news but does not manage it
    for path, data in [
        ("/channels/x-news/grant/", {"user": "bob", "perm": permissions.PUBLISH}),
        ("/channels/x-news/revoke/", {"group": Group.objects.get(name="pr authors").pk, "perm": permissions.DRAFT}),
        ("/channels/x-news/transfer/", {"department": "marketing", "confirm": "yes"}),
    ]:
        assert client_as("ray").post(path, data).status_code == 403
    assert not permissions.can(demo["bob"], permissions.PUBLISH, _channel("x-news"))
    assert _channel("x-news").owning_department.slug == "pr"
    # not visible: 404, as for the page
    assert (
        client_as("bob").post("/channels/mastodon-main/grant/", {"user": "bob", "perm": "draft_on_channel"}).status_code
        == 404
    )


def test_get_on_a_change_is_not_allowed(client_as):
    assert client_as("dana").get("/channels/mastodon-main/grant/").status_code == 405


# --- transfer ---------------------------------------------------------------------------------


@pytest.fixture
def dana_manages_pr(demo):
    demo["dana"].groups.add(Department.objects.get(slug="pr").managers_group)
    permissions.forget(demo["dana"])


def test_transfer_needs_confirmation(client_as, demo, dana_manages_pr):
    client = client_as("dana")
    page = client.get("/channels/mastodon-main/").content.decode()
    assert 'value="pr"' in page  # dana manages pr: offered

    first = client.post("/channels/mastodon-main/transfer/", {"department": "pr"})
    assert first.status_code == 200
    assert 'data-testid="transfer-confirm"' in first.content.decode()
    assert _channel().owning_department.slug == "social-center"  # nothing changed yet
    assert not AuditEvent.objects.filter(action="governance.channel.transfer").exists()

    done = client.post(
        "/channels/mastodon-main/transfer/", {"department": "pr", "confirm": "yes", "version": _channel().version}
    )
    assert done.status_code == 302
    assert _channel().owning_department.slug == "pr"
    event = AuditEvent.objects.filter(action="governance.channel.transfer").latest("seq")
    assert event.actor_id == demo["dana"].pk and event.data["after"] == {"owning_department": "pr"}


def test_transfer_with_a_stale_version_changes_nothing(client_as, dana_manages_pr):
    version = _channel().version
    actions.update_channel(_channel(), actor=None, audience="Everyone on the fediverse")
    response = client_as("dana").post(
        "/channels/mastodon-main/transfer/", {"department": "pr", "confirm": "yes", "version": version}, follow=True
    )
    assert "changed while you were deciding" in response.content.decode()
    assert _channel().owning_department.slug == "social-center"


def test_transfer_to_a_department_not_managed_is_403(client_as):
    response = client_as("dana").post(
        "/channels/mastodon-main/transfer/",
        {"department": "marketing", "confirm": "yes", "version": _channel().version},
    )
    assert response.status_code == 403
    assert _channel().owning_department.slug == "social-center"
