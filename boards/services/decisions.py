"""The decision register: a decision recorded by the secretary (`record_decision`), and the
next numbered entry that every service deciding something writes (`enter_decision`)."""

from datetime import date

from django.db import transaction
from django.db.models import Max

from accounts.acting import user_or_none
from boards.models import Decision, Meeting, Outcome
from boards.services.common import BoardError
from counting.resolution import count_resolution
from societies import audit, numbering
from societies.models import Society


@transaction.atomic
def record_decision(*, actor, society: Society, text: str, decided_on: date, body=None,
                    meeting_label: str = "", proposer: str = "", seconder: str = "",
                    votes_for: int = 0, votes_against: int = 0, abstentions: int = 0,
                    casting_vote: str | None = None, outcome: str | None = None,
                    corrects: Decision | None = None, meeting: Meeting | None = None,
                    member=None, application=None) -> Decision:
    """Enter a decision in the register. With votes, the outcome is counted as an ordinary
    resolution (more for than against, the chair's casting vote on a tie); a decision by
    consensus (no votes) is recorded with the outcome given."""
    if not text.strip():
        raise BoardError("Write down what was decided.")
    if min(votes_for, votes_against, abstentions) < 0:
        raise BoardError("Votes cannot be negative.")
    if body is not None and body.society_id != society.pk:
        raise BoardError("That body is not one of this society's.")
    if corrects is not None and corrects.society_id != society.pk:
        raise BoardError("That decision is not one of this society's.")
    casting_used = False
    if votes_for or votes_against or abstentions:
        result = count_resolution(votes_for, votes_against, abstentions,
                                  casting_vote=casting_vote or None)
        counted = Outcome.CARRIED if result.passed else Outcome.NOT_CARRIED
        if outcome is not None and outcome != counted:
            raise BoardError(f"The votes give: {result.explanation}")
        outcome, casting_used = counted, result.casting_vote_used
    elif outcome not in Outcome.values:
        raise BoardError("Say whether the decision was carried, or record the votes.")
    for linked, what in ((meeting, "meeting"), (member, "member"), (application, "application")):
        if linked is not None and linked.society_id != society.pk:
            raise BoardError(f"That {what} is not one of this society's.")
    decision = enter_decision(
        actor, society, body=body, meeting_label=meeting_label.strip(), decided_on=decided_on,
        text=text.strip(), proposer=proposer.strip(), seconder=seconder.strip(),
        votes_for=votes_for, votes_against=votes_against, abstentions=abstentions,
        outcome=outcome, casting_vote_used=casting_used, corrects=corrects, meeting=meeting,
        member=member, application=application)
    audit.record(society, actor, "board.decision_recorded", decision, {
        "number": decision.number, "outcome": outcome, "for": votes_for,
        "against": votes_against, "abstain": abstentions,
        "corrects": corrects.number if corrects else None,
        "meeting": str(meeting.public_id) if meeting else None,
        "member": member.member_number if member else None,
        "application": application.reference if application else None,
    })
    return decision


def enter_decision(actor, society, **fields) -> Decision:
    """Write the next entry of the register (the caller audits it)."""
    [number] = numbering.take(society, numbering.DECISION, in_use=lambda: (
        Decision.objects.filter(society=society).aggregate(n=Max("number"))["n"]))
    decision = Decision(
        society=society, number=number,
        recorded_by=user_or_none(actor), **fields)
    decision.save()
    return decision
