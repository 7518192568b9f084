"""Issue 14, finding 6: writes through the Django admin bypassed the audit log. Making a user a
compliance officer (or superuser), activating or deactivating a user, setting a password,
renaming a department and deleting a channel (which silently removed its grants and detached it
from a consent) wrote no chained event.

Now every admin write goes through the audited action the pages and the API use, or the admin
is read-only for that model; channels are archived, never deleted.

The mechanism test walks every registered model admin (`admin.site._registry`, third-party
ones included) as a superuser and, wherever it allows a write, makes one: each form posted
back unchanged and with each field changed in turn, each deletion, each bulk action. Any row the
request writes outside the audit tables, the sessions and the admin's own history must come with
a new audit event. Adding is checked by construction (the admin saves through our code), and an
admin page beyond the standard ones must be named here with the test that covers it.
"""

import re
from datetime import timedelta

import pytest
from django import forms
from django.contrib import admin
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import TrainingCertification, User
from audit.models import AuditEvent
from governance.models import Channel, ChannelGroupObjectPermission, ChannelUserObjectPermission, Consent, Department

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "audit", "governance", "approvals", "publishing", "portal", "core")
# The API-token work replaces rest_framework.authtoken and owns its admin; every other admin,
# whoever registers it, is walked.
OWNED_ELSEWHERE = {"authtoken.tokenproxy"}
# Tables a request writes besides the domain's: the audit chain itself, the session (messages)
# and the admin's own history of what it did (LogEntry).
NOT_DOMAIN = {"audit_auditevent", "audit_auditchainhead", "audit_auditcheckpoint", "django_session", "django_admin_log"}
# Admin pages beyond changelist/add/change/delete/history, and the test of this file covering each.
EXTRA_VIEWS = {"auth_user_password_change": "test_setting_a_password_in_the_admin_is_audited"}
STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history")
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class Writes:
    """The tables the statements run under it write (INSERT, UPDATE, DELETE)."""

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        if match := WRITE.match(sql):
            self.tables.add(match.group(1))
        return execute(sql, params, many, context)


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def post_watched(client, url, data):
    """POST `data` to `url`: (response, domain tables written, audit events recorded)."""
    writes, before = Writes(), last_seq()
    with connection.execute_wrapper(writes):
        response = client.post(url, data)
    return response, writes.tables - NOT_DOMAIN, list(AuditEvent.objects.filter(seq__gt=before))


def bound_data(bound) -> dict:
    """One bound field as the browser posts it back unchanged."""
    field, value, name = bound.field, bound.value(), bound.html_name
    if field.disabled:
        return {}
    if isinstance(field, forms.SplitDateTimeField):
        if value is None:
            return {f"{name}_0": "", f"{name}_1": ""}
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return {f"{name}_0": value.strftime("%Y-%m-%d"), f"{name}_1": value.strftime("%H:%M:%S")}
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return {name: [str(v) for v in value or []]}
    if isinstance(field, forms.BooleanField):
        return {name: "on"} if value else {}
    return {} if value is None else {name: str(value)}


def form_as_posted(page) -> dict:
    """An admin change page's form and inlines as the browser would post them back unchanged."""
    data = {}
    for bound in page.context["adminform"].form:
        data.update(bound_data(bound))
    for inline in page.context["inline_admin_formsets"]:
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
        for form in inline.formset.forms:
            for bound in form:
                data.update(bound_data(bound))
    return data


def perturbed(bound, data: dict) -> dict | None:
    """`data` with the field of `bound` changed (a flag flipped, a text or number changed), or
    None for a field this walk does not change (choices, relations, dates, JSON)."""
    field, name = bound.field, bound.html_name
    if field.disabled:
        return None
    if isinstance(field, forms.BooleanField):
        changed = dict(data)
        if name in changed:
            del changed[name]
        else:
            changed[name] = "on"
        return changed
    if isinstance(field, forms.URLField | forms.JSONField | forms.TypedChoiceField | forms.ChoiceField):
        return None
    if isinstance(field, forms.IntegerField):
        value = data.get(name)
        return {**data, name: str(int(value) + 1)} if value not in (None, "") else None
    if isinstance(field, forms.EmailField):
        value = data.get(name) or "someone@example.org"
        return {**data, name: "x" + value}
    if isinstance(field, forms.CharField):
        value = data.get(name) or ""
        new = value + "x"
        if field.max_length and len(new) > field.max_length:
            new = value[:-1] + ("y" if value.endswith("x") else "x")
        return {**data, name: new}
    return None


def our_code(method) -> bool:
    return method.__module__.split(".")[0] in OUR_APPS


def superuser_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.fixture
def rows(demo):
    """A row of every model whose admin may write (plain rows; the demo lacks some)."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from approvals.models import HoldingStatement, ReviewStage
    from governance import actions as governance_actions
    from governance.models import DepartmentUserObjectPermission
    from publishing.models import ChannelConnector

    channel = Channel.objects.get(slug="x-news")
    now = timezone.now()
    if not TrainingCertification.objects.exists():
        TrainingCertification.objects.create(user=demo["alice"], course="hipaa-privacy", completed_at=now)
    if not ReviewStage.objects.exists():
        ReviewStage.objects.create(slug="extra-review", name="Extra review", channel=channel, eligible_permission="")
    if not HoldingStatement.objects.exists():
        HoldingStatement.objects.create(
            channel=channel, name="Outage", body="We are aware.", approved_by=demo["carol"], approved_at=now
        )
    if not ChannelUserObjectPermission.objects.exists():
        governance_actions.grant_permission(channel, actor=None, perm="draft_on_channel", user=demo["bob"])
    if not DepartmentUserObjectPermission.objects.exists():
        department = Department.objects.get(slug="marketing")
        governance_actions.grant_permission(department, actor=None, perm="manage_department", user=demo["bob"])
    TOTPDevice.objects.create(user=demo["alice"], name="phone", confirmed=True)
    StaticDevice.objects.create(user=demo["alice"], name="backup", confirmed=True)
    if not ChannelConnector.objects.filter(channel=channel).exists():
        ChannelConnector.objects.create(
            channel=channel, kind="webhook", settings={"url": "https://hooks.example.org/x"}
        )
    return demo


def test_no_admin_writes_without_an_audit_event(client, rows):
    actor = rows["admin"]
    assert actor.is_superuser
    client.force_login(actor)
    request = superuser_request(actor)
    problems: dict[str, list[str]] = {}
    walked = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if opts.label_lower in OWNED_ELSEWHERE:
            continue
        walked.append(opts.label_lower)
        found = problems.setdefault(opts.label, [])

        def check(what, response, tables, events, found=found):
            if tables and not events:
                found.append(f"{what}: wrote {sorted(tables)} with no audit event (HTTP {response.status_code})")

        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            standard = {f"{opts.app_label}_{opts.model_name}_{view}" for view in STANDARD_VIEWS}
            if name and name not in standard and name not in EXTRA_VIEWS:
                found.append(f"admin page {name} is not covered by a test of this file")

        may_add = model_admin.has_add_permission(request)
        if may_add and not our_code(model_admin.save_model):
            found.append("adds rows with the admin's own save_model, not an action")

        queryset = model_admin.get_queryset(request)
        if model is User:
            queryset = queryset.exclude(pk=actor.pk)
        obj = queryset.order_by("pk").first()
        may_change = model_admin.has_change_permission(request, obj)
        may_delete = model_admin.has_delete_permission(request, obj)
        bulk = [name for name in model_admin.get_actions(request)]
        if obj is None:
            if may_change or may_delete or bulk:
                found.append("writable, but the walk has no row to try it on: add one to the `rows` fixture")
            continue
        base = f"admin:{opts.app_label}_{opts.model_name}"

        if may_change:
            for inline in model_admin.get_inline_instances(request, obj):
                if inline.has_add_permission(request, obj) or inline.has_delete_permission(request, obj):
                    found.append(f"inline {type(inline).__name__} adds or deletes rows of its own")
            url = reverse(f"{base}_change", args=[obj.pk])
            page = client.get(url)
            assert page.status_code == 200, (opts.label, page.status_code)
            data = form_as_posted(page)
            response, tables, events = post_watched(client, url, data)
            if response.status_code != 302:
                found.append(f"its change form could not be posted back unchanged (HTTP {response.status_code})")
            check("posting the change form back unchanged", response, tables, events)
            for bound in page.context["adminform"].form:
                changed = perturbed(bound, data)
                if changed is None:
                    continue
                page = client.get(url)
                if page.status_code != 200:
                    break  # e.g. the change made the row read-only (a revoked consent)
                data = form_as_posted(page)
                response, tables, events = post_watched(client, url, perturbed(bound, data))
                check(f"changing {bound.name!r}", response, tables, events)

        for name in bulk:
            url = reverse(f"{base}_changelist")
            response, tables, events = post_watched(
                client, url, {"action": name, "_selected_action": [str(obj.pk)], "index": "0", "post": "yes"}
            )
            check(f"the bulk action {name!r}", response, tables, events)

        obj = queryset.filter(pk=obj.pk).first()
        if obj is not None and model_admin.has_delete_permission(request, obj):
            response, tables, events = post_watched(client, reverse(f"{base}_delete", args=[obj.pk]), {"post": "yes"})
            check("deleting a row", response, tables, events)

    assert {"accounts.user", "governance.channel", "governance.department", "auth.group", "axes.accessattempt"} <= set(
        walked
    )
    problems = {label: found for label, found in problems.items() if found}
    assert not problems, "\n".join(f"{label}: {found}" for label, found in problems.items())


def test_no_admin_deletes_channels_departments_users_policies_or_consents(demo):
    request = superuser_request(demo["admin"])
    for label in [
        "governance.channel",
        "governance.department",
        "accounts.user",
        "governance.postingpolicy",
        "governance.consent",
        "publishing.channelconnector",
        "accounts.trainingcertification",
        "auth.group",
    ]:
        model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)
        assert not model_admin.has_delete_permission(request), label
        assert "delete_selected" not in model_admin.get_actions(request), label


# --- the five cases of the finding ----------------------------------------------------------


@pytest.fixture
def admin_client(demo):
    client = Client()
    client.force_login(demo["admin"])
    return client


def change_user(client, user, **changes):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_as_posted(client.get(url))
    for name, value in changes.items():
        if isinstance(value, bool):
            data.pop(name, None)
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return post_watched(client, url, data)


def test_making_a_user_a_compliance_officer_in_the_admin_is_audited(admin_client, demo):
    """Both ways the user admin makes someone a compliance officer: the role, and superuser
    status (which holds every role's powers)."""
    from django.contrib.auth.models import Group

    alice = demo["alice"]
    officer = Group.objects.get(name=roles.COMPLIANCE_OFFICER)
    page = admin_client.get(reverse("admin:accounts_user_change", args=[alice.pk]))
    groups = form_as_posted(page)["groups"]
    response, _, events = change_user(admin_client, alice, groups=[*groups, str(officer.pk)])
    assert response.status_code == 302
    assert roles.is_compliance_officer(User.objects.get(pk=alice.pk))
    assert [(e.action, e.data, e.actor_id) for e in events] == [
        ("accounts.role.assign", {"role": roles.COMPLIANCE_OFFICER}, demo["admin"].pk)
    ]

    bob = demo["bob"]
    response, _, events = change_user(admin_client, bob, is_superuser=True, is_staff=True)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.is_superuser and roles.is_compliance_officer(bob)
    (event,) = events
    assert (event.action, event.target_id, event.actor_id) == ("accounts.user.update", str(bob.pk), demo["admin"].pk)
    assert event.data == {
        "before": {"is_staff": False, "is_superuser": False},
        "after": {"is_staff": True, "is_superuser": True},
    }


def test_global_permissions_are_not_granted_in_the_user_admin(admin_client, demo):
    """`user_permissions` would be an unaudited way into the admin itself: shown, never written."""
    from django.contrib.auth.models import Permission

    alice = demo["alice"]
    perm = Permission.objects.get(codename="change_user")
    response, tables, _ = change_user(admin_client, alice, user_permissions=[str(perm.pk)])
    assert response.status_code == 302
    assert not alice.user_permissions.exists()
    assert "accounts_user_user_permissions" not in tables


def test_deactivating_and_activating_a_user_in_the_admin_is_audited(admin_client, demo):
    alice = demo["alice"]
    response, _, events = change_user(admin_client, alice, is_active=False)
    assert response.status_code == 302
    assert not User.objects.get(pk=alice.pk).is_active
    assert [(e.action, e.target_id, e.actor_id) for e in events] == [
        ("accounts.user.deactivate", str(alice.pk), demo["admin"].pk)
    ]
    response, _, events = change_user(admin_client, alice, is_active=True)
    assert User.objects.get(pk=alice.pk).is_active
    assert [e.action for e in events] == ["accounts.user.activate"]


def test_an_administrator_does_not_deactivate_or_promote_themselves_in_the_admin(admin_client, demo):
    me = demo["admin"]
    response, tables, events = change_user(admin_client, me, is_active=False, is_superuser=False)
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.is_active and me.is_superuser
    assert events == [] and "accounts_user" not in tables


def test_setting_a_password_in_the_admin_is_audited(admin_client, demo):
    alice = demo["alice"]
    old_hash = alice.password
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    new = "a long and new passphrase 42"
    response, _, events = post_watched(
        admin_client, url, {"password1": new, "password2": new, "usable_password": "true", "set-password": "1"}
    )
    assert response.status_code == 302, response.content[:2000]
    alice.refresh_from_db()
    assert alice.password != old_hash and alice.check_password(new)
    (event,) = [e for e in events if e.action.startswith("accounts.password")]
    assert (event.action, event.target_id, event.actor_id, event.data) == (
        "accounts.password.set_by_admin",
        str(alice.pk),
        demo["admin"].pk,
        {"usable": True},
    )
    assert new not in str(event.data) and alice.password not in str(event.data)


def test_an_administrator_sets_their_own_password_on_the_password_page_not_in_the_admin(admin_client, demo):
    me = demo["admin"]
    old_hash = me.password
    url = reverse("admin:auth_user_password_change", args=[me.pk])
    new = "a long and new passphrase 42"
    response, tables, events = post_watched(
        admin_client, url, {"password1": new, "password2": new, "usable_password": "true"}
    )
    assert response.status_code == 200  # the form, with the refusal
    me.refresh_from_db()
    assert me.password == old_hash and events == []


def test_renaming_a_department_in_the_admin_is_audited(admin_client, demo):
    marketing = Department.objects.get(slug="marketing")
    url = reverse("admin:governance_department_change", args=[marketing.pk])
    data = form_as_posted(admin_client.get(url))
    response, _, events = post_watched(admin_client, url, {**data, "name": "Marketing & Brand"})
    assert response.status_code == 302
    marketing.refresh_from_db()
    assert marketing.name == "Marketing & Brand"
    (event,) = events
    assert (event.action, event.target_id, event.actor_id, event.data) == (
        "governance.department.update",
        str(marketing.pk),
        demo["admin"].pk,
        {"before": {"name": "Marketing"}, "after": {"name": "Marketing & Brand"}},
    )


def test_a_channel_is_archived_never_deleted_in_the_admin(admin_client, demo):
    """Deleting a channel removed its grants and detached it from its consents, and its audit
    events no longer filtered by channel. Now it cannot be deleted; it is archived (audited),
    keeps all of that, and takes no new post."""
    from approvals import actions as approval_actions
    from core.errors import ValidationFailed

    channel = Channel.objects.filter(consents__isnull=False).distinct().order_by("pk").first()
    assert channel is not None
    grants = ChannelUserObjectPermission.objects.filter(content_object=channel).count()
    grants += ChannelGroupObjectPermission.objects.filter(content_object=channel).count()
    consents = set(Consent.objects.filter(channels=channel).values_list("pk", flat=True))
    events_of_channel = AuditEvent.objects.filter(channel_id=channel.pk).count()
    assert grants and consents

    delete_url = reverse("admin:governance_channel_delete", args=[channel.pk])
    assert admin_client.get(delete_url).status_code == 403
    response, tables, _ = post_watched(admin_client, delete_url, {"post": "yes"})
    assert response.status_code == 403 and not tables
    response, tables, _ = post_watched(
        admin_client,
        reverse("admin:governance_channel_changelist"),
        {"action": "delete_selected", "_selected_action": [str(channel.pk)], "post": "yes"},
    )
    assert Channel.objects.filter(pk=channel.pk).exists() and "governance_channel" not in tables

    response, _, events = post_watched(
        admin_client,
        reverse("admin:governance_channel_changelist"),
        {"action": "archive", "_selected_action": [str(channel.pk)], "index": "0"},
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.is_archived
    (event,) = events
    assert (event.action, event.channel_id, event.actor_id) == (
        "governance.channel.archive",
        channel.pk,
        demo["admin"].pk,
    )
    now_grants = ChannelUserObjectPermission.objects.filter(content_object=channel).count()
    now_grants += ChannelGroupObjectPermission.objects.filter(content_object=channel).count()
    assert now_grants == grants
    assert set(Consent.objects.filter(channels=channel).values_list("pk", flat=True)) == consents
    assert AuditEvent.objects.filter(channel_id=channel.pk).count() == events_of_channel + 1

    with pytest.raises(ValidationFailed):
        approval_actions.create_post(actor=demo["admin"], channel=channel, body="Still here?")

    response, _, events = post_watched(
        admin_client,
        reverse("admin:governance_channel_changelist"),
        {"action": "restore", "_selected_action": [str(channel.pk)], "index": "0"},
    )
    channel.refresh_from_db()
    assert not channel.is_archived and [e.action for e in events] == ["governance.channel.restore"]
    approval_actions.create_post(actor=demo["admin"], channel=channel, body="Back.")


def test_training_certifications_are_recorded_through_their_action_in_the_admin(admin_client, demo):
    alice = demo["alice"]
    completed = timezone.localtime() - timedelta(days=1)
    response, _, events = post_watched(
        admin_client,
        reverse("admin:accounts_trainingcertification_add"),
        {
            "user": str(alice.pk),
            "course": "hipaa-privacy",
            "completed_at_0": completed.strftime("%Y-%m-%d"),
            "completed_at_1": completed.strftime("%H:%M:%S"),
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert TrainingCertification.objects.filter(user=alice, course="hipaa-privacy").exists()
    (event,) = events
    assert (event.action, event.actor_id, event.data["user"]) == (
        "accounts.certification.record",
        demo["admin"].pk,
        "alice",
    )


def test_the_admin_never_shows_a_two_factor_secret(admin_client, demo):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=demo["alice"], name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=demo["alice"], name="backup", confirmed=True)
    StaticToken.objects.create(device=static, token="backup42")
    for url in [
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_static_staticdevice_change", args=[static.pk]),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert device.key not in response.content.decode() and "backup42" not in response.content.decode(), url
    admin_client.raise_request_exception = False
    assert admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code in (302, 404)


def test_removing_someones_two_factor_device_in_the_admin_is_audited(admin_client, demo):
    """The way back for someone who lost their phone: an administrator removes the device (and
    they enrol again at their next sign-in). Audited, with the device's id and never its key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=demo["rachel"], name="phone", confirmed=True)
    response, _, events = post_watched(
        admin_client, reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    (event,) = events
    assert (event.action, event.target_id, event.actor_id, event.data) == (
        "accounts.otp.device_removed",
        str(demo["rachel"].pk),
        demo["admin"].pk,
        {"device": device.persistent_id},
    )
    assert device.key not in str(event.data)

    mine = TOTPDevice.objects.create(user=demo["admin"], name="phone", confirmed=True)
    response, _, events = post_watched(
        admin_client, reverse("admin:otp_totp_totpdevice_delete", args=[mine.pk]), {"post": "yes"}
    )
    assert TOTPDevice.objects.filter(pk=mine.pk).exists() and events == []


def test_the_composer_does_not_offer_an_archived_channel(client, demo):
    from governance.actions import archive_channel

    client.force_login(demo["alice"])
    assert 'value="patient-stories"' in client.get("/posts/new/").content.decode()
    archive_channel(Channel.objects.get(slug="patient-stories"), actor=demo["admin"])
    assert 'value="patient-stories"' not in client.get("/posts/new/").content.decode()
