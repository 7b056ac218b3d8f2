"""Background work for societies, and the task base every society-owned task uses."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope


class SocietyTask(DjangoTask):
    """A task whose first argument is a society id; it runs inside that society's scope."""

    def __call__(self, society_id, *args, **kwargs):
        from societies.models import Society

        society = Society.objects.get(pk=society_id)
        with scope(society=society):
            return super().__call__(society_id, *args, **kwargs)


def send_once(rows, stamp_field: str, build) -> bool:
    """Send the email `build()` makes at most once for the row in `rows`.

    A conditional UPDATE stamps `stamp_field` to claim it, so a redelivered task sends
    nothing; if sending fails the stamp is cleared again so the retry can send.
    """
    claimed = rows.filter(**{f"{stamp_field}__isnull": True}).update(
        **{stamp_field: timezone.now()}
    )
    if not claimed:
        return False
    try:
        build().send()
    except OSError:
        rows.update(**{stamp_field: None})
        raise
    return True


@shared_task(
    base=SocietyTask,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_invitation(society_id: int, invitation_id: int) -> bool:
    """Email an invitation once (see send_once)."""
    from societies.models import Invitation
    from societies.services import invitation_token

    rows = Invitation.objects.filter(society_id=society_id, pk=invitation_id)

    def build():
        invitation = rows.select_related("society", "invited_by").get()
        link = settings.SITE_URL + reverse("accept_invitation",
                                           args=[invitation_token(invitation)])
        context = {"invitation": invitation, "society": invitation.society, "link": link}
        subject = render_to_string("societies/email/invitation_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("societies/email/invitation.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(
            render_to_string("societies/email/invitation.html", context), "text/html"
        )
        return message

    return send_once(rows, "sent_at", build)
