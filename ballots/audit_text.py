"""The ballots app's audit entries as sentences (societies.audit_text). No entry holds a
choice, so no sentence can show one; none is written per online vote (the close says how many
voted, by channel)."""

from ballots.models import METHOD_CHOICES
from societies.audit_text import describes, phrases, plural

_METHODS = dict(METHOD_CHOICES)

phrases({
    "election.created": "{actor} created the election ‘{data[title]}’",
    "candidate.nominated": "{actor} nominated {target} (member {data[candidate]}) in a contest, "
                           "proposed by member {data[proposer]} and seconded by member "
                           "{data[seconder]}",
    "candidate.consented": "{target} agreed to stand (recorded by {actor})",
    "candidate.statement_changed": "{actor} changed the candidate statement of {target}",
    "candidate.withdrawn": "{target} withdrew as a candidate (recorded by {actor})",
    # Written for each online vote until votes were counted only at the close; older
    # databases still hold such entries.
    "ballot.cast": "{actor} voted online in ‘{target}’ (member {data[member]})",
    "ballot.struck_off": "{actor} struck member {data[member]} off the roll of ‘{target}’ for a "
                         "paper ballot",
    "contest.count_stopped": "The count of ‘{target}’ stopped: {data[reason]}",
    "contest.signed_off": "{actor} signed off the result of ‘{target}’ as {data[name]}, on "
                          "{date[on]}",
    "contest.cosigned": "{actor} co-signed the result of ‘{target}’ as scrutineer, as "
                        "{data[name]}, on {date[on]}",
    # Issue 14's corrections before a poll opens, paper nominations and lots.
    "contest.changed": "{actor} changed ‘{target}’ before voting opened: {changes}",
    "resolution.changed": "{actor} changed the resolution ‘{target}’ before voting opened: "
                          "{changes}",
    "contest.candidates_reordered": "{actor} changed the order of the names on the ballot "
                                    "paper of ‘{target}’",
    "contest.cancelled": "{actor} cancelled ‘{target}’: {data[reason]}",
    "resolution.cancelled": "{actor} cancelled the resolution ‘{target}’: {data[reason]}",
    "contest.close_extended": "{actor} extended voting in ‘{target}’: {changes}",
    "candidate.nominated_on_paper": "{actor} entered a paper nomination of {target} (member "
                                    "{data[candidate]}), received on {date[received_on]}",
    "candidate.consented_on_paper": "{actor} recorded the signed consent of {target} to stand, "
                                    "signed on {date[signed_on]}",
    "contest.opening_queued": "{actor} asked for voting in ‘{target}’ to open now",
    "contest.count_failed": "The count of ‘{target}’ failed: {data[reason]}",
    "contest.lot_seed_recorded": "{actor} recorded the seed of the lot in ‘{target}’: "
                                 "{data[seed]}",
    # Returned papers (ballots/returns.py): who, never what they chose.
    "ballot.paper_returned": "{actor} received the returned paper of member {data[member]} in "
                             "‘{target}’, marking them as voting on paper",
    "ballot.paper_tendered": "{actor} recorded a tendered paper of member {data[member]} in "
                             "‘{target}’: their code had already been used ({data[used]}); "
                             "not counted",
    "ballot.paper_late": "{actor} recorded a paper returned late in ‘{target}’ on {date[on]}; "
                         "not counted",
    "ballot.paper_to_check": "{actor} put a returned paper of ‘{target}’ on the pile to check: "
                             "{data[reason]}",
    "ballot.paper_issued": "{actor} issued a ballot paper in person to member {data[member]} "
                           "in ‘{target}’",
})


@describes("ballot.paper_checked")
def _paper_checked(e):
    if e.data["decision"] == "accepted":
        return (f"{e.actor} accepted a paper to check in ‘{e.target}’ as member "
                f"{e.data['member']}'s: {e.data['note']}")
    return f"{e.actor} rejected a paper to check in ‘{e.target}’: {e.data['note']}"


@describes("contest.created")
def _contest_created(e):
    method = _METHODS.get(e.data["method"], e.data["method"])
    return (f"{e.actor} created the contest ‘{e.target}’ for {plural(e.data['seats'], 'seat')} "
            f"({method}), voting from {e.date('voting_opens')} to {e.date('voting_closes')}")


@describes("resolution.proposed")
def _resolution_proposed(e):
    if e.data.get("application"):
        return (f"{e.actor} put application {e.data['application']} to a vote of the members: "
                f"‘{e.target}’")
    return f"{e.actor} proposed the resolution ‘{e.target}’"


@describes("contest.box_set_up")
def _box_set_up(e):
    trustees = ", ".join(e.data["trustees"])
    text = (f"{e.actor} set up the ballot box of ‘{e.target}’: trustees {trustees}, any "
            f"{e.data['threshold']} of whom can decrypt")
    if e.data["on_server"] >= e.data["threshold"]:
        text += (f"; {e.data['on_server']} keep their key on the server, so the server alone "
                 "could decrypt (accepted by the officer)")
    return text


@describes("contest.seat_category_linked")
def _seats_linked(e):
    seats = e.data["seat_category"]
    return (f"{e.actor} recorded that ‘{e.target}’ fills "
            + (f"the board seats {seats}" if seats else "no board seats"))


@describes("contest.opened", "contest.reminded", "contest.closed")
def _poll(e):
    if e.action == "contest.opened":
        return (f"{e.actor} opened voting in ‘{e.target}’ with "
                f"{plural(e.data['roll_size'], 'member')} on the roll")
    if e.action == "contest.reminded":
        return (f"{e.actor} reminded {plural(e.data['reminded'], 'member')} who had not yet "
                f"voted in ‘{e.target}’")
    channels = ""
    if "online" in e.data:  # entries written before the close counted each channel lack it
        channels = f" ({e.data['online']} online, {e.data['paper']} on paper)"
    return (f"{e.actor} closed voting in ‘{e.target}’: {e.data['voted']} of "
            f"{e.data['roll_size']} on the roll voted{channels}")


@describes("contest.declared_unopposed")
def _unopposed(e):
    elected = ", ".join(e.data["elected"]) or "no one"
    return f"{e.actor} declared ‘{e.target}’ elected unopposed: {elected}"


@describes("ballot.paper_batch_entered", "contest.counted")
def _ballots(e):
    if e.action == "contest.counted":
        return f"{e.actor} counted {plural(e.data['ballots'], 'ballot')} in ‘{e.target}’"
    spoilt = int(e.data.get("spoilt") or 0)
    spoilt = f" and {plural(spoilt, 'spoilt paper')}" if spoilt else ""
    return (f"{e.actor} entered a batch of {plural(e.data['ballots'], 'paper ballot')}"
            f"{spoilt}: {e.target}")


@describes("contest.published")
def _published(e):
    decided = {"admitted": ", admitting the applicant",
               "declined": ", declining the applicant"}.get(e.data.get("application") or "", "")
    return (f"{e.actor} published the result of ‘{e.target}’ "
            f"({plural(e.data['ballots'], 'ballot')}){decided}")


@describes("contest.reminder_added", "contest.reminder_removed", "contest.reminder_sent")
def _scheduled_reminder(e):
    when = f"{plural(e.data['days_before'], 'day')} before the close"
    if e.action == "contest.reminder_added":
        return f"{e.actor} scheduled a reminder to vote in ‘{e.target}’ {when}"
    if e.action == "contest.reminder_removed":
        return f"{e.actor} removed the reminder to vote in ‘{e.target}’ {when}"
    return (f"{e.actor} sent the reminder {when} to those who had not voted in ‘{e.target}’: "
            f"{plural(e.data['emailed'], 'email')}, {plural(e.data['letters'], 'letter')}, "
            f"{e.data['too_late_for_post']} too late for post")
