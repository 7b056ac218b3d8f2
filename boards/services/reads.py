"""What the meeting pages, the letters and the services read: when a meeting starts, the proxy
deadline, the notice's contents, live proxies, the quorum, the votes cast in advance and by
proxy, why there is no vote yet or no correction, and a first draft of the minutes. No writes
here."""

from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from ballots.models import Contest, ContestState, ResolutionKind
from boards import rules
from boards.models import (
    AgendaItem,
    AgendaItemKind,
    AttendanceMode,
    Meeting,
    MeetingVote,
    Minutes,
    ProxyInstruction,
    ProxyVoteInstruction,
)
from boards.services.common import BoardError


def meeting_starts_at(meeting: Meeting) -> datetime:
    """When the meeting starts, as an aware datetime (midnight if no time was given)."""
    return timezone.make_aware(datetime.combine(meeting.held_on, meeting.start_time or time()),
                               ZoneInfo(settings.TIME_ZONE))


def proxy_deadline(meeting: Meeting) -> datetime:
    return meeting_starts_at(meeting) - timedelta(hours=meeting.society.proxy_deadline_hours)


def resolution_items(meeting: Meeting):
    return (meeting.agenda_items.filter(kind=AgendaItemKind.RESOLUTION)
            .select_related("resolution").order_by("position"))


def notice_context(meeting: Meeting) -> dict:
    """What the notice of a general meeting says: agenda, resolutions with their kind,
    candidates' statements of any election on the agenda, and the proxy form."""
    items = []
    for item in meeting.agenda_items.select_related("resolution", "election").order_by(
            "position"):
        entry = {"position": item.position, "title": item.title,
                 "kind": item.get_kind_display(), "description": item.description}
        if item.resolution_id:
            contest = item.resolution
            entry["resolution"] = {
                "text": contest.resolution_text, "note": contest.explanatory_note,
                "kind": "Special resolution"
                if contest.resolution_kind == ResolutionKind.SPECIAL else "Ordinary resolution",
                "threshold": (f"{contest.fraction_numerator}/{contest.fraction_denominator} "
                              "of the votes cast"
                              if contest.resolution_kind == ResolutionKind.SPECIAL
                              else "a simple majority of the votes cast"),
            }
        if item.election_id:
            entry["candidates"] = [
                {"contest": contest.title, "name": c.name, "statement": c.statement}
                for contest in item.election.contests.order_by("title")
                for c in contest.standing().select_related("member")
            ]
        items.append(entry)
    starts = meeting_starts_at(meeting)
    return {
        "meeting": str(meeting), "kind": meeting.get_kind_display(),
        "held_on": meeting.held_on.strftime("%A %d %B %Y"),
        "start_time": meeting.start_time.strftime("%H:%M") if meeting.start_time else "",
        "place": meeting.place, "online_link": meeting.online_link, "items": items,
        "proxy_path": reverse("boards:proxy", kwargs={"society_slug": meeting.society.slug,
                                                      "public_id": meeting.public_id}),
        "meeting_path": reverse("boards:meeting", kwargs={
            "society_slug": meeting.society.slug, "public_id": meeting.public_id}),
        "proxy_deadline": (starts - timedelta(hours=meeting.society.proxy_deadline_hours))
        .strftime("%H:%M on %A %d %B %Y"),
    }


def live_proxies(meeting: Meeting):
    """Live appointments whose holder can vote them: the chair, or a holder who is present."""
    present = meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).values("member_id")
    return meeting.proxy_appointments.filter(revoked_at__isnull=True).filter(
        Q(holder__isnull=True) | Q(holder__in=present))


def roll_size(meeting: Meeting) -> int:
    from members.models import Member

    return Member.objects.filter(society=meeting.society).active_on(meeting.held_on).count()


def meeting_quorum(meeting: Meeting) -> rules.QuorumResult:
    society = meeting.society
    return rules.check_quorum(
        roll_size=roll_size(meeting),
        in_person=meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).count(),
        proxies=live_proxies(meeting).count(),
        minimum_members=society.quorum_minimum_members,
        percent=Fraction(society.quorum_percent), count_proxies=society.quorum_counts_proxies)


def advance_votes(contest: Contest) -> dict:
    """The contest's online and paper ballots, once advance voting has closed, as the ballot
    box counts them (`ballots.services.advance_votes`)."""
    from ballots.services import BallotError
    from ballots.services import advance_votes as counted_in_advance

    try:
        return counted_in_advance(contest)
    except BallotError as error:
        raise BoardError(str(error)) from None


def _voted_in_advance(item: AgendaItem):
    return item.resolution.roll.filter(voted_on__isnull=False).values("member_id")


def instructed_proxy_votes(item: AgendaItem) -> dict:
    """Proxy votes on one resolution from the instructions of live appointments whose holder
    can vote; a member who already voted in advance on it is not counted again."""
    counts = {value: 0 for value in ProxyInstruction.values}
    rows = (ProxyVoteInstruction.objects.filter(
        agenda_item=item, appointment__in=live_proxies(item.meeting))
        .exclude(appointment__appointer__in=_voted_in_advance(item))
        .values("instruction").annotate(n=Count("id")))
    for row in rows:
        counts[row["instruction"]] = row["n"]
    return counts


def voters_at_meeting(item: AgendaItem, instructed: dict | None = None
                      ) -> rules.VotersAtMeeting:
    """Who can still vote on the resolution at the meeting: members present and members of
    the society on its day, less those who voted on it in advance; and the proxies held."""
    from members.models import active_on_q

    meeting = item.meeting
    present = meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).filter(
        active_on_q(meeting.held_on, "member__"))
    voted = present.filter(member__in=_voted_in_advance(item)).count()
    instructed = instructed if instructed is not None else instructed_proxy_votes(item)
    return rules.VotersAtMeeting(
        present=present.count() - voted, voted_in_advance=voted,
        discretionary_proxies=instructed[ProxyInstruction.DISCRETION],
        instructed_proxies=sum(n for key, n in instructed.items()
                               if key != ProxyInstruction.DISCRETION))


def why_no_vote_yet(meeting: Meeting, today: date | None = None) -> str | None:
    """Why the meeting cannot take a vote now (None once it is under way)."""
    return rules.meeting_not_started(
        held_on=meeting.held_on, today=today or timezone.localdate(),
        attendance_taken=meeting.attendance.exists(), cancelled=meeting.is_cancelled)


def correction_refused(vote: MeetingVote) -> str | None:
    """Why this vote's result cannot be corrected here (None when it can)."""
    if MeetingVote.objects.filter(corrects=vote).exists():
        return "This result was already corrected: correct the result now in force."
    contest = vote.agenda_item.resolution
    if contest.state == ContestState.PUBLISHED:
        return (f"The result on “{contest.title}” was published to the members on "
                f"{timezone.localtime(contest.published_at):%d %B %Y}: a correction now is "
                "a decision of a later meeting, recorded in the decision register naming "
                "this one.")
    minutes = Minutes.objects.filter(meeting_id=vote.agenda_item.meeting_id).first()
    if minutes is not None and minutes.approved_on is not None:
        return (f"The minutes of this meeting were approved as a correct record on "
                f"{minutes.approved_on:%d %B %Y}: a correction now is a decision of a later "
                "meeting, recorded in the decision register naming this one.")
    return None


def with_current_votes(items):
    """Agenda items with the vote in force on each loaded in one query (`item.current_vote`)."""
    return items.prefetch_related(Prefetch(
        "votes", to_attr="current_votes",
        queryset=MeetingVote.objects.filter(correction__isnull=True).select_related(
            "decision", "corrects__decision", "reversal", "recorded_by")))


def minutes_from_record(meeting: Meeting) -> str:
    """A first draft of the minutes from what the meeting recorded."""
    lines = [f"Minutes of the {meeting}", ""]
    if meeting.place:
        lines.append(f"Held at: {' '.join(meeting.place.split())}")
    if meeting.chair_name:
        lines.append(f"In the chair: {meeting.chair_name}")
    attendance = list(meeting.attendance.select_related("member").order_by(
        "member__full_name"))
    present = [a for a in attendance if a.mode != AttendanceMode.APOLOGIES]
    apologies = [a for a in attendance if a.mode == AttendanceMode.APOLOGIES]
    lines += ["", f"Present ({len(present)}):"]
    lines += [f"- {a.member.full_name}" + (" (online)" if a.mode == AttendanceMode.ONLINE
                                          else "") for a in present] or ["- none recorded"]
    lines += ["", f"Apologies ({len(apologies)}):"]
    lines += [f"- {a.member.full_name}" for a in apologies] or ["- none"]
    if meeting.is_general:
        proxies = list(live_proxies(meeting).select_related("appointer", "holder"))
        lines += ["", f"Proxies held ({len(proxies)}):"]
        lines += [f"- {p.appointer.full_name}, held by "
                  f"{p.holder.full_name if p.holder_id else 'the chair of the meeting'}"
                  for p in proxies] or ["- none"]
        quorum = meeting_quorum(meeting)
        lines += ["", f"Quorum: {quorum.explanation}"]
    lines += ["", "Business:"]
    for item in with_current_votes(meeting.agenda_items.order_by("position")):
        lines.append(f"{item.position}. {item.title} ({item.get_kind_display()})")
        if item.description:
            lines.append(f"   {item.description}")
        vote = item.current_vote
        if vote is not None:
            d = vote.decision
            lines.append(
                f"   Decision {d.number}: {d.get_outcome_display()}. For {d.votes_for}, "
                f"against {d.votes_against}, abstentions {d.abstentions} (in advance "
                f"{vote.online_for}/{vote.online_against}/{vote.online_abstain}, by proxy "
                f"{vote.proxy_for}/{vote.proxy_against}/{vote.proxy_abstain}, in the meeting "
                f"{vote.room_for}/{vote.room_against}/{vote.room_abstain}). "
                f"{vote.explanation}")
            if vote.is_correction:
                lines.append(
                    f"   This corrects decision {vote.corrects.decision.number}, entered in "
                    f"error and reversed by decision {vote.reversal.number}. The chair's "
                    f"reason: {vote.correction_reason}")
    others = meeting.decisions.filter(vote__isnull=True, reversing_vote__isnull=True
                                      ).order_by("number")
    if others.exists():
        lines += ["", "Other decisions:"]
        lines += [f"- Decision {d.number}: {d.text} — {d.get_outcome_display()}"
                  for d in others]
    return "\n".join(lines) + "\n"
