"""The authentication backend (settings.AUTHENTICATION_BACKENDS): django-allauth's, which signs
people in by email address. Every session records this path, so it stays here: moving it would
sign everyone out."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.core.exceptions import ValidationError


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, the signed-in user loaded by the ORM (a hand-written read saved no
    measurable time once statements were prepared: docs/performance.md, "Hand-written SQL,
    re-measured"). A session whose user id is not an id at all is nobody's."""

    def get_user(self, user_id):
        try:
            return super().get_user(user_id)
        except (TypeError, ValueError, ValidationError):
            return None
