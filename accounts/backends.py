"""The authentication backend (settings.AUTHENTICATION_BACKENDS): django-allauth's, which signs
people in by email address, with the signed-in user loaded by a written-out query."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.core.exceptions import ValidationError
from django.db import connection

from config.rows import row_reader

_SELECT = {}


class AuthenticationBackend(AllauthBackend):
    """allauth's backend (signing in, permissions) unchanged but for `get_user`, which every
    request of a signed-in person makes: the ORM spent longer building that one-row SELECT
    than the database spent running it. The same row, the same rule (an inactive user is
    signed out), the same instance the ORM would make."""

    def get_user(self, user_id):
        from accounts.models import User

        try:
            pk = User._meta.pk.get_db_prep_value(User._meta.pk.to_python(user_id), connection)
        except (TypeError, ValueError, ValidationError):
            return None
        users = row_reader(User)
        sql = _SELECT.get(connection.vendor)
        if sql is None:
            sql = _SELECT[connection.vendor] = (
                f"SELECT {users.columns('u')} FROM {users.table()} u "  # noqa: S608 (names from the model; the id is a parameter)
                f"WHERE u.{connection.ops.quote_name(User._meta.pk.column)} = %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = users.build(row)
        return user if self.user_can_authenticate(user) else None
