"""Link memberships to accounts: a member whose email address an account has verified is that
account's member (docs/members.md, "Signing in")."""

from django.dispatch import Signal

from members.services import link_accounts_for

# Sent by `cease_member` inside its transaction, with `member`, `ceased_on`, `reason` and
# `actor`. A receiver changes its own records in that transaction and returns a small dict of
# what it did, which goes into the cessation's audit entry (boards ends board terms).
member_ceased = Signal()

# Sent by `admit_application` and `decline_application` inside their transaction, with
# `application`, `member` (the new member, or None), `outcome` ("admitted", "referred" or
# "declined"), `decided_on`, `decision_reference`, `by_members_vote` and `actor`. Receivers
# return a small dict for the decision's audit entry (boards enters it in the decision register).
application_decided = Signal()


def link_on_login(sender, request, user, **kwargs):
    link_accounts_for(user)


def link_on_email_confirmed(sender, request, email_address, **kwargs):
    link_accounts_for(email_address.user)
