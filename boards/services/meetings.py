"""Meetings and their agenda: a meeting scheduled, items and resolutions put on its agenda,
and the society's rules for general meetings (quorum, proxies, the chair's casting vote)."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ballots.models import Contest, ResolutionKind
from ballots.models import Election as BallotElection
from boards import rules
from boards.models import AgendaItem, AgendaItemKind, Meeting, MeetingKind
from boards.services.common import (
    BoardError,
    check_not_cancelled,
    check_same_society,
    iso,
    locked_meeting,
)
from boards.services.reads import meeting_starts_at
from societies import audit
from societies.models import Society


@transaction.atomic
def schedule_meeting(*, actor, society: Society, kind: str, held_on: date, body=None,
                     start_time=None, place: str = "", online_link: str = "",
                     chair_name: str = "", today: date | None = None) -> Meeting:
    """Put a meeting in the calendar. A general meeting must leave time to give the society's
    clear days' notice (neither the day of service nor the meeting day counts)."""
    if kind not in MeetingKind.values:
        raise BoardError(f"Unknown kind of meeting: {kind!r}.")
    if kind == MeetingKind.BOARD and body is None:
        raise BoardError("Say which body is meeting.")
    if kind != MeetingKind.BOARD:
        body = None
        today = today or timezone.localdate()
        served_by = rules.latest_service_date(held_on, society.notice_clear_days)
        if today > served_by:
            raise BoardError(
                f"Too late: {society.notice_clear_days} clear days' notice of a meeting on "
                f"{held_on:%d %B %Y} must be served by {served_by:%d %B %Y}.")
    elif body.society_id != society.pk:
        raise BoardError("That body is not one of this society's.")
    meeting = Meeting.objects.create(society=society, kind=kind, body=body, held_on=held_on,
                                     start_time=start_time, place=place.strip(),
                                     online_link=online_link.strip(),
                                     chair_name=chair_name.strip())
    audit.record(society, actor, "board.meeting_scheduled", meeting, {
        "kind": kind, "held_on": iso(held_on),
        "notice_served_by": iso(meeting.notice_served_by),
    })
    return meeting


@transaction.atomic
def add_agenda_item(*, actor, meeting: Meeting, kind: str, title: str, description: str = "",
                    resolution: Contest | None = None, election=None, proposer: str = "",
                    seconder: str = "", paper=None, paper_text: str = "") -> AgendaItem:
    """Add an item at the end of a meeting's agenda. A resolution item names a `ballots`
    resolution; once notice of a general meeting is served, no resolution may be added (the
    members were not given notice of it)."""
    meeting = locked_meeting(meeting)
    society = meeting.society
    check_same_society(society, resolution, election)
    check_not_cancelled(meeting)
    title = " ".join(title.split())
    if kind not in AgendaItemKind.values:
        raise BoardError(f"Unknown kind of agenda item: {kind!r}.")
    if not title:
        raise BoardError("Give the item a title.")
    if kind == AgendaItemKind.RESOLUTION:
        if not meeting.is_general:
            raise BoardError("Resolutions put to the members belong to general meetings; "
                             "record a board's decisions in the decision register.")
        if resolution is None or not resolution.is_resolution:
            raise BoardError("A resolution item needs the resolution put to the members.")
        if meeting.is_general and meeting.notice_id:
            raise BoardError("Notice of this meeting has been served: a resolution added now "
                             "would not have had notice. Call another meeting for it.")
        if meeting.agenda_items.filter(resolution=resolution).exists():
            raise BoardError("That resolution is already on the agenda.")
    else:
        resolution = None
    if kind != AgendaItemKind.ELECTION:
        election = None
    position = (meeting.agenda_items.aggregate(n=Max("position"))["n"] or 0) + 1
    item = AgendaItem(society=society, meeting=meeting, position=position, kind=kind,
                      title=title, description=description.strip(), resolution=resolution,
                      election=election, proposer=proposer.strip(), seconder=seconder.strip(),
                      paper_text=paper_text.strip())
    if paper:
        item.paper = paper
    item.save()
    audit.record(society, actor, "board.agenda_item_added", item, {
        "meeting": str(meeting.public_id), "position": position, "kind": kind,
        "resolution": str(resolution.public_id) if resolution else None,
    })
    return item


@transaction.atomic
def put_resolution_on_agenda(*, actor, meeting: Meeting, title: str, text: str,
                             explanatory_note: str = "", kind: str = ResolutionKind.ORDINARY,
                             fraction_numerator: int = 3, fraction_denominator: int = 4,
                             voting_opens: datetime, voting_closes: datetime,
                             record_date: date, proposer: str = "", seconder: str = ""
                             ) -> AgendaItem:
    """Create the resolution through `ballots` (its own entry, `resolution.proposed`; advance
    online votes are that contest's ballots) and put it on the agenda
    (`board.agenda_item_added`)."""
    from ballots import services as ballot_services

    society = meeting.society
    if not meeting.is_general:
        raise BoardError("Resolutions put to the members belong to general meetings.")
    if voting_closes > meeting_starts_at(meeting):
        raise BoardError("Advance voting must close by the time the meeting starts.")
    # One election per meeting holds its resolutions.
    election = BallotElection.objects.filter(
        society=society, contests__agenda_items__meeting=meeting).first()
    try:
        if election is None:
            election = ballot_services.create_election(
                actor=actor, society=society, title=f"Resolutions: {meeting}")
        contest = ballot_services.create_contest(actor=actor, election=election, values={
            "title": title, "method": "resolution", "resolution_text": text,
            "explanatory_note": explanatory_note, "resolution_kind": kind,
            "fraction_numerator": fraction_numerator,
            "fraction_denominator": fraction_denominator, "record_date": record_date,
            "voting_opens": voting_opens, "voting_closes": voting_closes,
        })
    except ballot_services.BallotError as error:
        raise BoardError(str(error)) from None
    return add_agenda_item(actor=actor, meeting=meeting, kind=AgendaItemKind.RESOLUTION,
                           title=title, resolution=contest, proposer=proposer,
                           seconder=seconder)


@transaction.atomic
def set_meeting_rules(*, actor, society: Society, quorum_minimum_members: int,
                      quorum_percent, quorum_counts_proxies: bool, proxy_deadline_hours: int,
                      proxy_max_per_holder: int | None, chair_casting_vote: bool) -> Society:
    if not 0 <= quorum_percent <= 100:
        raise BoardError("The quorum percentage must be between 0 and 100.")
    if quorum_minimum_members < 1:
        raise BoardError("A quorum needs at least one member.")
    society = Society.objects.select_for_update(of=("self",)).get(pk=society.pk)
    values = {"quorum_minimum_members": quorum_minimum_members,
              "quorum_percent": quorum_percent, "quorum_counts_proxies": quorum_counts_proxies,
              "proxy_deadline_hours": proxy_deadline_hours,
              "proxy_max_per_holder": proxy_max_per_holder,
              "chair_casting_vote": chair_casting_vote}
    for field, value in values.items():
        setattr(society, field, value)
    society.save(update_fields=list(values))
    audit.record(society, actor, "board.meeting_rules_set", society,
                 {k: str(v) for k, v in values.items()})
    return society
