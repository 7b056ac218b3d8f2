"""A member's entry on the register: changing it, ceasing and readmitting, returned mail, and
linking a member to a user account."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.acting import user_or_none
from members.models import (
    CessationReason,
    Member,
    MemberKind,
    RepresentativeChange,
    ReturnedMail,
)
from members.services.common import (
    APPLICATION_FIELDS,
    GUARDIAN_FIELDS,
    OWN_FIELDS,
    PRIVATE_FIELDS,
    SECRETARY_FIELDS,
    MemberError,
    area_class_for,
    check_contact,
    check_email_free,
    check_guardian,
    check_minimum_age,
    clean_values,
    create_member,
    hold_member_numbers,
    issue_qualifying_shares,
    locked_member,
    society_as_stored,
)
from societies import audit
from societies.models import MovedOutOfArea, postcode_district


def ensure_history_baseline(member: Member) -> None:
    """Members loaded in bulk (imports) have no history row; record their state as it was
    before the first change, so the register as at an earlier date can still show it."""
    if not member.history.exists():
        member.history.model.objects.create(
            **{f.attname: getattr(member, f.attname) for f in Member._meta.fields},
            history_date=timezone.now(), history_type="+",
            history_change_reason="state before the first recorded change",
        )


@transaction.atomic
def update_member(*, actor, member: Member, values: dict, own: bool = False) -> dict:
    """Change a member's record: `own` is the member changing their own contact details."""
    locked = locked_member(member)
    if not locked.is_active and own:
        raise MemberError("Your membership has ended, so your record can no longer be changed "
                          "here; contact the secretary.")
    allowed = OWN_FIELDS if own else SECRETARY_FIELDS
    values = clean_values({f: values[f] for f in allowed if f in values})
    changes = {f: v for f, v in values.items() if getattr(locked, f) != v}
    if not changes:
        return {}
    merged = {f: getattr(locked, f) for f in allowed} | changes
    check_contact(merged)
    if "email" in changes and locked.is_active:
        check_email_free(locked.society, changes["email"], exclude_pk=locked.pk)
    if {"stakeholder_class", "date_of_birth", "admitted_on"} & changes.keys():
        stakeholder_class = merged["stakeholder_class"]
        if stakeholder_class.society_id != locked.society_id:
            raise MemberError("Choose one of this society's stakeholder classes.")
        check_minimum_age(stakeholder_class, merged["date_of_birth"], merged["admitted_on"])
    if {"date_of_birth", *GUARDIAN_FIELDS} & changes.keys() and locked.is_active:
        check_guardian(society_as_stored(locked.society), merged, timezone.localdate())
    if "admitted_on" in changes and locked.ceased_on and changes["admitted_on"] > locked.ceased_on:
        raise MemberError("The admission date must be on or before the date ceased.")
    if "electronic_consent" in changes:
        locked.electronic_consent_at = timezone.now() if changes["electronic_consent"] else None
    moved_from = _moved_out_of_area(locked, merged)
    new_area = (area_class_for(locked.society, merged["postcode"])
                if moved_from is not None
                and locked.society.moved_out_of_area == MovedOutOfArea.RECLASSIFY else None)
    leaves = moved_from is not None and new_area is None
    if new_area is not None:
        changes["stakeholder_class"] = new_area
    ensure_history_baseline(locked)
    for field, value in changes.items():
        setattr(locked, field, value)
    try:
        with transaction.atomic():
            locked.save(update_fields=[*changes, "electronic_consent_at"])
    except IntegrityError as error:
        raise MemberError("That email address already belongs to a current member.") from error
    shown = {f: ("changed" if f in PRIVATE_FIELDS else str(v)) for f, v in changes.items()}
    if moved_from is not None:
        shown["moved_out_of"] = moved_from.name
    audit.record(locked.society, actor, "member.own_details_changed" if own else "member.changed",
                 locked, {"changes": shown})
    if moved_from is not None:
        if leaves:
            cease_member(actor=actor, member=locked, ceased_on=timezone.localdate(),
                         reason=CessationReason.INELIGIBLE,
                         reference=f"Moved out of the {moved_from.name} area")
        _tell_moved(locked, moved_from, None if leaves else locked.stakeholder_class)
    for field, value in changes.items():
        setattr(member, field, value)
    if moved_from is not None and leaves:
        member.ceased_on, member.cessation_reason = locked.ceased_on, locked.cessation_reason
    return changes


def _moved_out_of_area(locked: Member, merged: dict):
    """The class by area a current member leaves with this change of postcode, or None: the
    postcode changed and its district is not in their (unchanged) class's area."""
    area = locked.stakeholder_class
    if (not locked.is_active or merged.get("postcode") == locked.postcode
            or merged.get("stakeholder_class", area) != area or not area.postcode_districts):
        return None
    return None if postcode_district(merged["postcode"] or "") in area.districts else area


def _tell_moved(member: Member, old_area, new_class) -> None:
    """The member hears, by their own channel, what their move did to their membership."""
    from notifications.services import notify

    notify(society=member.society, member=member, kind="members.area_changed",
           context={"old_area": old_area.name, "new_class": new_class.name if new_class else "",
                    "ceased": new_class is None},
           dedup_key=f"members.area_changed:{member.public_id}:{member.postcode}")


@transaction.atomic
def cease_member(*, actor, member: Member, ceased_on: date, reason: str,
                 reference: str = "") -> Member:
    locked = locked_member(member)
    if not locked.is_active:
        raise MemberError(f"{locked.full_name}'s membership already ceased on "
                          f"{locked.ceased_on:%d %B %Y}.")
    if reason not in CessationReason.values:
        raise MemberError("Choose why the membership ends.")
    reference = reference.strip()
    if reason == CessationReason.EXPELLED and not reference:
        raise MemberError("An expulsion needs the reference of the decision that made it.")
    if ceased_on < locked.admitted_on:
        raise MemberError(f"The date ceased cannot be before the date admitted "
                          f"({locked.admitted_on:%d %B %Y}).")
    if ceased_on > timezone.localdate():
        raise MemberError("The date ceased cannot be in the future.")
    if reason == CessationReason.UNTRACEABLE and not locked.returned_mail.exists():
        raise MemberError("Record the returned mail first: a member is untraceable only when "
                          "post to their registered address has come back.")
    ensure_history_baseline(locked)
    locked.ceased_on = ceased_on
    locked.cessation_reason = reason
    locked.cessation_reference = reference
    locked.save(update_fields=["ceased_on", "cessation_reason", "cessation_reference"])
    from members.signals import member_ceased

    consequences = {}
    for _receiver, done in member_ceased.send(sender=Member, member=locked, ceased_on=ceased_on,
                                              reason=reason, actor=actor):
        consequences.update(done or {})
    audit.record(locked.society, actor, "member.ceased", locked,
                 {"ceased_on": ceased_on.isoformat(), "reason": reason, "reference": reference,
                  **consequences})
    member.ceased_on, member.cessation_reason = ceased_on, reason
    member.cessation_reference = reference
    return locked


@transaction.atomic
def replace_representative(*, actor, member: Member, new_name: str, effective_on: date,
                           letter_dated: date, letter_from: str,
                           email: str | None = None) -> RepresentativeChange:
    """An organisation member names a new representative by letter: the change is recorded
    with the letter, and the member's record names the new representative. `email`, where
    given, becomes the member's address and the old representative's account is unlinked, so
    only the new one signs in and votes for the organisation."""
    locked = locked_member(member)
    if locked.kind != MemberKind.ORGANISATION:
        raise MemberError(f"{locked.full_name} is a person, not an organisation: only an "
                          "organisation member has a representative.")
    if not locked.is_active:
        raise MemberError(f"{locked.full_name}'s membership has ended.")
    new_name, letter_from = new_name.strip(), letter_from.strip()
    if not new_name or not letter_from:
        raise MemberError("Give the new representative's name and who signed the letter.")
    if letter_dated > timezone.localdate() or effective_on < locked.admitted_on:
        raise MemberError("The letter cannot be dated in the future, nor the change take "
                          "effect before the organisation was admitted.")
    change = RepresentativeChange.objects.create(
        society=locked.society, member=locked, previous_name=locked.representative_name,
        new_name=new_name, effective_on=effective_on, letter_dated=letter_dated,
        letter_from=letter_from, recorded_by=user_or_none(actor))
    ensure_history_baseline(locked)
    locked.representative_name = new_name
    fields = ["representative_name"]
    if email is not None and email.strip().lower() != locked.email:
        check_email_free(locked.society, email.strip().lower(), exclude_pk=locked.pk)
        locked.email, locked.user = email.strip().lower(), None
        fields += ["email", "user"]
    locked.save(update_fields=fields)
    audit.record(locked.society, actor, "member.representative_replaced", locked, {
        "member_number": locked.member_number, "previous": change.previous_name,
        "new": new_name, "effective_on": effective_on.isoformat(),
        "letter_dated": letter_dated.isoformat(), "letter_from": letter_from,
        "email_changed": "email" in fields})
    member.representative_name = new_name
    return change


@transaction.atomic
def record_employment_end(*, actor, member: Member, ended_on: date,
                          reference: str = "") -> Member:
    """The employment of a member of a class tied to employment ended: the membership ceases
    that day, "ceased to be eligible" (one `member.ceased` audit entry), and the shares app
    withdraws their shares in the same transaction (shares.services.withdraw_on_leaving)."""
    if not member.stakeholder_class.tied_to_employment:
        raise MemberError(f"Membership of the {member.stakeholder_class.name} class does not "
                          "end with employment.")
    return cease_member(actor=actor, member=member, ceased_on=ended_on,
                        reason=CessationReason.INELIGIBLE,
                        reference=reference.strip() or "Employment ended")


@transaction.atomic
def record_leavers(*, actor, society, members, ended_on: date, reference: str = "") -> list:
    """Every member given left employment on `ended_on`: all ceased, or none (the first
    refusal names the member and undoes the rest)."""
    ceased = []
    for member in members:
        if member.society_id != society.pk:
            raise MemberError("Choose members of this society.")
        try:
            ceased.append(record_employment_end(actor=actor, member=member, ended_on=ended_on,
                                                reference=reference))
        except MemberError as error:
            raise MemberError(f"Member {member.member_number}, {member.full_name}: "
                              f"{error}") from error
    return ceased


@transaction.atomic
def readmit_member(*, actor, member: Member, admitted_on: date, decided_on: date,
                   decision_reference: str) -> Member:
    """A ceased member joins again: a new membership with a new number, linked to the old.

    The old row keeps its dates and number, so the register as at any earlier date is intact.
    """
    society = society_as_stored(member.society)
    with scope(society=society):
        hold_member_numbers(society)  # the checks below then see every earlier admission
        locked = locked_member(member)
        if locked.is_active:
            raise MemberError(f"{locked.full_name} is a current member; there is nothing to "
                              "readmit.")
        later = Member.objects.filter(readmission_of=locked).first()
        if later is not None:
            raise MemberError(f"{locked.full_name} was already readmitted as member "
                              f"{later.member_number}.")
        if locked.cessation_reason == CessationReason.DECEASED:
            raise MemberError("A deceased member cannot be readmitted.")
        if admitted_on < locked.ceased_on:
            raise MemberError(f"Readmission must be on or after the date ceased "
                              f"({locked.ceased_on:%d %B %Y}).")
        if locked.user is not None and Member.objects.filter(
            society=society, user=locked.user, ceased_on__isnull=True
        ).exists():
            raise MemberError("This person's account already has a current membership.")
        check_email_free(society, locked.email)
        check_minimum_age(locked.stakeholder_class, locked.date_of_birth, admitted_on)
        values = {f: getattr(locked, f) for f in APPLICATION_FIELDS} | {
            "email_purpose": locked.email_purpose}
        new = create_member(society, admitted_on=admitted_on, decided_on=decided_on,
                             reference=decision_reference, values=values, user=locked.user,
                             readmission_of=locked)
        qualifying = issue_qualifying_shares(actor, new, admitted_on)
        audit.record(society, actor, "member.readmitted", new,
                     {"previous_number": locked.member_number,
                      "qualifying_shares": qualifying,
                      "member_number": new.member_number,
                      "admitted_on": admitted_on.isoformat(),
                      "decided_on": decided_on.isoformat(),
                      "decision_reference": decision_reference})
    return new


@transaction.atomic
def record_returned_mail(*, actor, member: Member, returned_on: date,
                         description: str) -> ReturnedMail:
    if returned_on > timezone.localdate():
        raise MemberError("Mail cannot come back on a date in the future.")
    returned = ReturnedMail.objects.create(
        society=member.society, member=member, returned_on=returned_on,
        description=description.strip(), recorded_by=user_or_none(actor),
    )
    audit.record(member.society, actor, "member.returned_mail", member,
                 {"returned_on": returned_on.isoformat(), "what": returned.description})
    return returned


@transaction.atomic
def link_member_to_user(*, actor, member: Member, user) -> bool:
    """Link a membership to the account that verified its email address."""
    locked = locked_member(member)
    if locked.user_id is not None or not locked.is_active:
        return False
    if Member.objects.filter(society=locked.society, user=user,
                             ceased_on__isnull=True).exists():
        return False
    locked.user = user
    locked.save(update_fields=["user"])
    audit.record(locked.society, actor, "member.account_linked", locked,
                 {"member_number": locked.member_number})
    member.user = user
    return True


def link_accounts_for(user) -> list[Member]:
    """Link every current, unlinked membership whose email `user` has verified."""
    from allauth.account.models import EmailAddress

    emails = [e.lower() for e in EmailAddress.objects.filter(user=user, verified=True)
              .values_list("email", flat=True)]
    if not emails:
        return []
    with scopes_disabled():
        candidates = list(
            Member.objects.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=emails, ceased_on__isnull=True, user__isnull=True)
            .select_related("society")
        )
    linked = []
    for member in candidates:
        with scope(society=member.society):
            if link_member_to_user(actor=user, member=member, user=user):
                linked.append(member)
    return linked
