"""Admin of accounts: every change goes through accounts.actions (audited), never into the table.

- Users: their own fields (`update_account`), active or not (`set_account_active`), their
  password (`set_password_by_admin`), a new account (`create_account`); their roles and
  department memberships through governance's actions (governance.admin extends this admin).
  Global model permissions are not granted here (`user_permissions` is shown, read-only).
  Accounts are deactivated, never deleted.
- Training certifications: recorded and corrected through `save_training_certification`.
- Two-factor devices are shown without their secrets (and without django-otp's pages that show
  a device's key) and never changed here; one is removed, for someone who lost their phone,
  through `remove_two_factor_device` (audited). The lockout's records and the groups are
  read-only (`accounts.apps` registers them so, once every admin is discovered).
"""

from contextvars import ContextVar

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin import ActionAdmin, ReadOnlyMixin
from core.errors import DomainError

from . import actions
from .models import TrainingCertification, User

# Who is setting a password in the admin's password view (the view builds the form itself).
_password_setter = ContextVar("password_setter", default=None)


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password form, saved through `set_password_by_admin` (audited)."""

    def clean(self):
        cleaned = super().clean()
        try:
            actions.require_account_admin(_password_setter.get(), self.user, what="set the password")
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None
        return cleaned

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        actions.set_password_by_admin(self.user, actor=_password_setter.get(), new_password=password)
        self.user.refresh_from_db(fields=["password"])
        return self.user


class TrainingCertificationInline(ReadOnlyMixin, admin.TabularInline):
    """Shown on the user's page; recorded and corrected on the certifications' own pages."""

    model = TrainingCertification
    fields = ["course", "completed_at", "expires_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ActionAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Clearpost", {"fields": ("display_name",)}))
    readonly_fields = ["user_permissions", "last_login", "date_joined"]
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active"]
    inlines = [TrainingCertificationInline]
    change_password_form = AuditedPasswordChangeForm
    actions = None  # no bulk deletion; deactivate an account on its page

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in actions.ACCOUNT_FIELDS if name in data}
        if not change:
            password = data.get("password1") if data.get("set_usable_password", True) else None
            fields.pop("username", None)
            created = self._run(
                request,
                actions.create_account,
                actor=request.user,
                username=obj.username,
                password=password or None,
                **fields,
            )
            if created:
                obj.pk = created.pk
            return
        original = User.objects.get(pk=obj.pk)
        self._run(request, actions.update_account, original, actor=request.user, **fields)
        if "is_active" in data and data["is_active"] != original.is_active:
            self._run(request, actions.set_account_active, original, actor=request.user, active=data["is_active"])
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        form.cleaned_data.pop("user_permissions", None)  # read-only here: never written
        super().save_related(request, form, formsets, change)

    def user_change_password(self, request, id, form_url=""):
        setter = _password_setter.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_setter.reset(setter)


@admin.register(TrainingCertification)
class TrainingCertificationAdmin(ActionAdmin):
    """Recorded and corrected through `save_training_certification` (audited); never deleted
    (one recorded in error is corrected, or made to expire)."""

    list_display = ["user", "course", "completed_at", "expires_at"]
    list_filter = ["course"]
    search_fields = ["user__username", "course"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in actions.CERTIFICATION_FIELDS if name in data}
        if change:
            saved = self._run(
                request,
                actions.save_training_certification,
                TrainingCertification.objects.get(pk=obj.pk),
                actor=request.user,
                **fields,
            )
        else:
            saved = self._run(
                request, actions.save_training_certification, None, actor=request.user, user=data["user"], **fields
            )
        if saved:
            obj.pk = saved.pk


class TwoFactorDeviceAdmin(ReadOnlyMixin, ActionAdmin):
    """Who has a second factor, never its secret. Removing a device (someone lost their phone)
    is `remove_two_factor_device`, audited; nothing else changes here."""

    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "name"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed"]

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request, obj):
        self._run(request, actions.remove_two_factor_device, obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            self.delete_model(request, device)


class TOTPDeviceAdmin(TwoFactorDeviceAdmin):
    """Authenticator apps (django-otp's own admin shows the key and its QR code to whoever may
    view devices)."""


class StaticDeviceAdmin(TwoFactorDeviceAdmin):
    """Backup codes (django-otp's own admin lists them)."""


def register_read_only_admins(site=admin.site) -> None:
    """Called by AccountsConfig.ready(), once the admin has discovered every app's admin."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group

    from core.admin import make_read_only

    # Groups are made by `create_department` and the roles; their members change through the
    # role and membership actions, and a group's global permissions would be the admin's own.
    make_read_only(Group, AccessAttempt, AccessLog, AccessFailureLog, site=site)
    for model, model_admin in ((TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)):
        if model in site._registry:
            site.unregister(model)
        site.register(model, model_admin)
