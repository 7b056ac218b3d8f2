"""Every change to applications and members. Each runs in one transaction and writes exactly
one audit entry; rules are re-checked here and backed by database constraints.

Who is "one person" for the rule of one active membership per society: the linked account
when there is one, otherwise the email address (case-insensitive). People with neither are
matched by the secretary; docs/members.md says why.
"""

import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.acting import user_or_none
from members.models import (
    Application,
    ApplicationStatus,
    CessationReason,
    ContactChannel,
    ImportJob,
    InspectionStatus,
    Member,
    RegisterInspection,
    ReturnedMail,
    age_on,
    normalise_postcode,
)
from members.register import highest_member_number
from societies import audit, numbering
from societies.models import AdmissionMethod, DocumentKind, Society

# What a member may change about themselves; the secretary may change these and the rest.
OWN_FIELDS = ["address", "postcode", "email", "contact_channel", "electronic_consent"]
SECRETARY_FIELDS = ["full_name", *OWN_FIELDS, "email_purpose", "stakeholder_class",
                    "date_of_birth", "admitted_on", "admission_decided_on",
                    "admission_reference"]
APPLICATION_FIELDS = ["stakeholder_class", "full_name", "address", "postcode", "email",
                      "contact_channel", "electronic_consent", "date_of_birth"]
# Personal details are kept in the member's history, not copied into the audit log.
PRIVATE_FIELDS = {"address", "postcode", "email", "date_of_birth"}
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# The documents an applicant agrees to, and the kind each must be.
AGREED_DOCUMENTS = {"rules_version": DocumentKind.RULES,
                    "privacy_notice_version": DocumentKind.PRIVACY_NOTICE}
# The longest online inspection of the register one request is granted.
INSPECTION_MAX_DAYS = 92


class MemberError(Exception):
    """A change to the register that cannot be made; the message says why, for a person."""


def _new_reference() -> str:
    return "A-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def check_minimum_age(stakeholder_class, date_of_birth: date | None, on: date) -> None:
    minimum = stakeholder_class.effective_minimum_age
    age = age_on(date_of_birth, on)
    if age is not None and age < minimum:
        raise MemberError(
            f"Members of the {stakeholder_class.name} class must be at least {minimum} "
            f"years old; on {on:%d %B %Y} this person is {age}."
        )


def _check_contact(values: dict) -> None:
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


def _check_email_free(society, email: str, exclude_pk=None) -> None:
    if email and _active_with_email(society, email, exclude_pk) is not None:
        raise MemberError(
            f"{email} already belongs to a current member; one person can hold only one "
            "membership. Use another address, or none."
        )


def _clean_values(values: dict) -> dict:
    cleaned = dict(values)
    for field in ("full_name", "email", "address"):
        if field in cleaned and cleaned[field] is not None:
            cleaned[field] = cleaned[field].strip()
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].lower()
    if cleaned.get("postcode"):
        cleaned["postcode"] = normalise_postcode(cleaned["postcode"])
    return cleaned


# Applications


@transaction.atomic
def submit_application(*, actor, society: Society, values: dict,
                       on_behalf: bool = False) -> Application:
    """An application to join. `on_behalf`: an officer entering a paper application.

    `values` may name the versions of the rules and privacy notice the applicant agreed to
    (`rules_version`, `privacy_notice_version`: the society's documents), which are kept
    with the application.
    """
    agreed = _agreed_documents(society, values)
    values = _clean_values({f: values[f] for f in APPLICATION_FIELDS if f in values})
    stakeholder_class = values["stakeholder_class"]
    if stakeholder_class.society_id != society.pk:
        raise MemberError("Choose one of this society's stakeholder classes.")
    check_minimum_age(stakeholder_class, values["date_of_birth"], timezone.localdate())
    _check_contact(values)
    _check_email_free(society, values.get("email", ""))
    user = user_or_none(actor)
    application = Application(
        society=society,
        reference=_new_reference(),
        user=None if on_behalf else user,
        entered_by=user if on_behalf else None,
        agreed_to_rules_at=timezone.now(),
        **agreed,
        **values,
    )
    application.save()
    audit.record(society, actor, "application.submitted", application,
                 {"reference": application.reference, "class": stakeholder_class.name,
                  "paper": on_behalf,
                  **{field.removesuffix("_version"): document.version_label
                     for field, document in agreed.items() if document is not None}})
    if application.email:
        acknowledgement_message(application)
    return application


ACKNOWLEDGEMENT_KIND = "members.acknowledgement"


def acknowledgement_message(application: Application):
    """The applicant's acknowledgement, written to the outbox in the caller's transaction and
    sent after commit, once (its dedup key names the application). The applicant is not a
    member yet, so it is an email to their address, not a notice."""
    from django.template.loader import render_to_string

    from members.joining import payment_instructions
    from notifications.services import email_address

    society = application.society
    context = {"application": application, "society": society,
               "payment": payment_instructions(society, application.reference)}
    return email_address(
        society=society, to_email=application.email, kind=ACKNOWLEDGEMENT_KIND,
        subject=render_to_string("members/email/acknowledgement_subject.txt", context).strip(),
        body_text=render_to_string("members/email/acknowledgement.txt", context),
        dedup_key=f"{ACKNOWLEDGEMENT_KIND}:{application.public_id}",
    )


def _agreed_documents(society, values: dict) -> dict:
    agreed = {}
    for field, kind in AGREED_DOCUMENTS.items():
        document = values.get(field)
        if document is not None and (document.society_id != society.pk or document.kind != kind):
            raise MemberError(f"Agree to this society's {kind.label.lower()}.")
        agreed[field] = document
    return agreed


def _locked_open_application(application) -> Application:
    locked = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if not locked.is_open:
        raise MemberError(
            f"Application {locked.reference} has already been "
            f"{locked.get_status_display().lower()}."
        )
    return locked


def hold_member_numbers(society: Society) -> None:
    """Admissions and imports in `society` take member numbers one at a time: lock its
    member-number counter (only that row) until the transaction ends."""
    numbering.hold(society, numbering.MEMBER)


def take_member_numbers(society: Society, count: int = 1) -> range:
    """The next `count` member numbers: after the highest ever handed out, and after the
    highest in the register (rows imported with numbers of their own)."""
    return numbering.take(society, numbering.MEMBER, count,
                          in_use=lambda: highest_member_number(society))


def _create_member(society, *, admitted_on, decided_on, reference, values, user=None,
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


def _issue_qualifying_shares(actor, member: Member, admitted_on: date,
                             payment: dict | None = None) -> int:
    """Issue the shares needed to be a member, in the admission's transaction; how many.
    `payment`: what the secretary recorded (amount_pence, paid_on, method, reference). The
    shares app provides this (members.providers): members does not import it."""
    from members import providers

    try:
        return providers.issue_admission_shares(actor, member, admitted_on, payment)
    except providers.ProvidedRefusal as error:
        raise MemberError(f"The qualifying shares could not be issued: {error}") from error


def _welcome(member: Member) -> None:
    """The welcome notice goes by email or post, after commit (notifications outbox)."""
    from notifications.services import notify

    notify(society=member.society, member=member, kind="members.welcome",
           context={"admitted_on": member.admitted_on.isoformat()},
           dedup_key=f"members.welcome:{member.public_id}")


@transaction.atomic
def admit_application(*, actor, application: Application, decided_on: date,
                      decision_reference: str, admitted_on: date | None = None,
                      by_members_vote: bool = False,
                      payment: dict | None = None) -> Application:
    """Admit an applicant by the board's decision, or refer them to a members' vote.

    `payment` is the payment for the qualifying shares as the secretary recorded it
    (shares.services.issue_qualifying_shares's amount_pence, paid_on, method, reference).

    Where the society admits by a vote of members, the first decision only marks the
    application "awaiting members' vote"; the ballot (elections) admits with
    `by_members_vote=True`.
    """
    society = application.society
    with scope(society=society):
        locked = _locked_open_application(application)
        if society.admission_method == AdmissionMethod.MEMBERS_VOTE and not by_members_vote:
            if locked.status == ApplicationStatus.AWAITING_VOTE:
                raise MemberError(f"Application {locked.reference} is already awaiting the "
                                  "members' vote.")
            locked.status = ApplicationStatus.AWAITING_VOTE
            locked.referred_on = decided_on
            locked.decision_reference = decision_reference
            locked.decided_by = user_or_none(actor)
            locked.save(update_fields=["status", "referred_on", "decision_reference",
                                       "decided_by"])
            audit.record(society, actor, "application.referred_to_members", locked,
                         {"reference": locked.reference, "decided_on": decided_on.isoformat(),
                          "decision_reference": decision_reference,
                          **_application_decided(actor, locked, None, "referred", decided_on,
                                                 decision_reference, by_members_vote)})
            return locked
        admitted_on = admitted_on or timezone.localdate()
        hold_member_numbers(society)  # the checks below then see every earlier admission
        check_minimum_age(locked.stakeholder_class, locked.date_of_birth, admitted_on)
        _check_email_free(society, locked.email)
        user = locked.user
        if user is not None and Member.objects.filter(
            society=society, user=user, ceased_on__isnull=True
        ).exists():
            raise MemberError(f"{locked.full_name}'s account already has a current membership.")
        values = {f: getattr(locked, f) for f in APPLICATION_FIELDS}
        member = _create_member(society, admitted_on=admitted_on, decided_on=decided_on,
                                reference=decision_reference, values=values, user=user)
        qualifying = _issue_qualifying_shares(actor, member, admitted_on, payment)
        locked.status = ApplicationStatus.ADMITTED
        locked.decided_on = decided_on
        locked.decision_reference = decision_reference
        locked.decided_by = user_or_none(actor)
        locked.member = member
        locked.save(update_fields=["status", "decided_on", "decision_reference", "decided_by",
                                   "member"])
        _welcome(member)
        audit.record(society, actor, "member.admitted", member,
                     {"application": locked.reference, "member_number": member.member_number,
                      "admitted_on": admitted_on.isoformat(),
                      "decided_on": decided_on.isoformat(),
                      "decision_reference": decision_reference,
                      "by_members_vote": by_members_vote,
                      "qualifying_shares": qualifying,
                      **_application_decided(actor, locked, member, "admitted", decided_on,
                                             decision_reference, by_members_vote)})
    return locked


@transaction.atomic
def decline_application(*, actor, application: Application, decided_on: date,
                        decision_reference: str, reason: str = "") -> Application:
    locked = _locked_open_application(application)
    locked.status = ApplicationStatus.DECLINED
    locked.decided_on = decided_on
    locked.decision_reference = decision_reference
    locked.decline_reason = reason.strip()
    locked.decided_by = user_or_none(actor)
    locked.save(update_fields=["status", "decided_on", "decision_reference", "decline_reason",
                               "decided_by"])
    by_members_vote = locked.referred_on is not None
    audit.record(locked.society, actor, "application.declined", locked,
                 {"reference": locked.reference, "decided_on": decided_on.isoformat(),
                  "decision_reference": decision_reference,
                  **_application_decided(actor, locked, None, "declined", decided_on,
                                         decision_reference, by_members_vote)})
    return locked


def _application_decided(actor, application, member, outcome, decided_on, decision_reference,
                         by_members_vote) -> dict:
    """Tell the receivers of `application_decided` (the decision register) and gather what
    they did for the audit entry."""
    from members.signals import application_decided

    done = {}
    for _receiver, result in application_decided.send(
            sender=Application, application=application, member=member, outcome=outcome,
            decided_on=decided_on, decision_reference=decision_reference,
            by_members_vote=by_members_vote, actor=actor):
        done.update(result or {})
    return done


# Members


def _locked_member(member: Member) -> Member:
    return Member.objects.select_for_update(of=("self",)).get(pk=member.pk)


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
    locked = _locked_member(member)
    if not locked.is_active and own:
        raise MemberError("Your membership has ended, so your record can no longer be changed "
                          "here; contact the secretary.")
    allowed = OWN_FIELDS if own else SECRETARY_FIELDS
    values = _clean_values({f: values[f] for f in allowed if f in values})
    changes = {f: v for f, v in values.items() if getattr(locked, f) != v}
    if not changes:
        return {}
    merged = {f: getattr(locked, f) for f in allowed} | changes
    _check_contact(merged)
    if "email" in changes and locked.is_active:
        _check_email_free(locked.society, changes["email"], exclude_pk=locked.pk)
    if {"stakeholder_class", "date_of_birth", "admitted_on"} & changes.keys():
        stakeholder_class = merged["stakeholder_class"]
        if stakeholder_class.society_id != locked.society_id:
            raise MemberError("Choose one of this society's stakeholder classes.")
        check_minimum_age(stakeholder_class, merged["date_of_birth"], merged["admitted_on"])
    if "admitted_on" in changes and locked.ceased_on and changes["admitted_on"] > locked.ceased_on:
        raise MemberError("The admission date must be on or before the date ceased.")
    if "electronic_consent" in changes:
        locked.electronic_consent_at = timezone.now() if changes["electronic_consent"] else None
    ensure_history_baseline(locked)
    for field, value in changes.items():
        setattr(locked, field, value)
    try:
        with transaction.atomic():
            locked.save(update_fields=[*changes, "electronic_consent_at"])
    except IntegrityError as error:
        raise MemberError("That email address already belongs to a current member.") from error
    shown = {f: ("changed" if f in PRIVATE_FIELDS else str(v)) for f, v in changes.items()}
    audit.record(locked.society, actor, "member.own_details_changed" if own else "member.changed",
                 locked, {"changes": shown})
    for field, value in changes.items():
        setattr(member, field, value)
    return changes


@transaction.atomic
def cease_member(*, actor, member: Member, ceased_on: date, reason: str,
                 reference: str = "") -> Member:
    locked = _locked_member(member)
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
def readmit_member(*, actor, member: Member, admitted_on: date, decided_on: date,
                   decision_reference: str) -> Member:
    """A ceased member joins again: a new membership with a new number, linked to the old.

    The old row keeps its dates and number, so the register as at any earlier date is intact.
    """
    society = member.society
    with scope(society=society):
        hold_member_numbers(society)  # the checks below then see every earlier admission
        locked = _locked_member(member)
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
        _check_email_free(society, locked.email)
        check_minimum_age(locked.stakeholder_class, locked.date_of_birth, admitted_on)
        values = {f: getattr(locked, f) for f in APPLICATION_FIELDS} | {
            "email_purpose": locked.email_purpose}
        new = _create_member(society, admitted_on=admitted_on, decided_on=decided_on,
                             reference=decision_reference, values=values, user=locked.user,
                             readmission_of=locked)
        qualifying = _issue_qualifying_shares(actor, new, admitted_on)
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
    locked = _locked_member(member)
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


# The registers: every view of the full or duplicate register and every export is recorded.


@transaction.atomic
def record_register_access(*, actor, society: Society, action: str, what: dict) -> None:
    """`action`: "register.viewed" or "register.exported"; `what`: as-at date, filters,
    format."""
    if action not in {"register.viewed", "register.exported"}:
        raise ValueError(action)
    audit.record(society, actor, action, None, what)


# Inspecting the duplicate register (CCBS Act 2014 s.31)


def _open_inspection_request(member: Member) -> RegisterInspection | None:
    return RegisterInspection.objects.filter(member=member,
                                             status=InspectionStatus.REQUESTED).first()


def current_inspection_grant(member: Member, on: date) -> RegisterInspection | None:
    """The member's grant to inspect the register online that covers `on`, if any."""
    return (RegisterInspection.objects.filter(
        member=member, status=InspectionStatus.GRANTED, granted_from__lte=on,
        granted_until__gte=on).order_by("-granted_until").first())


@transaction.atomic
def request_register_inspection(*, actor, member: Member, note: str = "") -> RegisterInspection:
    """A member asks to inspect the duplicate register; the secretary answers."""
    if not member.is_active:
        raise MemberError("Only current members may ask to inspect the register.")
    existing = _open_inspection_request(member)
    if existing is not None:
        raise MemberError(f"You asked on {timezone.localtime(existing.requested_at):%d %B %Y}; "
                          "the secretary has not answered yet.")
    grant = current_inspection_grant(member, timezone.localdate())
    if grant is not None:
        raise MemberError(f"You may already inspect the register online until "
                          f"{grant.granted_until:%d %B %Y}.")
    inspection = RegisterInspection(society=member.society, member=member,
                                    note=" ".join(note.split())[:500])
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        raise MemberError("You have already asked; the secretary has not answered yet.") from None
    audit.record(member.society, actor, "register.inspection_requested", inspection,
                 {"member_number": member.member_number})
    return inspection


def _locked_open_inspection(inspection: RegisterInspection) -> RegisterInspection:
    locked = RegisterInspection.objects.select_for_update(of=("self",)).select_related(
        "member").get(pk=inspection.pk)
    if locked.status != InspectionStatus.REQUESTED:
        raise MemberError("That request has already been answered.")
    return locked


def _long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _tell_member(member: Member, kind: str, inspection: RegisterInspection) -> None:
    from notifications.services import notify

    notify(society=member.society, member=member, kind=kind,
           context={"granted_from": _long_date(inspection.granted_from),
                    "granted_until": _long_date(inspection.granted_until),
                    "answer": inspection.answer},
           dedup_key=f"{kind}:{inspection.public_id}")


@transaction.atomic
def grant_register_inspection(*, actor, inspection: RegisterInspection, granted_from: date,
                              granted_until: date) -> RegisterInspection:
    """Let the member inspect the duplicate register online from `granted_from` to
    `granted_until` (both included); they are told by their own channel."""
    locked = _locked_open_inspection(inspection)
    if not locked.member.is_active:
        raise MemberError(f"{locked.member.full_name} is no longer a member.")
    if granted_until < granted_from:
        raise MemberError("The period must end on or after the day it starts.")
    if granted_until < timezone.localdate():
        raise MemberError("The period has already ended: choose dates from today on.")
    if granted_until - granted_from >= timedelta(days=INSPECTION_MAX_DAYS):
        raise MemberError(f"Grant at most {INSPECTION_MAX_DAYS} days at a time; the member can "
                          "ask again.")
    locked.status = InspectionStatus.GRANTED
    locked.granted_from, locked.granted_until = granted_from, granted_until
    locked.decided_by, locked.decided_at = user_or_none(actor), timezone.now()
    locked.save(update_fields=["status", "granted_from", "granted_until", "decided_by",
                               "decided_at"])
    _tell_member(locked.member, "members.inspection_granted", locked)
    audit.record(locked.society, actor, "register.inspection_granted", locked,
                 {"member_number": locked.member.member_number,
                  "from": granted_from.isoformat(), "until": granted_until.isoformat()})
    return locked


@transaction.atomic
def answer_register_inspection(*, actor, inspection: RegisterInspection,
                               answer: str) -> RegisterInspection:
    """Answer a request another way, e.g. an appointment to inspect it at the office."""
    locked = _locked_open_inspection(inspection)
    answer = " ".join(answer.split())
    if not answer:
        raise MemberError("Say how the member may inspect the register, for example at the "
                          "registered office and when.")
    locked.status = InspectionStatus.ANSWERED
    locked.answer = answer[:500]
    locked.decided_by, locked.decided_at = user_or_none(actor), timezone.now()
    locked.save(update_fields=["status", "answer", "decided_by", "decided_at"])
    _tell_member(locked.member, "members.inspection_answered", locked)
    audit.record(locked.society, actor, "register.inspection_answered", locked,
                 {"member_number": locked.member.member_number})
    return locked


# Imports


@transaction.atomic
def start_import(*, actor, society: Society, uploaded) -> ImportJob:
    """Keep the uploaded file and queue its import as a job (`job.queued_as`); the caller
    runs a small file's job at once (views.import_upload), a worker takes a large one."""
    import uuid

    from jobs.queue import enqueue
    from members.tasks import run_import

    job = ImportJob(society=society, created_by=user_or_none(actor),
                    original_name=(uploaded.name or "register.csv")[:200],
                    size_bytes=uploaded.size or 0)
    job.file.save(f"{uuid.uuid4()}.csv", uploaded, save=False)
    job.save()
    audit.record(society, actor, "members.import_started", job,
                 {"file": job.original_name, "bytes": job.size_bytes})
    job.queued_as = enqueue(society, run_import, job.pk)
    return job
