"""Admin for platform operators: read-only, because the outbox is the record of service."""

from django.contrib import admin

from notifications.models import Message, Notice


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "society", "title", "kind", "audience"]
    list_filter = ["society", "kind"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "society", "kind", "channel", "status", "attempts", "sent_at",
                    "posted_on"]
    list_filter = ["status", "channel", "society"]
    raw_id_fields = ["notice", "recipient"]
