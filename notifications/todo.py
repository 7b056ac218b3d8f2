"""Letters waiting to be printed and posted (societies.todo)."""

from datetime import timedelta

from django.db.models import Exists, OuterRef

from notifications.models import Channel, Message, Notice, Status
from societies.audit_text import plural
from societies.todo import Todo, link

# Letters of older notices are long posted or abandoned; looking back further costs a scan.
LOOK_BACK = timedelta(days=180)


def letters_to_post(society, visitor, now) -> list[Todo]:
    """Notices with letters still to post: one index probe per recent notice."""
    pending = Message.objects.filter(notice=OuterRef("pk"), channel=Channel.POST,
                                     status=Status.PENDING)
    count = Notice.objects.filter(society=society, created_at__gte=now - LOOK_BACK).filter(
        Exists(pending)).count()
    return [Todo(f"{plural(count, 'notice')} with letters to print and post",
                 link(society, "notifications:notices"), count=count,
                 detail="Print the letter pack from each notice's page, post it, then record "
                        "the day it was posted.")]
