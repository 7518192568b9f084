from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import TrainingCertification, User


class TrainingCertificationInline(admin.TabularInline):
    model = TrainingCertification
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Clearpost", {"fields": ("display_name",)}))
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active"]
    inlines = [TrainingCertificationInline]


@admin.register(TrainingCertification)
class TrainingCertificationAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "completed_at", "expires_at"]
    list_filter = ["course"]
    search_fields = ["user__username", "course"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
