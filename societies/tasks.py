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


@shared_task(
    base=SocietyTask,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_invitation(society_id: int, invitation_id: int) -> bool:
    """Email an invitation once: the conditional update claims it, so a rerun sends nothing."""
    from societies.models import Invitation
    from societies.services import invitation_token

    claimed = Invitation.objects.filter(
        society_id=society_id, pk=invitation_id, sent_at__isnull=True
    ).update(sent_at=timezone.now())
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("society", "invited_by").get(pk=invitation_id)
    link = settings.SITE_URL + reverse("accept_invitation", args=[invitation_token(invitation)])
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
    try:
        message.send()
    except OSError:
        # Release the claim so the retry can send it.
        Invitation.objects.filter(pk=invitation_id).update(sent_at=None)
        raise
    return True
