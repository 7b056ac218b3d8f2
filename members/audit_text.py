"""The members app's audit entries as sentences (societies.audit_text)."""

from members.models import CessationReason
from societies.audit_text import describes, label, phrases, plural

phrases({
    "member.readmitted": "{actor} readmitted {name} as member {data[member_number]} (formerly "
                         "member {data[previous_number]})",
    "member.returned_mail": "{actor} recorded {data[what]} to {name} returned undelivered on "
                            "{date[returned_on]}",
    "member.account_linked": "{actor} signed in and was linked to the record of member "
                             "{data[member_number]}",
    "member.representative_replaced": "{actor} recorded {data[new]} as the representative of "
                                      "{name} from {date[effective_on]} (letter of "
                                      "{date[letter_dated]} from {data[letter_from]})",
    "member.society_linked": "{actor} linked member {data[member_number]} to the society "
                             "/s/{data[society]}/",
    "member.society_confirmed": "{actor} confirmed for /s/{data[society]}/ its membership "
                                "(member {data[member_number]})",
    "register.viewed": "{actor} viewed the full register as at {date[as_at]}",
    "members.import_started": "{actor} started importing members from {data[file]}",
    # Issue 14's inspection of the register on request.
    "register.inspection_requested": "{actor} asked to inspect the register (member "
                                     "{data[member_number]})",
    "register.inspection_granted": "{actor} let member {data[member_number]} inspect the "
                                   "register from {date[from]} to {date[until]}",
    "register.inspection_answered": "{actor} answered member {data[member_number]}'s request "
                                    "to inspect the register",
})


def _applicant(e) -> str:
    """ "Application A-12 from Ann Lee" -> "Ann Lee"."""
    return e.target.partition(" from ")[2] or e.target


def _decision(e) -> str:
    reference = e.data.get("decision_reference")
    return f" (decision {reference})" if reference else ""


@describes("application.submitted")
def _submitted(e):
    joining = f"to join as {e.data['class']}, reference {e.data['reference']}"
    if e.data.get("paper"):
        return f"{e.actor} entered a paper application from {_applicant(e)} {joining}"
    return f"{_applicant(e)} applied {joining}"


@describes("application.referred_to_members", "application.declined")
def _application_decided(e):
    what = ("referred the application from {} ({}) to a vote of the members"
            if e.action == "application.referred_to_members"
            else "declined the application from {} ({})")
    return f"{e.actor} {what.format(_applicant(e), e.data['reference'])}{_decision(e)}"


@describes("member.admitted")
def _admitted(e):
    how = " after the members' vote" if e.data.get("by_members_vote") else ""
    return f"{e.actor} admitted {e.name} as member {e.data['member_number']}{how}{_decision(e)}"


@describes("member.changed", "member.own_details_changed")
def _changed(e):
    fields = ", ".join(label(field).lower() for field in e.data["changes"]) or "nothing"
    if e.action == "member.own_details_changed":
        return f"{e.name} changed their own details: {fields}"
    return f"{e.actor} changed {e.name}'s details: {fields}"


@describes("member.ceased")
def _ceased(e):
    reason = dict(CessationReason.choices).get(e.data["reason"], e.data["reason"]).lower()
    return (f"{e.actor} recorded that {e.name} ceased to be a member on "
            f"{e.date('ceased_on')} ({reason})")


@describes("register.exported")
def _register_exported(e):
    which = "full register" if e.data["register"] == "full" else "duplicate register"
    return (f"{e.actor} downloaded the {which} as at {e.date('as_at')} "
            f"({e.data['format'].upper()})")


@describes("members.imported")
def _imported(e):
    return f"{e.actor} imported {plural(e.data['rows'], 'member')} from {e.data['file']}"
