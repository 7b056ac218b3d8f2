"""Every change to elections, contests, rolls and ballots (DESIGN §6; docs/elections.md).

Each service runs in one transaction and writes exactly one audit entry, but for casting a
ballot, which writes none: the close records how many voted, by channel. No audit entry, log
line, message, task argument or cache entry ever holds a ballot's choices or its receipt.

The services live in one module per concern, and this package names them all, so callers
write `services.cast_ballot(...)`:

- `elections`: elections, contests and resolutions set up; `changes`: corrections before the
  poll opens, cancelling, extending an open poll;
- `voting`: opening voting (with the roll), the reminder before the close, closing voting;
- `nominations`: nominations and consents, online and on paper, withdrawals, unopposed;
- `casting`: ballots cast online and paper ballots entered;
- `counting`: the count, a failed count, a lot; `publishing`: sign-off, co-signature,
  publishing the result; `meeting_votes`: a resolution's votes at its meeting;
- `reminders`: scheduled reminders to those who have not voted;
- `common`: the error, the contest's checks and row lock, dates in words, the roll's notices.

What is only read is apart: `reads` (eligibility, the roll, what is open or due, turnout,
sign-offs) and `results` (the ballots grouped, the published lists, the computed result, a
resolution's advance votes and outcome).
"""

from ballots.services.casting import (
    canonical_choices,
    cast_ballot,
    claim_for_paper,
    enter_paper_ballots,
    strike_off_paper,
)
from ballots.services.changes import (
    ELECTORATE_FIELDS,
    cancel_contest,
    change_contest,
    check_changeable,
    extend_voting,
    reorder_candidates,
)
from ballots.services.common import (
    REMINDER_BEFORE,
    ROLL_CHUNK,
    ROLL_NOTICE_TITLES,
    BallotError,
    counted,
)
from ballots.services.counting import RESULT_FIELDS, count_contest, note_count_failure, resolve_lot
from ballots.services.elections import (
    CONTEST_FIELDS,
    create_contest,
    create_election,
    link_seat_category,
    propose_resolution,
    put_application_to_vote,
)
from ballots.services.meeting_votes import record_meeting_votes
from ballots.services.nominations import (
    CONSENT_SCAN_MAX_BYTES,
    NOMINATED_KIND,
    SCAN_KINDS,
    consent_to_stand,
    declare_unopposed,
    nominate,
    nominee_message,
    record_paper_consent,
    record_paper_nomination,
    scan_kind,
    withdraw_candidate,
)
from ballots.services.publishing import cosign_result, publish_result, sign_off
from ballots.services.reads import (
    StandingCandidate,
    agenda_meeting,
    ballot_candidates,
    due_contests,
    eligible_members,
    has_certificate,
    is_eligible,
    nominations_are_open,
    on_an_agenda,
    opening_refusal,
    roll_fingerprint,
    roll_members,
    signed_off_by,
    standing_after_nominations,
    turnout,
    voting_is_open,
)
from ballots.services.reminders import (
    DEFAULT_REMINDER_DAYS,
    add_reminder,
    due_scheduled_reminders,
    reminder_refusal,
    remove_reminder,
    schedule_default_reminders,
    send_scheduled_reminder,
)
from ballots.services.results import (
    ADVANCE_VOTING_DONE,
    BLANK_BALLOT,
    LOT_CHECK_WORK,
    RECEIPT_SHAPE,
    advance_votes,
    ballot_line,
    ballot_list,
    ballot_set_hash,
    code_counted,
    compute_result,
    decided_at_meeting,
    engine_candidates,
    engine_election,
    grouped_ballots,
    lot_check_limit,
    normal_code,
    receipt_codes,
    receipt_list,
    resolution_outcome,
    sorted_ballots,
)
from ballots.services.voting import close_voting, open_voting, queue_opening, send_reminders

__all__ = [
    "ADVANCE_VOTING_DONE",
    "BLANK_BALLOT",
    "BallotError",
    "CONSENT_SCAN_MAX_BYTES",
    "CONTEST_FIELDS",
    "DEFAULT_REMINDER_DAYS",
    "ELECTORATE_FIELDS",
    "LOT_CHECK_WORK",
    "NOMINATED_KIND",
    "RECEIPT_SHAPE",
    "REMINDER_BEFORE",
    "RESULT_FIELDS",
    "ROLL_CHUNK",
    "ROLL_NOTICE_TITLES",
    "SCAN_KINDS",
    "StandingCandidate",
    "add_reminder",
    "advance_votes",
    "agenda_meeting",
    "ballot_candidates",
    "ballot_line",
    "ballot_list",
    "ballot_set_hash",
    "cancel_contest",
    "canonical_choices",
    "cast_ballot",
    "change_contest",
    "check_changeable",
    "claim_for_paper",
    "close_voting",
    "code_counted",
    "compute_result",
    "consent_to_stand",
    "cosign_result",
    "count_contest",
    "counted",
    "create_contest",
    "create_election",
    "decided_at_meeting",
    "declare_unopposed",
    "due_contests",
    "due_scheduled_reminders",
    "eligible_members",
    "roll_members",
    "engine_candidates",
    "engine_election",
    "enter_paper_ballots",
    "extend_voting",
    "grouped_ballots",
    "has_certificate",
    "is_eligible",
    "link_seat_category",
    "lot_check_limit",
    "nominate",
    "nominations_are_open",
    "nominee_message",
    "normal_code",
    "note_count_failure",
    "on_an_agenda",
    "open_voting",
    "opening_refusal",
    "propose_resolution",
    "publish_result",
    "put_application_to_vote",
    "queue_opening",
    "receipt_codes",
    "receipt_list",
    "record_meeting_votes",
    "record_paper_consent",
    "record_paper_nomination",
    "reminder_refusal",
    "remove_reminder",
    "reorder_candidates",
    "resolution_outcome",
    "resolve_lot",
    "roll_fingerprint",
    "scan_kind",
    "schedule_default_reminders",
    "send_reminders",
    "send_scheduled_reminder",
    "sign_off",
    "signed_off_by",
    "sorted_ballots",
    "standing_after_nominations",
    "strike_off_paper",
    "turnout",
    "voting_is_open",
    "withdraw_candidate",
]
