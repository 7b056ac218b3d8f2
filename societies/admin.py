"""Admin registrations for the tenant core (the site itself is in admin_site.py). Read-only:
societies, roles and invitations change only through societies.services, which keep a society's
last secretary and write the audit entry."""

from django.contrib import admin

from societies.admin_site import ReadOnlyAdmin, ReadOnlyHistoryAdmin
from societies.models import AuditEntry, Invitation, RoleGrant, Society, StakeholderClass


@admin.register(Society)
class SocietyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "slug", "legal_form", "is_active", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(StakeholderClass)
class StakeholderClassAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "society", "minimum_age", "is_constituency", "tied_to_employment"]
    list_filter = ["society"]


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyHistoryAdmin):
    list_display = ["user", "role", "society", "granted_at"]
    list_filter = ["role", "society"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "role", "society", "created_at", "sent_at", "accepted_at"]
    list_filter = ["society"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "society", "actor_label", "action", "target_label"]
    list_filter = ["society", "action"]
