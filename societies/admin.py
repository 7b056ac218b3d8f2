"""Admin registrations for the tenant core (the site itself is in admin_site.py)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from societies.admin_site import ReadOnlyAdmin
from societies.models import AuditEntry, Invitation, RoleGrant, Society, StakeholderClass


@admin.register(Society)
class SocietyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "legal_form", "is_active", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(StakeholderClass)
class StakeholderClassAdmin(SimpleHistoryAdmin):
    list_display = ["name", "society", "minimum_age", "is_constituency"]
    list_filter = ["society"]


@admin.register(RoleGrant)
class RoleGrantAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "society", "granted_at"]
    list_filter = ["role", "society"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "society", "created_at", "sent_at", "accepted_at"]
    list_filter = ["society"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "society", "actor_label", "action", "target_label"]
    list_filter = ["society", "action"]
