"""The accounts' statement still written by hand: reading the session row, which every request
of a signed-in person makes. With prepared statements on, Django's ORM lookup still cost about
an eighth of a vote's server time more (docs/performance.md, "Hand-written SQL, re-measured");
loading the user did not, and is the ORM's. The convention is config/rows.py's."""

from django.contrib.sessions.models import Session
from django.db import connection

from config.rows import Statement

SESSION_DATA = Statement(
    "SELECT {s.session_data} FROM {s} WHERE {s.session_key} = %s AND {s.expire_date} > %s",
    s=Session, no_society="a session belongs to a person, not to a society")


def live_session_data(session_key: str, now) -> str | None:
    """The encoded data of the session `session_key` if it exists and has not expired at
    `now`, else None."""
    row = SESSION_DATA.fetchone([session_key, connection.ops.adapt_datetimefield_value(now)])
    return None if row is None else row[0]
