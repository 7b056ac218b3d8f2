"""Admin for platform operators: read-only, because the outbox is the record of service."""

from django.contrib import admin

from notifications.models import Message, Notice
from societies.admin_site import ReadOnlyAdmin


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
