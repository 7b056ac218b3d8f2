"""What the member services share: the fields each person may change, the domain exception, the
checks on a person's details, member numbers, and creating a member with their qualifying
shares and welcome."""

import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scopes_disabled

from members.models import (
    OFFICER_MINIMUM_AGE,
    ContactChannel,
    Member,
    MemberKind,
    age_on,
    normalise_postcode,
)
from members.register import highest_member_number
from societies import numbering
from societies.models import DocumentKind, Society, postcode_district

# What a member may change about themselves; the secretary may change these and the rest.
OWN_FIELDS = ["address", "postcode", "email", "contact_channel", "electronic_consent"]


GUARDIAN_FIELDS = ["guardian_name", "guardian_contact"]
SECRETARY_FIELDS = ["full_name", *OWN_FIELDS, "email_purpose", "stakeholder_class",
                    "date_of_birth", *GUARDIAN_FIELDS, "registered_number", "household",
                    "household_voter", "admitted_on", "admission_decided_on",
                    "admission_reference"]


ORGANISATION_FIELDS = ["kind", "registered_number", "representative_name"]
APPLICATION_FIELDS = ["stakeholder_class", "full_name", "address", "postcode", "email",
                      "contact_channel", "electronic_consent", "date_of_birth",
                      *GUARDIAN_FIELDS, *ORGANISATION_FIELDS]


# Personal details are kept in the member's history, not copied into the audit log.
PRIVATE_FIELDS = {"address", "postcode", "email", "date_of_birth", *GUARDIAN_FIELDS}


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# The documents an applicant agrees to, and the kind each must be.
AGREED_DOCUMENTS = {"rules_version": DocumentKind.RULES,
                    "privacy_notice_version": DocumentKind.PRIVACY_NOTICE}


# The longest online inspection of the register one request is granted.
INSPECTION_MAX_DAYS = 92


class MemberError(Exception):
    """A change to the register that cannot be made; the message says why, for a person."""


def new_reference() -> str:
    return "A-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def check_minimum_age(stakeholder_class, date_of_birth: date | None, on: date) -> None:
    minimum = stakeholder_class.effective_minimum_age
    age = age_on(date_of_birth, on)
    if age is not None and age < minimum:
        raise MemberError(
            f"Members of the {stakeholder_class.name} class must be at least {minimum} "
            f"years old; on {on:%d %B %Y} this person is {age}."
        )


def check_kind(values: dict) -> None:
    """A person gives a date of birth; an organisation gives its representative and has none."""
    if values.get("kind", MemberKind.PERSON) == MemberKind.ORGANISATION:
        if not (values.get("representative_name") or "").strip():
            raise MemberError("Name the person who represents the organisation: they act and "
                              "vote for it.")
        values["date_of_birth"] = None
        values["guardian_name"] = values["guardian_contact"] = ""
        return
    if values.get("date_of_birth") is None:
        raise MemberError("Give the applicant's date of birth.")
    values["registered_number"] = values["representative_name"] = ""


def check_guardian(society, values: dict, on: date) -> None:
    """Where the society asks for it, a member under 16 gives a parent's or guardian's name
    and contact (South Essex Partnership Trust admits from 12)."""
    if not society.guardian_for_under_16:
        return
    age = age_on(values.get("date_of_birth"), on)
    if age is not None and age < OFFICER_MINIMUM_AGE and not (
            (values.get("guardian_name") or "").strip()
            and (values.get("guardian_contact") or "").strip()):
        raise MemberError("Members under 16 give the name and a contact (telephone, email or "
                          "address) of a parent or guardian.")


def area_class_for(society, postcode: str):
    """The society's class by area whose districts take `postcode`, or None."""
    district = postcode_district(postcode or "")
    if not district:
        return None
    for candidate in society.stakeholder_classes.exclude(postcode_districts=""):
        if district in candidate.districts:
            return candidate
    return None


def place_by_postcode(society, chosen, postcode: str):
    """The class an applicant who chose `chosen` joins: a class by area is the one their
    postcode's district is in (they may have picked a neighbouring area); other classes as
    chosen. Refused where no area takes the postcode."""
    if not chosen.postcode_districts:
        return chosen
    placed = area_class_for(society, postcode)
    if placed is None:
        areas = ", ".join(c.name for c in society.stakeholder_classes.exclude(
            postcode_districts=""))
        raise MemberError(f"The public constituencies ({areas}) take members by where they "
                          f"live, and the postcode {postcode or '(none given)'} is in none of "
                          "their areas. Give your home postcode, or apply in another class.")
    return placed


def check_probation(application, on: date) -> None:
    """Refuse to put `application` to the members' vote on `on` before its society's probation
    period has passed since the applicant's employment (or relationship) began, saying when
    it can be. The society is the application's as loaded: callers pass it as stored."""
    possible_from = application.vote_possible_from
    if possible_from is not None and on < possible_from:
        society = application.society
        began = ("employment or relationship began" if application.relationship_started_on
                 else "application arrived")
        raise MemberError(
            f"Application {application.reference} can be put to the members' vote from "
            f"{possible_from.day} {possible_from:%B %Y}: the society's probation period is "
            f"{society.probation_days} days from the day the {began} "
            f"({application.began_on.day} {application.began_on:%B %Y})."
        )


def check_contact(values: dict) -> None:
    if values.get("contact_channel") == ContactChannel.EMAIL:
        if not values.get("email"):
            raise MemberError("To be contacted by email, give an email address.")
        if not values.get("electronic_consent"):
            raise MemberError("To be contacted by email, agree to receive notices "
                              "electronically; otherwise choose post.")


def _active_with_email(society, email: str, exclude_pk=None):
    found = Member.objects.filter(society=society, ceased_on__isnull=True).exclude(
        email="").annotate(lower_email=Lower("email")).filter(lower_email=email.lower())
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.first()


def check_email_free(society, email: str, exclude_pk=None) -> None:
    if email and _active_with_email(society, email, exclude_pk) is not None:
        raise MemberError(
            f"{email} already belongs to a current member; one person can hold only one "
            "membership. Use another address, or none."
        )


def clean_values(values: dict) -> dict:
    cleaned = dict(values)
    for field in ("full_name", "email", "address"):
        if field in cleaned and cleaned[field] is not None:
            cleaned[field] = cleaned[field].strip()
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].lower()
    if cleaned.get("postcode"):
        cleaned["postcode"] = normalise_postcode(cleaned["postcode"])
    return cleaned


def society_as_stored(society: Society) -> Society:
    """The society's row as it is now, for a decision made under its rules (how it admits):
    never those of an instance read before a change of its settings."""
    with scopes_disabled():
        return Society.objects.get(pk=society.pk)


def hold_member_numbers(society: Society) -> None:
    """Admissions and imports in `society` take member numbers one at a time: lock its
    member-number counter (only that row) until the transaction ends."""
    numbering.hold(society, numbering.MEMBER)


def take_member_numbers(society: Society, count: int = 1) -> range:
    """The next `count` member numbers: after the highest ever handed out, and after the
    highest in the register (rows imported with numbers of their own)."""
    return numbering.take(society, numbering.MEMBER, count,
                          in_use=lambda: highest_member_number(society))


def create_member(society, *, admitted_on, decided_on, reference, values, user=None,
                   readmission_of=None) -> Member:
    """Number and save a new membership."""
    consent = values.get("electronic_consent", False)
    member = Member(
        society=society,
        member_number=take_member_numbers(society)[0],
        user=user,
        admitted_on=admitted_on,
        admission_decided_on=decided_on,
        admission_reference=reference,
        readmission_of=readmission_of,
        electronic_consent_at=timezone.now() if consent else None,
        **values,
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:
        raise MemberError(
            "This person already has a current membership (the same account or email "
            "address)."
        ) from error
    return member


def issue_qualifying_shares(actor, member: Member, admitted_on: date,
                             payment: dict | None = None) -> int:
    """Issue the shares needed to be a member, in the admission's transaction; how many.
    `payment`: what the secretary recorded (amount_pence, paid_on, method, reference). The
    shares app provides this (members.providers): members does not import it."""
    from members import providers

    try:
        return providers.issue_admission_shares(actor, member, admitted_on, payment)
    except providers.ProvidedRefusal as error:
        raise MemberError(f"The qualifying shares could not be issued: {error}") from error


def welcome(member: Member) -> None:
    """The welcome notice goes by email or post, after commit (notifications outbox)."""
    from notifications.services import notify

    notify(society=member.society, member=member, kind="members.welcome",
           context={"admitted_on": member.admitted_on.isoformat()},
           dedup_key=f"members.welcome:{member.public_id}")


def locked_member(member: Member) -> Member:
    return Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
