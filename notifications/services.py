"""Notifications: the outbox every other app writes to, and the secretary's notice services.

For other apps — send a member a message from inside your service's transaction:

    from notifications.services import notify

    @transaction.atomic
    def admit_member(*, actor, application):
        member = ...
        notify(society=member.society, member=member, kind="members.welcome",
               context={"admitted_on": member.admitted_on.isoformat()},
               dedup_key=f"members.welcome:{member.public_id}")
        audit.record(...)          # your entry covers the message: notify() writes none

- `notify()` writes one `Message` row in YOUR transaction (it must be called inside one) and
  sends it only after that transaction commits; if it rolls back, nothing is sent.
- The channel is the member's: email when `member.can_be_emailed` (chose email, consented,
  has an address), otherwise a letter to their registered address (the secretary prints it
  from the letter pack). A member with neither gets a message marked failed, with the reason.
- `dedup_key` is unique per society: calling again with the same key returns the message
  already written and sends nothing more. Make it name the event ("<kind>:<object id>").
- Templates for a kind live in templates/notifications/messages/<kind>/: subject.txt,
  body.txt, body.html, and optionally letter.txt (see notifications/rendering.py and
  docs/notifications.md). They get your `context` plus `society`, `member` and `site_url`.
  Rendering happens in notify(), so the message keeps exactly what was served.

For a mailing to many members (a notice of a general meeting, an election), group the
messages in a `Notice` so the record of service is per notice, and stream the members:

    notice = create_notice(society=society, kind="boards.agm_notice", title="Notice of AGM",
                           audience="All members", created_by=actor)
    notify_members(notice=notice, members=society.members.filter(ceased_on__isnull=True),
                   context={...})
"""

import uuid
from itertools import islice

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_scopes import scope

from accounts.acting import user_or_none
from config import bulk
from notifications.models import Channel, ContactChannel, Message, Notice, Status
from notifications.queue import publish_after_commit
from notifications.rendering import Renderer, UnknownKind
from societies import audit

NOTICE_KIND = "notifications.notice"
WRITE_CHUNK = 2000


class NotificationError(Exception):
    """A notice that cannot be sent or recorded as asked; the message says why, for a person."""


def notify(*, society, member, kind: str, context: dict, dedup_key: str, notice=None,
           actor=None) -> Message:
    """Write one message to `member` in the caller's transaction; send it after commit.

    `actor` is accepted so callers can pass it through; the caller's audit entry records it.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notify() must run inside the calling service's transaction")
    if member.society_id != society.pk:
        raise NotificationError(f"{member} is not a member of {society}.")
    if notice is not None and notice.society_id != society.pk:
        raise NotificationError("That notice belongs to another society.")
    with scope(society=society):
        existing = Message.objects.filter(society=society, dedup_key=dedup_key).first()
        if existing is not None:
            return existing
        message = _build_message(_renderer(kind, society, context), member, dedup_key, notice)
        return _save_and_send(society, message)


def email_address(*, society, to_email: str, kind: str, subject: str, body_text: str,
                  body_html: str = "", dedup_key: str) -> Message:
    """Write one email to an address that is not a member's (an invitation, an applicant's
    acknowledgement) in the caller's transaction, and send it after commit.

    The caller renders it; the message keeps what was served. Like notify(), the same
    `dedup_key` returns the message already written and sends nothing more.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("email_address() must run inside the calling service's transaction")
    with scope(society=society):
        existing = Message.objects.filter(society=society, dedup_key=dedup_key).first()
        if existing is not None:
            return existing
        now = timezone.now()
        message = Message(
            society=society, recipient=None, channel=Channel.EMAIL, kind=kind,
            dedup_key=dedup_key[:200], subject=subject[:300], body_text=body_text,
            body_html=body_html, to_email=to_email, created_at=now, next_attempt_at=now,
        )
        return _save_and_send(society, message)


def withdraw_email(*, society, dedup_key: str, reason: str) -> bool:
    """Stop an email written by `email_address` that has not gone yet (the invitation it
    carries was cancelled): it is marked failed with `reason` and no sender takes it. False if
    it had already gone. A sender holding it at that moment finishes first (its row lock)."""
    if not connection.in_atomic_block:
        raise RuntimeError("withdraw_email() must run inside the calling service's transaction")
    with scope(society=society):
        return bool(Message.objects.filter(society=society, dedup_key=dedup_key,
                                           status=Status.PENDING)
                    .update(status=Status.FAILED, last_error=reason[:1000]))


def _save_and_send(society, message: Message) -> Message:
    """Save a new message (or return the one another transaction wrote first under its dedup
    key) and queue its sending after commit. Runs inside the society's scope."""
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Someone else wrote this dedup key first: theirs is the message.
        existing = Message.objects.filter(society=society, dedup_key=message.dedup_key).first()
        if existing is None:
            raise
        return existing
    if message.status == Status.PENDING and message.channel == Channel.EMAIL:
        from notifications.tasks import send_message

        publish_after_commit(send_message, society.pk, message.pk)
    return message


def create_notice(*, society, kind: str, title: str, audience: str = "", created_by=None,
                  about: str = "") -> Notice:
    """A new mailing, in the caller's transaction; add its messages with notify_members().
    `about` names what it is about ("<app>.<model>:<public id>"), for forms printed with it."""
    if not connection.in_atomic_block:
        raise RuntimeError("create_notice() must run inside the calling service's transaction")
    return Notice.objects.create(
        society=society, kind=kind, title=title[:300], audience=audience[:200], about=about,
        created_by=user_or_none(created_by),
    )


def notify_members(*, notice: Notice, members, context: dict) -> int:
    """Write the notice's message to each of `members` (a queryset), streaming in chunks.

    Never holds more than one chunk of members or messages in memory, so a notice to
    100,000 members costs the same memory as one to 2,000. Returns how many were written
    (a member who already has this notice's message is skipped). Sends after commit.
    Call it once per notice per transaction: two transactions adding to the same notice at
    once would collide on the dedup key, and the second would fail rather than duplicate.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notify_members() must run inside the calling service's transaction")
    society = notice.society
    renderer = _renderer(notice.kind, society, context)
    written = 0
    with scope(society=society):
        # Called again for the same notice: members who already have it are skipped.
        have_it = (set(notice.messages.values_list("recipient_id", flat=True))
                   if notice.messages.exists() else set())
        now = timezone.now()
        stream = members.filter(society=society).order_by("pk").iterator(chunk_size=WRITE_CHUNK)
        while chunk := list(islice(stream, WRITE_CHUNK)):
            rows = [
                _message_values(renderer, member,
                                f"notice:{notice.public_id}:{member.public_id}", notice, now)
                for member in chunk if member.pk not in have_it
            ]
            _insert_messages(rows)
            written += len(rows)
    from notifications.tasks import dispatch_notice

    publish_after_commit(dispatch_notice, society.pk, notice.pk)
    return written


@transaction.atomic
def send_notice(*, actor, society, subject: str, body: str, stakeholder_class=None) -> Notice:
    """An ad-hoc notice from the secretary to every active member, or to one class."""
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise NotificationError("A notice needs a subject and some text.")
    members = society.members.filter(ceased_on__isnull=True)
    audience = "All members"
    if stakeholder_class is not None:
        if stakeholder_class.society_id != society.pk:
            raise NotificationError("That stakeholder class belongs to another society.")
        members = members.filter(stakeholder_class=stakeholder_class)
        audience = f"Members in the class {stakeholder_class.name}"
    notice = create_notice(society=society, kind=NOTICE_KIND, title=subject, audience=audience,
                           created_by=actor)
    count = notify_members(notice=notice, members=members,
                           context={"subject": subject, "body": body})
    if count == 0:
        raise NotificationError(f"There is no one to send it to: {audience.lower()} is empty.")
    audit.record(society, actor, "notice.sent", notice,
                 {"subject": subject, "audience": audience, **channel_counts(notice)})
    return notice


@transaction.atomic
def confirm_posted(*, actor, notice: Notice, posted_on) -> int:
    """The letters of `notice` went in the post on `posted_on`: they are served."""
    today = timezone.localdate()
    if posted_on > today:
        raise NotificationError("The posting date cannot be in the future.")
    if posted_on < timezone.localtime(notice.created_at).date():
        raise NotificationError("The letters cannot have been posted before the notice was made.")
    with scope(society=notice.society):
        count = (
            Message.objects.filter(notice=notice, channel=Channel.POST, status=Status.PENDING)
            .update(status=Status.POSTED, posted_on=posted_on)
        )
    if count == 0:
        raise NotificationError("There are no letters waiting to be posted for this notice.")
    audit.record(notice.society, actor, "notice.posted", notice,
                 {"letters": count, "posted_on": posted_on.isoformat()})
    return count


@transaction.atomic
def record_service_export(*, actor, notice: Notice) -> None:
    """Exporting a record of service hands out members' addresses: it is logged."""
    audit.record(notice.society, actor, "notice.service_exported", notice,
                 {"title": notice.title})


CONTACT_FIELDS = ["contact_channel", "email", "email_purpose", "electronic_consent",
                  "large_print"]


@transaction.atomic
def update_contact_preferences(*, actor, member, values: dict) -> dict:
    """How a member wants to be contacted, and their consent to electronic notices."""
    with scope(society=member.society):
        # The register sits above notifications: its row is reached through the society.
        locked = member.society.members.select_for_update(of=("self",)).get(pk=member.pk)
        changes = {f: [getattr(locked, f), values[f]] for f in CONTACT_FIELDS
                   if f in values and getattr(locked, f) != values[f]}
        if not changes:
            return {}
        for field, (_old, new) in changes.items():
            setattr(locked, field, new)
        if locked.contact_channel == ContactChannel.EMAIL:
            if not locked.email:
                raise NotificationError("To be contacted by email, give an email address.")
            if not locked.electronic_consent:
                raise NotificationError(
                    "To be contacted by email, agree to receive notices electronically."
                )
        fields = list(changes)
        if "electronic_consent" in changes:
            locked.electronic_consent_at = timezone.now() if locked.electronic_consent else None
            fields.append("electronic_consent_at")
        locked.save(update_fields=fields)
        # The address itself is personal data: the audit says it changed, not what to.
        logged = {f: ("changed" if f == "email" else new) for f, (_old, new) in changes.items()}
        audit.record(locked.society, actor, "member.contact_preferences_changed", locked,
                     {"changes": logged})
    for field in fields:
        setattr(member, field, getattr(locked, field))
    return changes


def channel_counts(notice: Notice) -> dict:
    """How many of the notice's messages go by each channel: {"email": n, "post": m}."""
    with scope(society=notice.society):
        rows = notice.messages.values("channel").annotate(n=Count("id")).order_by()
        counts = {row["channel"]: row["n"] for row in rows}
    return {channel.value: counts.get(channel.value, 0) for channel in Channel}


def postal_address(member) -> str:
    """The address block for a window envelope: name, address lines, postcode."""
    lines = [member.full_name]
    lines += [line.strip() for line in member.address.splitlines() if line.strip()]
    if member.postcode.strip():
        lines.append(member.postcode.strip().upper())
    return "\n".join(lines)


def _renderer(kind, society, context) -> Renderer:
    try:
        return Renderer(kind, society, context)
    except UnknownKind as error:
        raise NotificationError(str(error)) from None


COPY_COLUMNS = ["society_id", "public_id", "notice_id", "recipient_id", "channel", "kind",
                "dedup_key", "subject", "body_text", "body_html", "to_email", "to_address",
                "status", "attempts", "last_error", "created_at", "next_attempt_at"]


def _message_values(renderer: Renderer, member, dedup_key: str, notice, now) -> dict:
    """The columns of one new message to `member`: channel, address and rendered text."""
    if member.can_be_emailed:
        channel, to_email, to_address, error = Channel.EMAIL, member.email, "", ""
    else:
        channel, to_email = Channel.POST, ""
        to_address = postal_address(member)
        error = "" if (member.address.strip() or member.postcode.strip()) else (
            "No postal address on the register, and the member cannot be emailed."
        )
    subject, text, html = renderer.render(member, channel)
    return {
        "society_id": member.society_id, "public_id": uuid.uuid4(),
        "notice_id": notice.pk if notice is not None else None, "recipient_id": member.pk,
        "channel": channel, "kind": renderer.kind, "dedup_key": dedup_key[:200],
        "subject": subject, "body_text": text, "body_html": html, "to_email": to_email,
        "to_address": to_address, "status": Status.FAILED if error else Status.PENDING,
        "attempts": 0, "last_error": error, "created_at": now, "next_attempt_at": now,
    }


def _build_message(renderer: Renderer, member, dedup_key: str, notice) -> Message:
    message = Message(**_message_values(renderer, member, dedup_key, notice, timezone.now()))
    message.recipient = member
    return message


def _insert_messages(rows: list[dict]) -> None:
    """Insert a chunk of new messages (config.bulk: COPY on PostgreSQL, about twice as fast
    as the ORM)."""
    bulk.insert_rows(Message, COPY_COLUMNS,
                     ([row[column] for column in COPY_COLUMNS] for row in rows))
