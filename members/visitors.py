"""What the signed-in user is in a society: their roles there and their active membership.

Reads both the role grants (societies) and the register (members), so it lives here, above
societies; `members.middleware.SocietyMiddleware` asks it on every society request."""

from django.db import connection
from django_scopes import scope, scopes_disabled

from config.rows import row_reader
from societies.access import NOBODY, Visitor, first_or_none
from societies.permissions import Role


def visitor_for(user, society, *, member=...) -> Visitor:
    """Roles of `user` in `society`; call inside the society's scope.

    `member` is the user's active membership when the caller has already looked it up
    (None: not a member); left out, it is looked up here.
    """
    from members.models import Member

    if user is None or not user.is_authenticated:
        return NOBODY
    # Runs on every society request: no ordering (RoleGrant's default one joins the users
    # table; a user has at most one active membership), so each is one narrow indexed query.
    roles = set(society.role_grants.filter(user=user).order_by().values_list("role", flat=True))
    if member is ...:
        member = first_or_none(Member.objects.filter(society=society, user=user,
                                                     ceased_on__isnull=True).order_by())
    if member is not None:
        roles.add(Role.MEMBER.value)
    return Visitor(roles=frozenset(roles), member=member, user=user)


def society_and_visitor(slug: str, user):
    """The active society at /s/<slug>/ and what `user` is there: (None, NOBODY) if none.

    Most requests come from plain members, so one query looks up the membership with its
    society and whether the user holds any role there; the roles themselves are read only
    when there are some. Anyone else costs the society query and `visitor_for`.
    """
    from societies.models import Society

    with scopes_disabled():
        if user is not None and user.is_authenticated:
            found = _member_with_society(slug, user.pk)
            if found is not None:
                member, holds_roles = found
                society = member.society
                if holds_roles:
                    with scope(society=society):
                        return society, visitor_for(user, society, member=member)
                return society, Visitor(roles=frozenset({Role.MEMBER.value}), member=member)
        society = first_or_none(Society.objects.filter(slug=slug, is_active=True).order_by())
    if society is None:
        return None, NOBODY
    with scope(society=society):
        return society, visitor_for(user, society, member=None)


_MEMBER_SQL = {}


def _member_with_society(slug: str, user_id):
    """(the user's active membership with its active society set, holds any role there) or
    None: one query, read through `RowReader` (every society request makes it)."""
    from members.models import Member
    from societies.models import RoleGrant, Society

    members, societies = row_reader(Member), row_reader(Society)
    sql = _MEMBER_SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        grants = quote(RoleGrant._meta.db_table)
        sql = _MEMBER_SQL[connection.vendor] = (
            f"SELECT {members.columns('m')}, {societies.columns('s')}, "  # noqa: S608 (names from the models; values are parameters)
            f"EXISTS (SELECT 1 FROM {grants} g WHERE g.{quote('society_id')} = m."
            f"{quote('society_id')} AND g.{quote('user_id')} = %s) "
            f"FROM {members.table()} m INNER JOIN {societies.table()} s "
            f"ON s.{quote('id')} = m.{quote('society_id')} "
            f"WHERE s.{quote('slug')} = %s AND s.{quote('is_active')} = %s "
            f"AND m.{quote('user_id')} = %s AND m.{quote('ceased_on')} IS NULL LIMIT 1")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, slug, True, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(members.fields)
    member = members.build(row[:split])
    member.society = societies.build(row[split:-1])
    return member, bool(row[-1])
