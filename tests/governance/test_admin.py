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


def _form_as_posted(page) -> dict:
    """An admin change page's form as the browser would post it back unchanged (the fields'
    initial values, split date-times split, and the inlines' management forms)."""
    from django import forms

    data = {}
    for bound in page.context["adminform"].form:
        value = bound.value()
        if isinstance(bound.field, forms.SplitDateTimeField):
            data[f"{bound.html_name}_0"], data[f"{bound.html_name}_1"] = (
                ("", "") if value is None else (value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S"))
            )
        elif isinstance(bound.field, forms.ModelMultipleChoiceField):
            data[bound.html_name] = [str(pk) for pk in value or []]
        elif isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif value is not None and not bound.field.disabled:
            data[bound.html_name] = value
    for inline in page.context["inline_admin_formsets"]:
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
    return data


def test_roles_and_memberships_change_through_their_actions_in_the_user_admin(client, demo):
    """The groups box of a user is not written into the table directly: each role or department
    group added or taken away is the audited action that does it."""
    from django.contrib.auth.models import Group

    from accounts import roles

    client.force_login(demo["admin"])
    alice = demo["alice"]
    marketing = Department.objects.get(slug="marketing")
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    data = _form_as_posted(client.get(url))
    assert str(marketing.authors_group_id) in data["groups"]
    reviewer = Group.objects.get(name=roles.REVIEWER)
    data["groups"] = [pk for pk in data["groups"] if pk != str(marketing.authors_group_id)] + [str(reviewer.pk)]
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    alice.refresh_from_db()
    assert set(alice.groups.values_list("pk", flat=True)) == {int(pk) for pk in data["groups"]}
    recorded = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq").values_list("action", "data"))
    assert ("accounts.role.assign", {"role": roles.REVIEWER}) in recorded
    assert any(a == "governance.department.remove_member" and d["role"] == "authors" for a, d in recorded)
    # The form offers only the groups actions manage.
    offered = client.get(url).context["adminform"].form.fields["groups"].queryset
    assert set(offered.values_list("name", flat=True)) >= {roles.REVIEWER, marketing.authors_group.name}
    assert not Group.objects.exclude(pk__in=offered.values("pk")).filter(name__in=roles.ALL_ROLES).exists()
