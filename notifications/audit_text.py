"""The notifications app's audit entries as sentences (societies.audit_text)."""

from societies.audit_text import describes, label, phrases, plural

phrases({
    "notice.service_exported": "{actor} downloaded the record of who was served ‘{target}’ "
                               "and how",
})


@describes("notice.sent")
def _sent(e):
    channels = ", ".join(plural(e.data[channel], way) for channel, way in
                         (("email", "email"), ("post", "letter")) if e.data.get(channel))
    audience = e.data["audience"]
    return (f"{e.actor} sent the notice ‘{e.data['subject']}’ to "
            f"{audience[:1].lower()}{audience[1:]}" + (f" ({channels})" if channels else ""))


@describes("notice.posted")
def _posted(e):
    return (f"{e.actor} recorded {plural(e.data['letters'], 'letter')} of ‘{e.target}’ as "
            f"posted on {e.date('posted_on')}")


@describes("member.contact_preferences_changed")
def _contact_preferences(e):
    fields = ", ".join(label(field).lower() for field in e.data["changes"])
    return f"{e.actor} changed how {e.name} is contacted: {fields}"
