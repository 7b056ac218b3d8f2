"""The accounts' hand-written statement (accounts/sql.py): a session key reads its own live
row and nothing else, on SQLite and PostgreSQL (sessions belong to no society)."""

from datetime import timedelta

from django.utils import timezone

from accounts import sql
from accounts.sessions import SessionStore


def _saved(**data) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


def test_a_session_key_reads_its_own_live_row_only(db):
    mine, yours = _saved(who="me"), _saved(who="you")
    now = timezone.now()
    assert SessionStore().decode(sql.live_session_data(mine.session_key, now)) == {"who": "me"}
    assert SessionStore().decode(sql.live_session_data(yours.session_key, now)) == {"who": "you"}
    assert sql.live_session_data(mine.session_key[:-1] + "_", now) is None
    assert sql.live_session_data(mine.session_key, now + timedelta(days=365)) is None
