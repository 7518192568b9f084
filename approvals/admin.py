"""Admin for the workflow. Posts, revisions, decisions and comments are read-only here:
they change only through the workflow's actions (the API and the pages). Review stages
are edited through `save_review_stage`, which audits every change."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from core.admin import HTTPS_URLS, ActionAdmin, ReadOnlyAdmin
from core.errors import DomainError
from governance import actions as governance_actions
from governance.models import Consent

from . import actions
from .models import (
    Comment,
    HoldingStatement,
    Post,
    RetractionRequest,
    RetrospectiveReview,
    ReviewDecision,
    ReviewStage,
    Revision,
)


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ["number", "title", "body", "content_hash", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "author", "state", "current_stage", "version", "scheduled_at", "updated_at"]
    list_filter = ["state", "channel"]
    list_select_related = ["channel", "author", "current_stage"]
    search_fields = ["id", "author__username", "remote_id"]
    inlines = [RevisionInline]
    show_full_result_count = False


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "post", "number", "content_hash", "created_by", "created_at"]
    list_select_related = ["post", "created_by"]
    show_full_result_count = False


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "post", "stage", "reviewer", "decision", "revision", "decided_at", "voided_at"]
    list_filter = ["decision", "stage"]
    list_select_related = ["post", "stage", "reviewer", "revision"]
    show_full_result_count = False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["id", "post", "author", "created_at"]
    list_select_related = ["post", "author"]
    show_full_result_count = False


@admin.register(ReviewStage)
class ReviewStageAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "position",
        "department",
        "channel",
        "eligible_permission",
        "eligible_group",
        "approvals_required",
        "applies",
        "is_active",
    ]
    list_filter = ["applies", "is_active"]
    list_select_related = ["department", "channel", "eligible_group"]

    def has_delete_permission(self, request, obj=None):
        return False  # decisions refer to stages; deactivate instead

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in actions.STAGE_FIELDS if name in form.cleaned_data}
        try:
            saved = actions.save_review_stage(
                ReviewStage.objects.get(pk=obj.pk) if change else None, actor=request.user, **fields
            )
            obj.pk = saved.pk
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)


@admin.register(HoldingStatement)
class HoldingStatementAdmin(admin.ModelAdmin):
    """Saved through `actions.save_holding_statement`: checked against the posting policy,
    approved by whoever saves it, audited."""

    formfield_overrides = HTTPS_URLS
    list_display = ["name", "channel", "is_active", "version", "approved_by", "approved_at"]
    list_filter = ["is_active", "channel"]
    list_select_related = ["channel", "approved_by"]
    fields = ["channel", "name", "title", "body", "link", "is_active", "version", "approved_by", "approved_at"]
    readonly_fields = ["version", "approved_by", "approved_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "channel"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # issued posts refer to their statement; retire it instead

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in actions.STATEMENT_FIELDS if name in form.cleaned_data}
        try:
            if change:
                current = HoldingStatement.objects.get(pk=obj.pk)
                saved = actions.save_holding_statement(
                    current, actor=request.user, expected_version=current.version, **fields
                )
            else:
                saved = actions.save_holding_statement(
                    None, actor=request.user, channel=form.cleaned_data["channel"], **fields
                )
            obj.pk = saved.pk
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)


@admin.register(RetrospectiveReview)
class RetrospectiveReviewAdmin(ReadOnlyAdmin):
    """Break-glass publications and their retrospective reviews. Read-only: a compliance officer
    completes a review through `complete_retrospective` (the API), which audits it."""

    list_display = ["id", "post", "requested_by", "requested_at", "due_at", "completed_at", "completed_by", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["post", "requested_by", "completed_by"]
    search_fields = ["post__id", "requested_by__username", "reason"]
    date_hierarchy = "requested_at"
    show_full_result_count = False


@admin.register(RetractionRequest)
class RetractionRequestAdmin(ReadOnlyAdmin):
    """Published posts to take down because their consent was revoked. Read-only: revoking the
    consent opens one, retracting the post (`retract`) completes it; both are audited."""

    list_display = ["id", "post", "consent", "requested_at", "done_at", "done_by"]
    list_select_related = ["post", "consent", "done_by"]
    search_fields = ["post__id", "consent__document_reference"]
    show_full_result_count = False


# --- the consent registry (here, not in governance: revoking a consent holds the posts citing it) ---


class ConsentAdminForm(forms.ModelForm):
    # The version the form was loaded at: a consent changed meanwhile is refused (stale), not overwritten.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    revoke_reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Revoke, because",
        help_text="To revoke the consent, say why and save. Unpublished posts citing it are held; "
        "published ones become retraction requests for their channels' managers.",
    )

    class Meta:
        model = Consent
        fields = ["person_name", "channels", "granted_on", "expires_on", "document_reference", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
        else:
            del self.fields["revoke_reason"]


@admin.register(Consent)
class ConsentAdmin(ActionAdmin):
    """The consent registry. Recorded, corrected and revoked through the consent actions (who may:
    compliance officers and managers of every channel a consent covers); a revoked consent is
    read-only. Consents are never deleted: posts cite them."""

    form = ConsentAdminForm
    list_display = ["person_name", "document_reference", "scope", "granted_on", "expires_on", "status", "version"]
    list_filter = ["channels"]
    search_fields = ["person_name", "document_reference"]
    list_select_related = ["recorded_by"]
    readonly_fields = ["recorded_by", "recorded_at", "revoked_at", "revoked_by", "revocation_reason", "version"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("channels")

    @admin.display(description="Channels")
    def scope(self, consent):
        return ", ".join(sorted(channel.slug for channel in consent.channels.all()))

    @admin.display(description="Status")
    def status(self, consent):
        return consent.problem_on(timezone.localdate()) or "Valid"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_revoked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in governance_actions.CONSENT_FIELDS if name in form.cleaned_data
        }
        if not change:
            created = self._run(request, governance_actions.record_consent, actor=request.user, **data)
            if created:
                obj.pk = created.pk
            return
        version = form.cleaned_data.get("seen_version")
        original = Consent.objects.get(pk=obj.pk)
        updated = self._run(
            request, governance_actions.update_consent, original, actor=request.user, expected_version=version, **data
        )
        reason = form.cleaned_data.get("revoke_reason")
        if updated and reason:
            self._run(
                request,
                actions.revoke_consent,
                updated,
                actor=request.user,
                expected_version=updated.version,
                reason=reason,
            )

    def save_related(self, request, form, formsets, change):
        pass  # the consent's channels are saved by its action
