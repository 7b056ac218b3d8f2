"""What the societies app tells the apps above it. Each is sent inside the service's
transaction, so a receiver's writes commit or roll back with the change itself."""

from django.dispatch import Signal

# Sent by `invite_to_role` (and `create_society`, which invites the first secretary) once the
# invitation row is written, with `invitation`. notifications writes the invitation's email to
# the outbox (notifications/invitations.py).
invitation_made = Signal()

# Sent by `cancel_invitation` with `invitation`: notifications withdraws its email if it has
# not gone yet.
invitation_cancelled = Signal()
