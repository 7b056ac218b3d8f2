"""The audit actions the ballots app writes (registry: societies.audit)."""

from societies.audit import register

register("ballots", prefixes=["election", "contest", "resolution", "candidate", "ballot"],
         actions={
    "election.created": "An election was created",
    "contest.created": "A contest (an election for seats) was added to an election",
    "contest.changed": "A contest was corrected before its poll opened (fields old and new)",
    "contest.cancelled": "A contest was cancelled",
    "contest.seat_category_linked": "A contest was linked to the seats it fills",
    "contest.candidates_reordered": "The order of a contest's candidates was changed",
    "contest.close_extended": "A poll's closing time was put back",
    "contest.box_set_up": "A contest was given a ballot box",
    "contest.opening_queued": "An officer asked for a poll to open now",
    "contest.opened": "A poll opened with its frozen roll",
    "contest.reminded": "Voters who had not voted were reminded",
    "contest.reminder_added": "A reminder was scheduled for a poll",
    "contest.reminder_removed": "A scheduled reminder was removed",
    "contest.reminder_sent": "A scheduled reminder was sent",
    "contest.closed": "A poll closed (votes by channel)",
    "contest.declared_unopposed": "Candidates were declared elected unopposed",
    "contest.counted": "The votes were counted",
    "contest.count_stopped": "A count stopped for a lot to be drawn",
    "contest.count_failed": "A count failed",
    "contest.lot_seed_recorded": "The seed for drawing lots was recorded",
    "contest.signed_off": "The returning officer signed off the result",
    "contest.cosigned": "A scrutineer co-signed the result",
    "contest.published": "The result was published",
    "resolution.proposed": "A resolution was put to the members",
    "resolution.changed": "A resolution was corrected before its poll opened",
    "resolution.cancelled": "A resolution was withdrawn",
    "candidate.nominated": "A member was nominated as a candidate",
    "candidate.nominated_on_paper": "A nomination made on paper was entered",
    "candidate.consented": "A candidate consented to stand",
    "candidate.consented_on_paper": "A candidate's consent given on paper was entered",
    "candidate.statement_changed": "A candidate changed their statement",
    "candidate.withdrawn": "A candidate was withdrawn",
    "ballot.struck_off": "A member was struck off the roll for a paper ballot",
    "ballot.paper_batch_entered": "A batch of paper ballots was entered for the count",
    "ballot.paper_returned": "A returned ballot paper was recorded by its code",
    "ballot.paper_tendered": "A paper whose code was already used was recorded (not counted)",
    "ballot.paper_checked": "A paper set apart was checked and accepted or rejected",
    "ballot.paper_issued": "A ballot paper was issued in person",
}, exceptions={
    "ballot.paper_late": (
        "A paper returned late was recorded (not counted)",
        "it names the paper's state rather than the act; stored entries cannot be renamed"),
    "ballot.paper_to_check": (
        "A ballot paper was set apart to be checked",
        "it names the state the paper was put in rather than the act; stored entries cannot "
        "be renamed"),
}, retired={
    "ballot.cast": "A vote was cast (votes write no entry now; the close counts them)",
})
