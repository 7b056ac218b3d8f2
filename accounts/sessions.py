"""The session store (settings.SESSION_ENGINE = "accounts.sessions"): Django's database
sessions, with the session row read by accounts/sql.py (docs/performance.md)."""

from django.contrib.sessions.backends import db
from django.utils import timezone

from accounts import sql


class SessionStore(db.SessionStore):
    """Django's database session store: every request of a signed-in person loads its
    session, and the ORM's lookup of that one row cost more than a tenth of a vote's server
    time. Same row, same rules: the session must exist and not have expired, or the request
    is signed out; saving, signing out (the row deleted) and the session key's checks are
    Django's own."""

    def _get_session_from_db(self):
        data = sql.live_session_data(self.session_key, timezone.now())
        if data is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=data)
