"""The members' statement still written by hand: the visitor's active membership with its
active society, and whether they hold any role there, which every society request makes. The
ORM's version cost about a third of a vote's server time more, with prepared statements on
(docs/performance.md, "Hand-written SQL, re-measured"). The convention is config/rows.py's."""

from config.rows import Statement, row_reader
from members.models import Member
from societies.models import RoleGrant, Society

MEMBER_WITH_SOCIETY = Statement(
    "SELECT {m.every_column}, {s.every_column},"
    " EXISTS (SELECT 1 FROM {g} g WHERE {g.society} = {m.society} AND {g.user} = %s)"
    " FROM {m} m INNER JOIN {s} s ON {s.pk} = {m.society}"
    " WHERE {s.slug} = %s AND {s.is_active} = %s AND {m.user} = %s AND {m.ceased_on} IS NULL"
    " LIMIT 1",
    m=(Member, "m"), s=(Society, "s"), g=(RoleGrant, "g"))


def member_with_society(slug: str, user_id):
    """(the user's active membership with its active society set, holds any role there) or
    None: one query. Scoped by the society's slug; its caller runs it under scopes_disabled."""
    row = MEMBER_WITH_SOCIETY.fetchone([user_id, slug, True, user_id])
    if row is None:
        return None
    members, societies = row_reader(Member), row_reader(Society)
    split = len(members.fields)
    member = members.build(row[:split])
    member.society = societies.build(row[split:-1])
    return member, bool(row[-1])
