"""Admin for delivery: jobs are read-only (they change only through delivery); connectors are
configured through `actions.configure_connector` (audited; the credential is write-only) and
never deleted here (remove the credential instead; archive the channel to stop its posts)."""

from django import forms
from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin
from core.errors import DomainError

from . import actions
from .models import ChannelConnector, PublishJob


@admin.register(PublishJob)
class PublishJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "post", "connector", "status", "attempts", "due_at", "remote_id", "last_error"]
    list_filter = ["status", "connector"]
    list_select_related = ["post"]
    search_fields = ["post__id", "remote_id", "idempotency_key"]
    show_full_result_count = False


class ChannelConnectorForm(forms.ModelForm):
    secret = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="The access token or signing key. Leave empty to keep the stored one; it is never shown.",
    )
    remove_secret = forms.BooleanField(required=False, help_text="Remove the stored credential.")

    class Meta:
        model = ChannelConnector
        fields = ["channel", "kind", "settings"]


@admin.register(ChannelConnector)
class ChannelConnectorAdmin(admin.ModelAdmin):
    form = ChannelConnectorForm
    list_display = ["channel", "kind", "version", "updated_at"]
    list_select_related = ["channel"]

    def get_readonly_fields(self, request, obj=None):
        return ["channel"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        secret = "" if data.get("remove_secret") else (data.get("secret") or None)
        try:
            saved = actions.configure_connector(
                obj.channel, actor=request.user, kind=data["kind"], settings=data.get("settings") or {}, secret=secret
            )
            obj.pk = saved.pk
            if saved.secret_cleared:
                self.message_user(
                    request,
                    "The address or kind changed: the stored credential was removed. Enter it again.",
                    level=messages.WARNING,
                )
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
