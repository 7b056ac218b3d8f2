"""Link memberships to accounts: a member whose email address an account has verified is that
account's member (docs/members.md, "Signing in")."""

from members.services import link_accounts_for


def link_on_login(sender, request, user, **kwargs):
    link_accounts_for(user)


def link_on_email_confirmed(sender, request, email_address, **kwargs):
    link_accounts_for(email_address.user)
