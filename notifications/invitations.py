"""An invitation's email. The societies app makes and cancels invitations and tells the
apps above it (societies.signals, inside its transaction); this module writes the email to
the outbox, or withdraws it, in that same transaction (receivers connected in
NotificationsConfig.ready)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.services import email_address, withdraw_email
from societies.services import INVITATION_KIND, invitation_token


def invitation_message(invitation):
    """The invitation's email, written to the outbox in the caller's transaction and sent
    after commit (once: its dedup key names the invitation). Marked sent, and the
    invitation's `sent_at` stamped, only once the mail server has accepted it."""
    link = settings.SITE_URL + reverse("accept_invitation", args=[invitation_token(invitation)])
    context = {"invitation": invitation, "society": invitation.society, "link": link}
    return email_address(
        society=invitation.society, to_email=invitation.email, kind=INVITATION_KIND,
        subject=render_to_string("societies/email/invitation_subject.txt", context).strip(),
        body_text=render_to_string("societies/email/invitation.txt", context),
        body_html=render_to_string("societies/email/invitation.html", context),
        dedup_key=f"{INVITATION_KIND}:{invitation.public_id}",
    )


def write_invitation_email(sender, invitation, **kwargs):
    invitation_message(invitation)


def withdraw_invitation_email(sender, invitation, **kwargs):
    withdraw_email(society=invitation.society,
                   dedup_key=f"{INVITATION_KIND}:{invitation.public_id}",
                   reason="The invitation was cancelled before it was sent.")
