"""The visitor lookup (members/sql.py), written by hand for every society request, keeps to the
society named by the address: the ORM's scoping does not see raw SQL, so it is shown here never
to reach another society's membership or roles, on SQLite and on PostgreSQL."""

from django_scopes import scope

from members import sql
from members.models import Member
from societies.models import RoleGrant
from societies.permissions import Role


def test_a_member_is_found_only_at_their_own_societys_address(world):
    member = world.members["member"]
    found, holds_roles = sql.member_with_society(world.society.slug, member.user.pk)
    assert found.pk == member.pk and found.society.pk == world.society.pk
    assert not holds_roles
    assert sql.member_with_society(world.other.society.slug, member.user.pk) is None


def test_roles_held_elsewhere_do_not_count_here(world):
    member = world.members["member"]
    with scope(society=world.other.society):
        RoleGrant.objects.create(society=world.other.society, user=member.user, role=Role.SECRETARY)
    assert sql.member_with_society(world.society.slug, member.user.pk)[1] is False
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=member.user, role=Role.AUDITOR)
    assert sql.member_with_society(world.society.slug, member.user.pk)[1] is True


def test_the_other_societys_member_is_not_found_at_this_address(world):
    outsider = world.other.members["member"]
    assert sql.member_with_society(world.society.slug, outsider.user.pk) is None
    with scope(society=world.other.society):
        assert Member.objects.filter(user=outsider.user).exists()
