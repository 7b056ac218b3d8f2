"""The audit actions the boards app writes (registry: societies.audit)."""

from societies.audit import register

register("boards", prefixes=["board"], actions={
    "board.body_defined": "A board or committee was defined",
    "board.seat_category_defined": "A category of seats on a body was defined",
    "board.term_started": "A person's term on a body started",
    "board.term_ended": "A person's term on a body ended",
    "board.terms_started_from_result": "Terms started for the people an election elected",
    "board.co_option_ratified": "A co-opted person's term was ratified",
    "board.co_option_not_ratified": "A co-option was not ratified and its term ended",
    "board.officer_appointed": "An officer of the society was appointed",
    "board.officer_left": "An officer left office",
    "board.interest_declared": "A board member declared an interest",
    "board.decision_recorded": "A decision was entered in the decision register",
    "board.meeting_scheduled": "A meeting was scheduled",
    "board.meeting_cancelled": "A meeting was cancelled",
    "board.meeting_postponed": "A meeting was postponed",
    "board.meeting_adjourned": "A meeting was adjourned",
    "board.meeting_edited": "A meeting's details were changed",
    "board.meeting_rules_set": "The society's rules for meetings (quorum, notice) were set",
    "board.agenda_item_added": "An item was added to a meeting's agenda",
    "board.notice_served": "Notice of a meeting was served on the members",
    "board.proxy_appointed": "A member appointed a proxy for a general meeting",
    "board.proxy_revoked": "A member revoked their proxy",
    "board.attendance_recorded": "One person's attendance at a meeting was recorded",
    "board.attendance_recorded_many": "The attendance of several people was recorded at once",
    "board.resolution_voted": "The vote on a resolution at a meeting was recorded",
    "board.resolution_vote_corrected": "A recorded vote on a resolution was corrected",
    "board.minutes_drafted": "The minutes of a meeting were drafted from its record",
    "board.minutes_edited": "Draft minutes were edited",
    "board.minutes_approved": "The minutes of a meeting were approved",
})
