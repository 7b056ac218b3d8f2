"""Votes on resolutions at a general meeting: the figures checked against the meeting's
record (`plan_vote`), entered (`vote_on_resolution`) and corrected
(`correct_meeting_vote`), each with its entry in the decision register."""

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from accounts.acting import user_or_none
from ballots import outcomes
from ballots.models import Contest, ResolutionKind
from boards import rules, wording
from boards.models import AgendaItem, AgendaItemKind, Meeting, MeetingVote, Outcome, VoteMethod
from boards.services.common import BoardError, check_not_cancelled, locked_meeting
from boards.services.decisions import enter_decision
from boards.services.reads import (
    advance_votes,
    correction_refused,
    instructed_proxy_votes,
    meeting_quorum,
    voters_at_meeting,
    why_no_vote_yet,
)
from counting.resolution import ResolutionResult
from societies import audit


class VoteCountError(BoardError):
    """Figures that cannot be right; `problems` name the field and the numbers."""

    def __init__(self, problems: list[rules.CountProblem]):
        self.problems = problems
        super().__init__(" ".join(p.message for p in problems))


class VoteFiguresChanged(BoardError):
    """The record changed between checking the figures and confirming them: `plan` is what
    they give now."""

    def __init__(self, plan):
        self.plan = plan
        super().__init__("The meeting's record changed while the figures were being checked "
                         "(attendance, proxies or advance votes): check the result below "
                         "again before confirming.")


@dataclass(frozen=True)
class VotePlan:
    """What entering the figures would record, worked out before anything is written."""

    item: AgendaItem
    method: str
    online: rules.Count
    instructed: rules.Count
    discretion: rules.Count
    room: rules.Count
    voters: rules.VotersAtMeeting
    quorum: rules.QuorumResult
    kind: str
    fraction: Fraction
    casting_vote: str | None
    result: ResolutionResult

    @property
    def proxy(self) -> rules.Count:
        return self.instructed + self.discretion

    @property
    def method_label(self) -> str:
        return VoteMethod(self.method).label

    @property
    def total(self) -> rules.Count:
        return self.online + self.proxy + self.room

    @property
    def fingerprint(self) -> str:
        """The facts the secretary did not enter; confirming checks they still hold."""
        return ";".join([
            "online=" + "/".join(map(str, self.online.as_dict().values())),
            "instructed=" + "/".join(map(str, self.instructed.as_dict().values())),
            f"present={self.voters.present}", f"advance={self.voters.voted_in_advance}",
            f"discretionary={self.voters.discretionary_proxies}",
            f"quorum={self.quorum.present}/{self.quorum.required}",
            f"kind={self.kind}:{self.fraction}",
        ])

    def same_figures_as(self, vote: MeetingVote) -> bool:
        return (self.method == vote.method and (self.online, self.proxy, self.room) == (
            rules.Count(vote.online_for, vote.online_against, vote.online_abstain),
            rules.Count(vote.proxy_for, vote.proxy_against, vote.proxy_abstain),
            rules.Count(vote.room_for, vote.room_against, vote.room_abstain))
            and self.result.casting_vote_used == vote.decision.casting_vote_used)


def plan_vote(item: AgendaItem, *, room: rules.Count, discretion: rules.Count,
              method: str = VoteMethod.SHOW_OF_HANDS, casting_vote: str | None = None,
              today: date | None = None) -> VotePlan:
    """Check the figures for one resolution against the meeting's record and work out the
    result the rules give. Writes nothing; BoardError (VoteCountError for impossible
    figures) says what stops it."""
    meeting = item.meeting
    society = meeting.society
    if item.kind != AgendaItemKind.RESOLUTION:
        raise BoardError("Only a resolution is voted on.")
    not_yet = why_no_vote_yet(meeting, today)
    if not_yet:
        raise BoardError(not_yet)
    if method not in VoteMethod.values:
        raise BoardError(f"Unknown way of voting: {method!r}.")
    quorum = meeting_quorum(meeting)
    if not quorum.quorate:
        raise BoardError(f"No vote without a quorum. {quorum.explanation}")
    contest = item.resolution
    online = rules.Count.of(advance_votes(contest))
    instructed = instructed_proxy_votes(item)
    voters = voters_at_meeting(item, instructed)
    problems = rules.check_meeting_count(voters, room, discretion)
    if problems:
        raise VoteCountError(problems)
    if casting_vote and not society.chair_casting_vote:
        raise BoardError("The rules give the chair no casting vote.")
    from ballots.services import resolution_outcome

    kind = contest.resolution_kind or ResolutionKind.ORDINARY
    fraction = Fraction(contest.fraction_numerator, contest.fraction_denominator)
    proxy = rules.Count.of(instructed) + discretion
    result = resolution_outcome(contest, {
        outcomes.BALLOT: online.as_dict(), outcomes.PROXY: proxy.as_dict(),
        outcomes.MEETING: room.as_dict()}, casting_vote=casting_vote or None)
    return VotePlan(item=item, method=method, online=online,
                    instructed=rules.Count.of(instructed), discretion=discretion, room=room,
                    voters=voters, quorum=quorum, kind=kind, fraction=fraction,
                    casting_vote=casting_vote or None, result=result)


def _locked_item(item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    """The meeting and the item, row-locked in that order (as every meeting service)."""
    meeting = locked_meeting(item.meeting)
    item = AgendaItem.objects.select_for_update(of=("self",)).select_related(
        "resolution").get(pk=item.pk)
    item.meeting = meeting
    return meeting, item


def _counts(room_for, room_against, room_abstain, discretion_for, discretion_against,
            discretion_abstain) -> tuple[rules.Count, rules.Count]:
    numbers = [room_for, room_against, room_abstain, discretion_for, discretion_against,
               discretion_abstain]
    if any(n is None or isinstance(n, bool) or not isinstance(n, int) or n < 0
           for n in numbers):
        raise BoardError("Votes are whole numbers, none below zero.")
    return (rules.Count(room_for, room_against, room_abstain),
            rules.Count(discretion_for, discretion_against, discretion_abstain))


def _resolution_decision_text(contest: Contest) -> str:
    kind_name = ("Special resolution" if contest.resolution_kind == ResolutionKind.SPECIAL
                 else "Ordinary resolution")
    return f"{kind_name} — {wording.titled(contest.title, contest.resolution_text)}"


def _write_vote(actor, plan: VotePlan, **fields) -> MeetingVote:
    """The vote and its decision, and the figures as the contest's tallies in force."""
    item, meeting = plan.item, plan.item.meeting
    society, contest = meeting.society, item.resolution
    total = plan.total
    decision = enter_decision(
        actor, society, meeting=meeting, meeting_label=str(meeting),
        decided_on=meeting.held_on, text=_resolution_decision_text(contest),
        proposer=item.proposer, seconder=item.seconder, votes_for=total.votes_for,
        votes_against=total.against, abstentions=total.abstain,
        outcome=Outcome.CARRIED if plan.result.passed else Outcome.NOT_CARRIED,
        casting_vote_used=plan.result.casting_vote_used,
        corrects=fields.get("corrects").decision if fields.get("corrects") else None)
    online, proxy, room = plan.online, plan.proxy, plan.room
    vote = MeetingVote.objects.create(
        society=society, agenda_item=item, method=plan.method, online_for=online.votes_for,
        online_against=online.against, online_abstain=online.abstain,
        proxy_for=proxy.votes_for, proxy_against=proxy.against, proxy_abstain=proxy.abstain,
        room_for=room.votes_for, room_against=room.against, room_abstain=room.abstain,
        quorum_present=plan.quorum.present, quorum_required=plan.quorum.required,
        explanation=plan.result.explanation, decision=decision,
        recorded_by=user_or_none(actor),
        **fields)
    # The figures in force on the contest, kept by the ballot box, so its result is the
    # meeting's decision; the figures they replace stay in the earlier vote and its audit entry.
    from ballots.services import BallotError, record_meeting_votes

    try:
        record_meeting_votes(contest, proxy=proxy.as_dict(), room=room.as_dict(),
                             casting_vote=plan.casting_vote if
                             plan.result.casting_vote_used else None)
    except BallotError as error:
        raise BoardError(str(error)) from None
    return vote


def _figures(plan: VotePlan) -> dict:
    return {"online": plan.online.as_dict(), "proxy": plan.proxy.as_dict(),
            "room": plan.room.as_dict(), "method": plan.method, "passed": plan.result.passed}


@transaction.atomic
def vote_on_resolution(*, actor, item: AgendaItem, room_for: int, room_against: int,
                       room_abstain: int = 0, discretion_for: int = 0,
                       discretion_against: int = 0, discretion_abstain: int = 0,
                       method: str = VoteMethod.SHOW_OF_HANDS, casting_vote: str | None = None,
                       today: date | None = None, expected: str | None = None) -> MeetingVote:
    """Combine advance votes, proxy votes (as instructed, plus the discretionary ones as the
    holders voted them) and the votes in the room into one result for the resolution's kind;
    enter it in the decision register with the meeting linked. Refused before the meeting
    has begun (its day, attendance taken), without a quorum, and for more votes than those
    present and the proxies held could cast. `expected`: the plan's fingerprint the
    secretary confirmed; if the record changed since, VoteFiguresChanged."""
    room, discretion = _counts(room_for, room_against, room_abstain, discretion_for,
                               discretion_against, discretion_abstain)
    meeting, item = _locked_item(item)
    check_not_cancelled(meeting)
    if item.votes.exists():
        raise BoardError("This resolution has already been voted on; its decision is in "
                         "the register. A wrong entry is corrected with “Correct this "
                         "result”.")
    plan = plan_vote(item, room=room, discretion=discretion, method=method,
                     casting_vote=casting_vote, today=today)
    if expected is not None and expected != plan.fingerprint:
        raise VoteFiguresChanged(plan)
    vote = _write_vote(actor, plan)
    audit.record(meeting.society, actor, "board.resolution_voted", vote, {
        "meeting": str(meeting.public_id), "resolution": str(item.resolution.public_id),
        "decision": vote.decision.number, **_figures(plan),
        "quorum": {"present": plan.quorum.present, "required": plan.quorum.required},
    })
    return vote


def check_correction(vote: MeetingVote, plan: VotePlan) -> None:
    """BoardError if `plan` cannot correct `vote`: corrected already, minutes approved, or
    the same figures again."""
    refused = correction_refused(vote)
    if refused:
        raise BoardError(refused)
    if plan.same_figures_as(vote):
        raise BoardError(f"These are the figures of decision {vote.decision.number} already: "
                         "there is nothing to correct.")


@transaction.atomic
def correct_meeting_vote(*, actor, vote: MeetingVote, reason: str, room_for: int,
                         room_against: int, room_abstain: int = 0, discretion_for: int = 0,
                         discretion_against: int = 0, discretion_abstain: int = 0,
                         method: str = VoteMethod.SHOW_OF_HANDS,
                         casting_vote: str | None = None, today: date | None = None,
                         expected: str | None = None) -> MeetingVote:
    """Correct a vote entered wrongly: never by an edit. Two new entries go in the register —
    one reversing the wrong decision (with the chair's reason) and the corrected result —
    and a new vote names the one it corrects and becomes the vote in force (its figures the
    contest's tallies). The corrected figures are checked as a first entry is."""
    reason = reason.strip()
    if not reason:
        raise BoardError("Give the chair's reason for the correction.")
    room, discretion = _counts(room_for, room_against, room_abstain, discretion_for,
                               discretion_against, discretion_abstain)
    meeting, item = _locked_item(vote.agenda_item)
    vote = MeetingVote.objects.select_for_update(of=("self",)).select_related(
        "decision").get(pk=vote.pk, agenda_item=item)
    plan = plan_vote(item, room=room, discretion=discretion, method=method,
                     casting_vote=casting_vote, today=today)
    check_correction(vote, plan)
    if expected is not None and expected != plan.fingerprint:
        raise VoteFiguresChanged(plan)
    wrong = vote.decision
    reversal = enter_decision(
        actor, meeting.society, meeting=meeting, meeting_label=str(meeting),
        decided_on=today or timezone.localdate(), corrects=wrong, outcome=Outcome.REVERSED,
        text=(f"Decision {wrong.number} is reversed: it was entered in error (for "
              f"{wrong.votes_for}, against {wrong.votes_against}, abstentions "
              f"{wrong.abstentions}; {wrong.get_outcome_display().lower()}). The chair's "
              f"reason: {reason}"))
    corrected = _write_vote(actor, plan, corrects=vote, reversal=reversal,
                            correction_reason=reason)
    audit.record(meeting.society, actor, "board.resolution_vote_corrected", corrected, {
        "meeting": str(meeting.public_id), "resolution": str(item.resolution.public_id),
        "reason": reason, "reversed": wrong.number, "reversal": reversal.number,
        "decision": corrected.decision.number,
        "before": {"online": {"for": vote.online_for, "against": vote.online_against,
                              "abstain": vote.online_abstain},
                   "proxy": {"for": vote.proxy_for, "against": vote.proxy_against,
                             "abstain": vote.proxy_abstain},
                   "room": {"for": vote.room_for, "against": vote.room_against,
                            "abstain": vote.room_abstain},
                   "method": vote.method, "passed": wrong.outcome == Outcome.CARRIED},
        "after": _figures(plan),
    })
    return corrected
