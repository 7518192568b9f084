from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AuditChainHead, AuditCheckpoint, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "occurred_at", "actor_label", "action", "target_type", "target_id", "channel_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target_id", "request_id"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["seq", "hash"]
    readonly_fields = ["seq", "hash"]


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "hash"]
    readonly_fields = ["seq", "hash", "created_at", "signature"]
