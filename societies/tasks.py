"""Background work for societies, and the task base every society-owned task uses."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from django_scopes import scope


class SocietyTask(DjangoTask):
    """A task whose first argument is a society id; it runs inside that society's scope."""

    def __call__(self, society_id, *args, **kwargs):
        from societies.models import Society

        society = Society.objects.get(pk=society_id)
        with scope(society=society):
            return super().__call__(society_id, *args, **kwargs)


def send_through_outbox(society_id: int, write) -> bool:
    """Write (or find) a message with `write()` and send it now; True if this call sent it.

    For tasks queued before invitations and acknowledgements went through the outbox: the
    message is written with its dedup key, so a run for one already written sends nothing new.
    """
    from notifications.sending import send_messages

    with transaction.atomic():
        message = write()
    if message is None:
        return False
    return send_messages([message.pk])["sent"] == 1


@shared_task(base=SocietyTask)
def send_invitation(society_id: int, invitation_id: int) -> bool:
    """Email an invitation through the outbox (invitations are now written to it when made)."""
    from societies.models import Invitation
    from societies.services import invitation_message

    def write():
        invitation = Invitation.objects.filter(pk=invitation_id, society_id=society_id).first()
        return invitation_message(invitation) if invitation is not None else None

    return send_through_outbox(society_id, write)
