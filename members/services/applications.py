"""Applications for membership: submitting one (with its acknowledgement), admitting and
declining."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from accounts.acting import user_or_none
from members.models import (
    Application,
    ApplicationStatus,
    Member,
)
from members.services.common import (
    AGREED_DOCUMENTS,
    APPLICATION_FIELDS,
    MemberError,
    check_contact,
    check_email_free,
    check_guardian,
    check_kind,
    check_minimum_age,
    check_probation,
    clean_values,
    create_member,
    hold_member_numbers,
    issue_qualifying_shares,
    new_reference,
    place_by_postcode,
    society_as_stored,
    welcome,
)
from societies import audit
from societies.models import AdmissionMethod, Society


@transaction.atomic
def submit_application(*, actor, society: Society, values: dict,
                       on_behalf: bool = False) -> Application:
    """An application to join. `on_behalf`: an officer entering a paper application.

    `values` may name the versions of the rules and privacy notice the applicant agreed to
    (`rules_version`, `privacy_notice_version`: the society's documents), which are kept
    with the application.
    """
    agreed = _agreed_documents(society, values)
    began = _relationship_began(society, values.get("relationship_started_on"))
    values = clean_values({f: values[f] for f in APPLICATION_FIELDS if f in values})
    check_kind(values)
    stakeholder_class = values["stakeholder_class"]
    if stakeholder_class.society_id != society.pk:
        raise MemberError("Choose one of this society's stakeholder classes.")
    stakeholder_class = values["stakeholder_class"] = place_by_postcode(
        society, stakeholder_class, values.get("postcode", ""))
    check_minimum_age(stakeholder_class, values["date_of_birth"], timezone.localdate())
    check_guardian(society, values, timezone.localdate())
    check_contact(values)
    check_email_free(society, values.get("email", ""))
    user = user_or_none(actor)
    application = Application(
        society=society,
        reference=new_reference(),
        user=None if on_behalf else user,
        entered_by=user if on_behalf else None,
        agreed_to_rules_at=timezone.now(),
        relationship_started_on=began,
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


def _relationship_began(society, began: date | None) -> date | None:
    """The start of the applicant's employment or relationship, which a society admitting by
    members' vote after a probation period needs (the period runs from it)."""
    if began is not None and began > timezone.localdate():
        raise MemberError("The employment or relationship start date is in the future: give "
                          "the day it began.")
    if began is None and society.has_probation:
        raise MemberError("Give the day the applicant's employment or relationship with the "
                          f"society began: the probation period of {society.probation_days} "
                          "days before the members' vote runs from it.")
    return began


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
    society = society_as_stored(application.society)
    with scope(society=society):
        locked = _locked_open_application(application)
        if society.admission_method == AdmissionMethod.MEMBERS_VOTE and not by_members_vote:
            if locked.status == ApplicationStatus.AWAITING_VOTE:
                raise MemberError(f"Application {locked.reference} is already awaiting the "
                                  "members' vote.")
            locked.society = society
            check_probation(locked, decided_on)
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
        check_email_free(society, locked.email)
        user = locked.user
        if user is not None and Member.objects.filter(
            society=society, user=user, ceased_on__isnull=True
        ).exists():
            raise MemberError(f"{locked.full_name}'s account already has a current membership.")
        values = {f: getattr(locked, f) for f in APPLICATION_FIELDS}
        member = create_member(society, admitted_on=admitted_on, decided_on=decided_on,
                                reference=decision_reference, values=values, user=user)
        qualifying = issue_qualifying_shares(actor, member, admitted_on, payment)
        locked.status = ApplicationStatus.ADMITTED
        locked.decided_on = decided_on
        locked.decision_reference = decision_reference
        locked.decided_by = user_or_none(actor)
        locked.member = member
        locked.save(update_fields=["status", "decided_on", "decision_reference", "decided_by",
                                   "member"])
        welcome(member)
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
