"""Notices pages: a member's inbox and contact preferences; the secretary's notices, record of
service, letter pack and confirmation of posting."""

import csv

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from config import spreadsheet
from notifications import letters, services
from notifications.forms import ConfirmPostedForm, ContactPreferencesForm, SendNoticeForm
from notifications.models import Channel, Status
from notifications.services import NotificationError
from societies.access import get_or_404, requires

PAGE_SIZE = 50
SERVICE_PAGE_SIZE = 100


def _after(request) -> int | None:
    value = request.GET.get("after", "")
    return int(value) if value.isdigit() else None


@requires("notices:view_own")
def inbox(request):
    """The visitor's own notices in this society, by every channel, newest first."""
    found = request.society.messages.filter(recipient__user=request.user).order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        found = found.filter(id__lt=int(before))
    page = list(found[:PAGE_SIZE])
    return render(request, "notifications/inbox.html", {
        "inbox": page,
        "next_before": page[-1].id if len(page) == PAGE_SIZE else None,
    })


@requires("notices:view_own")
def inbox_message(request, public_id):
    message = get_or_404(request.society.messages.filter(recipient__user=request.user),
                         public_id=public_id)
    return render(request, "notifications/inbox_message.html", {"message": message})


@requires("notices:view_own")
def contact_preferences(request):
    member = request.visitor.member
    if member is None:
        raise Http404
    initial = {f: getattr(member, f) for f in services.CONTACT_FIELDS}
    form = ContactPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.update_contact_preferences(
                actor=request.user, member=member, values=form.cleaned_data
            )
        except NotificationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Contact preferences saved." if changes
                             else "Nothing was changed.")
            return redirect("notifications:contact_preferences",
                            society_slug=request.society.slug)
    return render(request, "notifications/contact_preferences.html",
                  {"form": form, "member": member}, status=400 if form.errors else 200)


def _with_counts(notices):
    return notices.annotate(
        total=Count("messages"),
        sent=Count("messages", filter=Q(messages__status=Status.SENT)),
        posted=Count("messages", filter=Q(messages__status=Status.POSTED)),
        pending=Count("messages", filter=Q(messages__status=Status.PENDING)),
        failed=Count("messages", filter=Q(messages__status=Status.FAILED)),
    )


@requires("notices:view_service")
def notices(request):
    found = request.society.notices.order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        found = found.filter(id__lt=int(before))
    page = list(_with_counts(found.select_related("created_by"))[:PAGE_SIZE])
    return render(request, "notifications/notices.html", {
        "notices": page,
        "next_before": page[-1].id if len(page) == PAGE_SIZE else None,
        "can_send": request.visitor.can("notices:send"),
    })


@requires("notices:send")
def notice_new(request):
    society = request.society
    form = SendNoticeForm(request.POST or None, society=society)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.send_notice(
                actor=request.user, society=society, subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"], stakeholder_class=form.cleaned_data["audience"],
            )
        except NotificationError as error:
            form.add_error(None, str(error))
        else:
            counts = services.channel_counts(notice)
            messages.success(request, f"Notice sent: {counts['email']} by email, "
                                      f"{counts['post']} by post.")
            return redirect("notifications:notice_detail", society_slug=society.slug,
                            public_id=notice.public_id)
    return render(request, "notifications/notice_new.html", {"form": form},
                  status=400 if form.errors else 200)


STATUS_FILTERS = {"failed": Status.FAILED, "pending": Status.PENDING, "sent": Status.SENT,
                  "posted": Status.POSTED}


@requires("notices:view_service")
def notice_detail(request, public_id):
    """The record of service of one notice: who was served, how, when, and what failed."""
    notice = get_or_404(_with_counts(request.society.notices.select_related("created_by")),
                        public_id=public_id)
    summary = {(row["channel"], row["status"]): row["n"] for row in
               notice.messages.values("channel", "status").annotate(n=Count("id")).order_by()}
    shown = request.GET.get("status", "")
    rows = notice.messages.select_related("recipient").order_by("id")
    if shown in STATUS_FILTERS:
        rows = rows.filter(status=STATUS_FILTERS[shown])
    after = _after(request)
    if after is not None:
        rows = rows.filter(id__gt=after)
    page = list(rows[:SERVICE_PAGE_SIZE])
    can_send = request.visitor.can("notices:send")
    letters_total = letters.pack_messages(notice).count() if can_send else 0
    waiting_post = summary.get((Channel.POST, Status.PENDING), 0)
    return render(request, "notifications/notice_detail.html", {
        "notice": notice,
        "summary": [
            (channel, [summary.get((channel.value, status.value), 0) for status in Status])
            for channel in Channel
        ],
        "statuses": list(Status),
        "rows": page,
        "shown": shown if shown in STATUS_FILTERS else "",
        "filters": list(STATUS_FILTERS),
        "next_after": page[-1].id if len(page) == SERVICE_PAGE_SIZE else None,
        "can_send": can_send,
        "pack_parts": _pack_parts(letters_total),
        "waiting_post": waiting_post,
        "posted_form": ConfirmPostedForm() if can_send and waiting_post else None,
    })


def _pack_parts(total: int) -> list[tuple[int, int, int]]:
    """(part, first letter, last letter) for each part of a pack of `total` letters."""
    if not total:
        return []
    size = letters.LETTERS_PER_PART
    return [(part, (part - 1) * size + 1, min(part * size, total))
            for part in range(1, letters.part_count(total) + 1)]


class _Echo:
    def write(self, value):
        return value


SERVICE_COLUMNS = ["notice", "member_number", "name", "channel", "served_to", "status",
                   "attempts", "sent_at", "posted_on", "failure_reason", "message_id"]


@requires("notices:view_service")
def notice_export(request, public_id):
    """The record of service as CSV, streamed row by row (a notice may have 100,000 rows)."""
    notice = get_or_404(request.society.notices, public_id=public_id)
    services.record_service_export(actor=request.user, notice=notice)
    rows = (
        notice.messages.order_by("recipient__member_number", "id")
        .values_list("recipient__member_number", "recipient__full_name", "channel", "to_email",
                     "to_address", "status", "attempts", "sent_at", "posted_on", "last_error",
                     "public_id")
        .iterator(chunk_size=2000)
    )

    def lines():
        writer = csv.writer(_Echo())
        yield writer.writerow(SERVICE_COLUMNS)
        for (number, name, channel, email, address, status, attempts, sent_at, posted_on,
             error, message_id) in rows:
            served_to = email if channel == Channel.EMAIL else ", ".join(address.splitlines())
            yield writer.writerow(spreadsheet.row([
                notice.title, number, name, channel, served_to, status, attempts,
                timezone.localtime(sent_at).isoformat(timespec="seconds") if sent_at else "",
                posted_on.isoformat() if posted_on else "", error, message_id,
            ]))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"record-of-service-{notice.created_at:%Y-%m-%d}-{notice.public_id}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires("notices:send")
def letter_pack(request, public_id):
    notice = get_or_404(request.society.notices, public_id=public_id)
    part = request.GET.get("part", "1")
    total = letters.pack_messages(notice).count()
    if not part.isdigit() or not 1 <= int(part) <= letters.part_count(total):
        raise Http404
    pdf = letters.build_pack(notice, int(part))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"letters-{notice.created_at:%Y-%m-%d}-{notice.public_id}-part-{part}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@requires("notices:send")
def confirm_posted(request, public_id):
    notice = get_or_404(request.society.notices, public_id=public_id)
    form = ConfirmPostedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date the letters were posted.")
    else:
        try:
            count = services.confirm_posted(actor=request.user, notice=notice,
                                            posted_on=form.cleaned_data["posted_on"])
        except NotificationError as error:
            messages.error(request, str(error))
        else:
            posted_on = form.cleaned_data["posted_on"]
            messages.success(request, f"{count} letter{'s' if count != 1 else ''} marked as "
                                      f"posted on {posted_on.day} {posted_on:%B %Y}.")
    return redirect("notifications:notice_detail", society_slug=request.society.slug,
                    public_id=notice.public_id)
