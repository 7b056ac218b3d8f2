"""Federations: a secondary society whose members are other societies. A member society on the
platform is linked to its organisation membership by the federation's secretary and confirms it
on its own pages; its secretary then appoints its representative and reads the federation's
notices to it (docs/members.md, "Federations"). Each change is written in the federation's own
records, where the membership is."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.acting import user_or_none
from members.models import Member, MemberKind
from members.services.common import MemberError, locked_member
from members.services.membership import replace_representative
from societies import audit
from societies.models import Society


@transaction.atomic
def link_member_society(*, actor, member: Member, society_slug: str) -> Member:
    """The federation's secretary says which society on the platform an organisation member
    is (by its web address); that society's secretary must confirm before anything follows."""
    locked = locked_member(member)
    if locked.kind != MemberKind.ORGANISATION or not locked.is_active:
        raise MemberError("Only a current organisation member can be linked to a society.")
    with scopes_disabled():
        other = Society.objects.filter(slug=society_slug.strip().lower()).first()
    if other is None or other.pk == locked.society_id:
        raise MemberError(f"No other society here has the web address /s/{society_slug}/.")
    locked.member_society, locked.member_society_confirmed_at = other, None
    try:
        with transaction.atomic():
            locked.save(update_fields=["member_society", "member_society_confirmed_at"])
    except IntegrityError as error:
        raise MemberError(f"{other.name} is already a current member of this society.") from error
    audit.record(locked.society, actor, "member.society_linked", locked,
                 {"member_number": locked.member_number, "society": other.slug})
    return locked


def memberships_of(member_society: Society) -> list[Member]:
    """`member_society`'s current memberships of federations on the platform, confirmed or
    waiting for its confirmation, each with its federation (`society`)."""
    with scopes_disabled():
        return list(Member.objects.filter(member_society=member_society,
                                          ceased_on__isnull=True)
                    .select_related("society").order_by("society__name"))


def membership_of(member_society: Society, public_id) -> Member | None:
    return next((m for m in memberships_of(member_society) if str(m.public_id) == str(public_id)),
                None)


@transaction.atomic
def confirm_federation_membership(*, actor, member_society: Society, membership: Member):
    """The member society's secretary confirms that it is the federation's member."""
    if membership.member_society_id != member_society.pk:
        raise MemberError("That membership is not this society's.")
    with scope(society=membership.society):
        locked = locked_member(membership)
        if locked.member_society_confirmed_at is None:
            locked.member_society_confirmed_at = timezone.now()
            locked.save(update_fields=["member_society_confirmed_at"])
            audit.record(locked.society, actor, "member.society_confirmed", locked,
                         {"member_number": locked.member_number, "society": member_society.slug,
                          "confirmed_by": getattr(user_or_none(actor), "email", "")})
    return locked


def appoint_federation_representative(*, actor, member_society: Society, membership: Member,
                                      name: str, email: str | None):
    """The member society's secretary appoints its representative to the federation: the
    federation's record of the change names the secretary as the letter's signatory."""
    if membership.member_society_id != member_society.pk:
        raise MemberError("That membership is not this society's.")
    if membership.member_society_confirmed_at is None:
        raise MemberError("Confirm the membership first.")
    signed = user_or_none(actor)
    signatory = (f"{signed.get_full_name() if signed else 'The secretary'}, secretary of "
                 f"{member_society.name}")
    today = timezone.localdate()
    with scope(society=membership.society):
        return replace_representative(actor=actor, member=membership, new_name=name,
                                      effective_on=today, letter_dated=today,
                                      letter_from=signatory, email=email)


def _messages_to(membership: Member):
    from notifications.models import Message

    return Message.objects.filter(society=membership.society, recipient=membership)


def notices_to(membership: Member):
    """What the federation sent to this member society (the messages to its membership),
    newest first."""
    with scope(society=membership.society):
        return list(_messages_to(membership).order_by("-created_at", "-id"))


def notice_to(membership: Member, public_id):
    """One message the federation sent to this member society, or None."""
    with scope(society=membership.society):
        return _messages_to(membership).filter(public_id=public_id).first()
