"""What the signed-in user is in a society: their roles there and their active membership.

Reads both the role grants (societies) and the register (members), so it lives here, above
societies; `members.middleware.SocietyMiddleware` asks it on every society request."""

from django_scopes import scope, scopes_disabled

from members import sql
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
            found = sql.member_with_society(slug, user.pk)
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

