"""Admissions, referrals, refusals and expulsions enter the decision register.

The members app decides on applications and ceases members; it sends a signal inside its own
transaction and these receivers write the register entry there, linked to the application
and the member, so every admission and expulsion names the decision that made it
(docs/boards.md, "Admissions and expulsions"). The entry's number goes into the members
service's own audit entry: one action, one audit line.

When the secretary has already recorded the decision in the register naming the application
(or, for an expulsion, the member) on the same date, that entry is the one and no second is
written. A society with no management board in `boards` yet gets no entry for a board's
decision (the reference stays on the application or member, as before).
"""

from datetime import date

from boards.models import Body, BodyKind, Decision, Outcome
from boards.services import enter_decision

ADMISSION_TEXT = {
    "admitted": "Admit {name} (application {ref}) to membership as member no. {number}.",
    "referred": "Refer the application of {name} ({ref}) to a vote of the members.",
    "declined": "Decline the application of {name} ({ref}).",
}
MEMBERS_VOTE_TEXT = {
    "admitted": "The members voted to admit {name} (application {ref}); admitted as member "
                "no. {number}.",
    "declined": "The members' vote did not admit {name} (application {ref}).",
}


def _board_of(society):
    """The society's management board (the first, if it has several); None if it has none."""
    return Body.objects.filter(society=society, kind=BodyKind.BOARD).order_by("pk").first()


def _already_recorded(society, body, decided_on: date, **link) -> bool:
    return Decision.objects.filter(society=society, body=body, decided_on=decided_on,
                                   **link).exists()


def record_application_decision(sender=None, *, application, member, outcome: str,
                                decided_on: date, decision_reference: str,
                                by_members_vote: bool, actor, **kwargs) -> dict:
    """`members.signals.application_decided` receiver."""
    society = application.society
    members_decided = by_members_vote and outcome in MEMBERS_VOTE_TEXT
    body = None if members_decided else _board_of(society)
    if body is None and not members_decided:
        return {}  # no board set up yet: nothing to attribute the decision to
    if _already_recorded(society, body, decided_on, application=application):
        return {}
    template = (MEMBERS_VOTE_TEXT if members_decided else ADMISSION_TEXT)[outcome]
    text = template.format(name=application.full_name, ref=application.reference,
                           number=member.member_number if member else "")
    if outcome == "declined" and application.decline_reason:
        text = f"{text} Reason: {application.decline_reason}"
    decision = enter_decision(
        actor, society, body=body, meeting_label=decision_reference.strip(),
        decided_on=decided_on, text=text,
        outcome=Outcome.CARRIED, casting_vote_used=False, member=member,
        application=application)
    return {"decision": decision.number}


def record_expulsion_decision(sender=None, *, member, ceased_on: date, reason: str, actor,
                              **kwargs) -> dict:
    """`members.signals.member_ceased` receiver: an expulsion enters the register."""
    from members.models import CessationReason

    if reason != CessationReason.EXPELLED:
        return {}
    society = member.society
    body = _board_of(society)
    if body is None:
        return {}
    if _already_recorded(society, body, ceased_on, member=member):
        return {}
    decision = enter_decision(
        actor, society, body=body, meeting_label=member.cessation_reference,
        decided_on=ceased_on,
        text=f"Expel {member.full_name} (member no. {member.member_number}) from membership.",
        outcome=Outcome.CARRIED, casting_vote_used=False, member=member)
    return {"decision": decision.number}
