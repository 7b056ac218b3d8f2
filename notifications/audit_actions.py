"""The audit actions the notifications app writes (registry: societies.audit)."""

from societies.audit import register

register("notifications", prefixes=["notice"], actions={
    "notice.sent": "A notice was sent to members (how many by email, in the inbox, by post)",
    "notice.posted": "Letters of a notice were recorded as posted",
    "notice.service_exported": "The record of service of a notice was exported",
}, exceptions={
    "member.contact_preferences_changed": (
        "A member changed how they are contacted",
        "the prefix is the members app's: written before contact preferences moved to "
        "notifications, and stored entries cannot be renamed"),
})
