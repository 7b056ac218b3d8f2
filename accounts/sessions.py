"""The session store (settings.SESSION_ENGINE = "accounts.sessions"): Django's database
sessions, with the session row read by a written-out query (docs/performance.md)."""

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone


class SessionStore(db.SessionStore):
    """Django's database session store: every request of a signed-in user loads its session,
    and building that one-table SELECT through the ORM cost more CPU than the database spent
    running it. Same row, same rules: the session must exist and not have expired, or the
    request is signed out; saving, signing out (the row deleted) and the session key's
    checks are Django's own."""

    _select = None

    def _get_session_from_db(self):
        if SessionStore._select is None:
            quote = connection.ops.quote_name
            SessionStore._select = (
                f"SELECT {quote('session_data')} FROM {quote(self.model._meta.db_table)} "  # noqa: S608
                f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(SessionStore._select, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
