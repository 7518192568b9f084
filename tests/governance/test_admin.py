import pytest
from django.contrib import admin
from django.urls import reverse

from audit.models import AuditEvent
from governance.models import Channel, Department
from governance.permissions import REVIEW, can

pytestmark = pytest.mark.django_db


def test_every_model_has_a_working_admin(client, demo):
    client.force_login(demo["admin"])
    for model in admin.site._registry:
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label


def test_audit_log_is_read_only_in_the_admin(client, demo):
    client.force_login(demo["admin"])
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    seq = AuditEvent.objects.first().seq
    assert client.post(reverse("admin:audit_auditevent_delete", args=[seq]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(seq=seq).exists()


def test_admin_edits_go_through_audited_actions(client, demo):
    client.force_login(demo["admin"])
    channel = Channel.objects.get(slug="x-news")
    social = Department.objects.get(slug="social-center")
    form = {
        "name": "St. Mary's Newsroom on X",
        "platform": "x",
        "handle": channel.handle,
        "url": channel.url,
        "visibility": "public",
        "audience": channel.audience,
        "voice_guidelines": channel.voice_guidelines,
        "owning_department": social.pk,
    }
    response = client.post(reverse("admin:governance_channel_change", args=[channel.pk]), form)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "St. Mary's Newsroom on X" and channel.owning_department == social
    actions = list(AuditEvent.objects.filter(channel_id=channel.pk).values_list("action", flat=True)[:2])
    assert actions == ["governance.channel.transfer", "governance.channel.update"]
    assert can(type(demo["dana"]).objects.get(username="dana"), REVIEW, channel)
    assert not can(type(demo["ray"]).objects.get(username="ray"), REVIEW, channel)
