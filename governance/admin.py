"""Admin for departments, channels, grants and posting policies. Every change goes through
governance.actions, so that the admin, the API and the browser behave the same and every change
is audited. Nothing here is deleted but a grant (its deletion is `revoke_permission`) and a
directory entry (`remove_directory_entry`): channels are archived, departments and policies kept
(a policy is deactivated). (The consent registry's
admin is approvals': revoking a consent holds posts.)"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from accounts import roles
from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User
from core.admin import ActionAdmin, ReadOnlyAdmin
from core.errors import DomainError

from . import actions
from .models import (
    Channel,
    ChannelGroupObjectPermission,
    ChannelUserObjectPermission,
    Department,
    DepartmentGroupObjectPermission,
    DepartmentUserObjectPermission,
    DirectoryEntry,
    PostingPolicy,
    PostingPolicyVersion,
)
from .permissions import CHANNEL_PERMISSIONS, DEPARTMENT_PERMISSIONS
from .rules import directory as org_directory


@admin.register(Department)
class DepartmentAdmin(ActionAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    readonly_fields = ["authors_group", "reviewers_group", "managers_group", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def get_exclude(self, request, obj=None):
        return [] if obj else ["authors_group", "reviewers_group", "managers_group"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["fields"] = ["slug", "name", "description"]
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            fields = {name: form.cleaned_data[name] for name in actions.DEPARTMENT_EDITABLE_FIELDS}
            self._run(
                request, actions.update_department, Department.objects.get(pk=obj.pk), actor=request.user, **fields
            )
            return
        created = self._run(
            request,
            actions.create_department,
            actor=request.user,
            slug=obj.slug,
            name=obj.name,
            description=obj.description,
        )
        if created:
            obj.pk = created.pk


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "No"), ("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(archived_at__isnull=self.value() == "no")
        return queryset


@admin.register(Channel)
class ChannelAdmin(ActionAdmin):
    """Channels are archived (`archive_channel`), never deleted: their posts, grants, consents and
    audit events keep pointing at them. An archived channel takes no new post."""

    list_display = ["name", "slug", "platform", "owning_department", "visibility", "is_regulated", "archived_at"]
    list_filter = [ArchivedFilter, "platform", "owning_department", "visibility", "is_regulated"]
    search_fields = ["name", "slug", "handle"]
    list_select_related = ["owning_department"]
    readonly_fields = ["version", "archived_at", "created_at", "updated_at"]
    actions = ["archive", "restore"]

    @admin.action(description="Archive the selected channels (they take no new posts)")
    def archive(self, request, queryset):
        self._set_archived(request, queryset, actions.archive_channel, "archived")

    @admin.action(description="Take the selected channels out of the archive")
    def restore(self, request, queryset):
        self._set_archived(request, queryset, actions.restore_channel, "restored")

    def _set_archived(self, request, queryset, action, done: str) -> None:
        changed = [channel.slug for channel in queryset if self._run(request, action, channel, actor=request.user)]
        if changed:
            self.message_user(request, f"{len(changed)} {done}: {', '.join(changed)}.", level=messages.SUCCESS)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name] for name in actions.CHANNEL_EDITABLE_FIELDS if name in form.cleaned_data
        }
        if not change:
            created = self._run(
                request,
                actions.create_channel,
                actor=request.user,
                slug=obj.slug,
                owning_department=obj.owning_department,
                **fields,
            )
            if created:
                obj.pk = created.pk
            return
        original = Channel.objects.get(pk=obj.pk)
        self._run(request, actions.update_channel, original, actor=request.user, **fields)
        if original.owning_department_id != obj.owning_department_id:
            self._run(
                request, actions.transfer_channel, original, actor=request.user, to_department=obj.owning_department
            )


class GrantForm(forms.ModelForm):
    allowed: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permission"].queryset = Permission.objects.filter(codename__in=self.allowed).select_related(
            "content_type"
        )


class GrantAdmin(ActionAdmin):
    """Grants are added and removed (never edited), each through grant/revoke actions."""

    allowed: tuple[str, ...] = ()
    grantee_field = "user"
    list_select_related = True

    def get_list_display(self, request):
        return [self.grantee_field, "permission", "content_object"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = type("Form", (GrantForm,), {"allowed": self.allowed})
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)  # deleting a grant revokes it

    def save_model(self, request, obj, form, change):
        grantee = {self.grantee_field: getattr(obj, self.grantee_field)}
        self._run(
            request,
            actions.grant_permission,
            obj.content_object,
            actor=request.user,
            perm=obj.permission.codename,
            **grantee,
        )

    def delete_model(self, request, obj):
        grantee = {self.grantee_field: getattr(obj, self.grantee_field)}
        self._run(
            request,
            actions.revoke_permission,
            obj.content_object,
            actor=request.user,
            perm=obj.permission.codename,
            **grantee,
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ChannelUserObjectPermission)
class ChannelUserGrantAdmin(GrantAdmin):
    allowed = CHANNEL_PERMISSIONS
    autocomplete_fields = ["user"]


@admin.register(ChannelGroupObjectPermission)
class ChannelGroupGrantAdmin(GrantAdmin):
    allowed = CHANNEL_PERMISSIONS
    grantee_field = "group"


@admin.register(DepartmentUserObjectPermission)
class DepartmentUserGrantAdmin(GrantAdmin):
    allowed = DEPARTMENT_PERMISSIONS
    autocomplete_fields = ["user"]


@admin.register(DepartmentGroupObjectPermission)
class DepartmentGroupGrantAdmin(GrantAdmin):
    allowed = DEPARTMENT_PERMISSIONS
    grantee_field = "group"


class PostingPolicyForm(forms.ModelForm):
    class Meta:
        model = PostingPolicy
        fields = ["name", "department", "channel", "rules", "is_active"]
        help_texts = {"rules": "A JSON list of rules; see governance/rules/engine.py for the kinds and their fields."}


@admin.register(PostingPolicy)
class PostingPolicyAdmin(ActionAdmin):
    """Policies change only through `save_policy`: validated, versioned, audited. A policy is
    deactivated, never deleted (its versions and the findings made under it refer to it)."""

    form = PostingPolicyForm
    list_display = ["name", "scope", "version", "is_active", "updated_at"]
    list_select_related = ["department", "channel"]
    readonly_fields = ["version", "updated_at"]

    @admin.display(description="Scope")
    def scope(self, policy):
        return policy.scope_label

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "department", "channel"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = self._run(
                request,
                actions.save_policy,
                PostingPolicy.objects.get(pk=obj.pk),
                actor=request.user,
                name=data["name"],
                rules=data["rules"],
                is_active=data["is_active"],
            )
        else:
            saved = self._run(
                request,
                actions.save_policy,
                actor=request.user,
                name=data["name"],
                rules=data["rules"],
                is_active=data["is_active"],
                department=data.get("department"),
                channel=data.get("channel"),
            )
        if saved:
            obj.pk = saved.pk


@admin.register(PostingPolicyVersion)
class PostingPolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "version", "name", "is_active", "created_by", "created_at"]
    list_select_related = ["policy", "created_by"]
    readonly_fields = ["policy", "version", "name", "rules", "is_active", "created_by", "created_at"]


class DirectoryEntryForm(forms.ModelForm):
    class Meta:
        model = DirectoryEntry
        fields = ["kind", "value", "label"]

    def clean(self):
        """What the action would refuse, next to the field (the action checks it again)."""
        data = super().clean()
        kind = data.get("kind") or self.instance.kind
        if kind and data.get("value"):
            try:
                org_directory.normalised(kind, data["value"])
            except ValueError as exc:
                self.add_error("value", str(exc))
        return data


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(ActionAdmin):
    """The organization directory, changed only through its actions (portal admins; audited):
    adding is `add_directory_entry`, changing `update_directory_entry` (its kind is fixed),
    deleting `remove_directory_entry`."""

    form = DirectoryEntryForm
    list_display = ["value", "kind", "label", "normalised", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["value", "normalised", "label"]
    readonly_fields = ["normalised", "version", "created_at", "updated_at"]
    actions = ["remove_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "kind"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)  # deleting an entry removes it

    def get_actions(self, request):
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # Django's bulk delete would skip the action
        return found

    @admin.action(description="Remove the selected entries from the directory")
    def remove_selected(self, request, queryset):
        removed = [entry.value for entry in queryset if self._remove(request, entry)]
        if removed:
            self.message_user(request, f"{len(removed)} removed: {', '.join(removed)}.", level=messages.SUCCESS)

    def _remove(self, request, entry) -> bool:
        try:
            actions.remove_directory_entry(entry, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
            return False
        return True

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            original = DirectoryEntry.objects.get(pk=obj.pk)
            saved = self._run(
                request,
                actions.update_directory_entry,
                original,
                actor=request.user,
                expected_version=None,
                value=data["value"],
                label=data["label"],
            )
        else:
            saved = self._run(
                request,
                actions.add_directory_entry,
                actor=request.user,
                kind=data["kind"],
                value=data["value"],
                label=data["label"],
            )
        if saved:
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        self._remove(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._remove(request, obj)


# --- people: roles and department memberships through their actions -------------------------


class UserAdmin(AccountsUserAdmin, ActionAdmin):
    """Accounts' admin of users, with their roles and department memberships changed through the
    audited actions (`assign_role`, `remove_role`, `add_department_member`,
    `remove_department_member`) rather than written into the groups table directly. The groups
    offered are the roles and the departments' groups; other groups are left as they are."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = _managed_groups().order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        wanted = form.cleaned_data.pop("groups", None)  # not written by the form: see below
        super().save_related(request, form, formsets, change)
        if wanted is None:
            return
        user, wanted = form.instance, set(wanted)
        managed = {group.pk: group for group in _managed_groups()}
        held = {group for group in user.groups.all() if group.pk in managed}
        departments = {
            group.pk: (department, role)
            for department in Department.objects.select_related("authors_group", "reviewers_group", "managers_group")
            for role, group in department.groups_by_role().items()
        }
        for group in sorted(wanted - held, key=lambda g: g.name):
            if group.pk in departments:
                department, role = departments[group.pk]
                self._run(request, actions.add_department_member, department, actor=request.user, user=user, role=role)
            else:
                self._run(request, actions.assign_role, user, actor=request.user, role=group.name)
        for group in sorted(held - wanted, key=lambda g: g.name):
            if group.pk in departments:
                department, role = departments[group.pk]
                self._run(
                    request, actions.remove_department_member, department, actor=request.user, user=user, role=role
                )
            else:
                self._run(request, actions.remove_role, user, actor=request.user, role=group.name)


def _managed_groups():
    """The groups that actions manage: the organization-wide roles and every department's groups."""
    in_departments = Department.objects.values_list("authors_group", "reviewers_group", "managers_group")
    ids = {pk for row in in_departments for pk in row}
    return Group.objects.filter(Q(name__in=roles.ALL_ROLES) | Q(pk__in=ids))


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
