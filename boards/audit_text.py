"""The boards app's audit entries as sentences (societies.audit_text)."""

from boards.models import AttendanceMode, BodyKind, FilledBy, MeetingKind, Outcome
from societies.audit_text import describes, phrases, plural, readable

phrases({
    "board.term_ended": "{actor} recorded a term ending on {date[ended_on]}: {target}",
    "board.co_option_ratified": "{actor} recorded the members ratifying a co-option on "
                                "{date[ratified_on]}: {target}",
    "board.co_option_not_ratified": "{actor} recorded that the members did not ratify a "
                                    "co-option on {date[decided_on]}: {target}",
    "board.officer_appointed": "{actor} recorded an appointment as {data[office]} from "
                               "{date[taken_up_on]}: {target}",
    "board.officer_left": "{actor} recorded {target} leaving office on {date[left_on]}",
    "board.interest_declared": "{actor} recorded a declaration of interest by {data[holder]} "
                               "on {date[declared_on]}",
    "board.agenda_item_added": "{actor} added item {target} to a meeting's agenda",
    "board.proxy_revoked": "{actor} revoked a proxy appointment ({target}): {data[reason]}",
})


def _choice(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@describes("board.body_defined")
def _body_defined(e):
    return f"{e.actor} set up the {_choice(BodyKind, e.data['kind']).lower()} {e.data['name']}"


@describes("board.seat_category_defined")
def _seats_defined(e):
    filled = _choice(FilledBy, e.data["filled_by"]).lower()
    return (f"{e.actor} defined {plural(e.data['seats'], 'seat')} on {e.data['body']}: "
            f"{e.data['name']} ({filled})")


@describes("board.term_started")
def _term_started(e):
    due = e.data.get("due_to_end_on")
    return (f"{e.actor} recorded a term starting on {e.date('started_on')}: {e.target}"
            + (f", due to end on {readable(due)}" if due else ""))


@describes("board.terms_started_from_result")
def _terms_from_result(e):
    return (f"{e.actor} started the terms of {plural(len(e.data['started']), 'winner')} of "
            f"‘{e.target}’ on {e.data['seat_category']} from {e.date('started_on')}")


@describes("board.decision_recorded")
def _decision_recorded(e):
    outcome = _choice(Outcome, e.data["outcome"]).lower()
    votes = ""
    if e.data.get("for") or e.data.get("against") or e.data.get("abstain"):
        votes = (f" ({e.data['for']} for, {e.data['against']} against, "
                 f"{e.data['abstain']} abstaining)")
    corrects = e.data.get("corrects")
    correcting = f", correcting decision {corrects}" if corrects else ""
    return f"{e.actor} recorded decision {e.data['number']}: {outcome}{votes}{correcting}"


@describes("board.meeting_scheduled")
def _meeting_scheduled(e):
    kind = _choice(MeetingKind, e.data["kind"]).lower()
    notice = e.data.get("notice_served_by")
    by = f"; notice to be served by {readable(notice)}" if notice else ""
    return f"{e.actor} scheduled a meeting: {kind} on {e.date('held_on')}{by}"


@describes("board.notice_served")
def _notice_served(e):
    again = "" if e.data.get("first") else " again"
    return (f"{e.actor} served notice{again} of the {_lower_first(e.target)} on "
            f"{e.date('served_on')} ({plural(e.data['messages'], 'message')})")


@describes("board.proxy_appointed")
def _proxy_appointed(e):
    appointer, _arrow, holder = e.target.partition(" → ")  # "Ann Lee (no. 4) → the chair"
    if not holder:
        appointer, holder = f"member {e.data['appointer']}", f"member {e.data['holder']}"
    if holder.startswith("The "):
        holder = _lower_first(holder)
    paper = " on paper" if e.data.get("on_paper") else ""
    return f"{e.actor} recorded {appointer} appointing {holder} as proxy{paper}"


@describes("board.attendance_recorded")
def _attendance_recorded(e):
    who = e.target.partition(": ")[0] or f"member {e.data['member']}"
    mode = _choice(AttendanceMode, e.data["mode"]).lower()
    return f"{e.actor} recorded {who} at a meeting: {mode}"


@describes("board.attendance_recorded_many")
def _attendance_recorded_many(e):
    mode = _choice(AttendanceMode, e.data["mode"]).lower()
    return (f"{e.actor} recorded {plural(len(e.data['members']), 'member')} at the "
            f"{_lower_first(e.target)}: {mode}")


@describes("board.resolution_voted", "board.resolution_vote_corrected")
def _resolution_voted(e):
    item = e.target.removeprefix("Vote on ")
    if e.action == "board.resolution_vote_corrected":
        return (f"{e.actor} corrected the vote on {item}: decision {e.data['reversed']} is "
                f"reversed by decision {e.data['reversal']}, and decision {e.data['decision']} "
                f"records it again ({e.data['reason']})")
    passed = e.data.get("passed")
    outcome = "" if passed is None else (": carried" if passed else ": not carried")
    return f"{e.actor} recorded the vote on {item}{outcome} (decision {e.data['decision']})"


_MINUTES = {"board.minutes_drafted": "drafted", "board.minutes_edited": "edited the draft of",
            "board.minutes_approved": "recorded as approved"}


@describes(*_MINUTES)
def _minutes(e):
    decision = e.data.get("decision")
    return (f"{e.actor} {_MINUTES[e.action]} the {_lower_first(e.target)}"
            + (f" (decision {decision})" if decision else ""))


@describes("board.meeting_rules_set")
def _meeting_rules_set(e):
    counted = "counted" if e.data["quorum_counts_proxies"] == "True" else "not counted"
    return (f"{e.actor} set the rules for general meetings: a quorum of "
            f"{e.data['quorum_minimum_members']} members or {e.data['quorum_percent']}%, "
            f"proxies {counted}")


_CHANGES = {"board.meeting_cancelled": "cancelled", "board.meeting_postponed": "postponed",
            "board.meeting_adjourned": "adjourned",
            "board.meeting_edited": "changed the details of"}


@describes(*_CHANGES)
def _meeting_changed(e):
    reason = e.data.get("reason")
    return (f"{e.actor} {_CHANGES[e.action]} the {_lower_first(e.target)}"
            + (f": {reason}" if reason else ""))
