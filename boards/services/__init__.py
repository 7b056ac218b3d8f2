"""Every change to bodies, seats, terms, officers, interests, decisions and meetings. Each runs
in one transaction and writes exactly one audit entry.

The services live in one module per concern, and this package names them all, so callers
write `services.start_term(...)`:

- `seats`: bodies, seat categories, terms, co-options ratified, declared interests;
- `officers`: the register of officers; `decisions`: the decision register;
- `meetings`: meetings, their agenda and the society's meeting rules; `notice`: serving the
  notice of a general meeting; `proxies`: proxies appointed and revoked;
- `attendance`: who is present; `votes`: votes on resolutions, checked, entered, corrected;
- `minutes`: drafted, edited, approved;
- `common`: the error and the helpers and checks several modules share.

What the pages and the services only read (when a meeting starts, the quorum, the proxies and
advance votes counted, a draft of the minutes) is in `reads`, named here too.
"""

from boards.services.attendance import ID_SLICE, record_attendance, record_attendance_many
from boards.services.common import BoardError
from boards.services.decisions import enter_decision, record_decision
from boards.services.meetings import (
    add_agenda_item,
    put_resolution_on_agenda,
    schedule_meeting,
    set_meeting_rules,
)
from boards.services.minutes import approve_minutes, draft_minutes, edit_minutes
from boards.services.notice import MEETING_NOTICE_KIND, serve_notice
from boards.services.officers import appoint_officer, leave_office
from boards.services.proxies import appoint_proxy, record_paper_proxy, revoke_proxy
from boards.services.reads import (
    advance_votes,
    correction_refused,
    instructed_proxy_votes,
    live_proxies,
    meeting_quorum,
    meeting_starts_at,
    minutes_from_record,
    notice_context,
    proxy_deadline,
    resolution_items,
    roll_size,
    voters_at_meeting,
    why_no_vote_yet,
    with_current_votes,
)
from boards.services.seats import (
    declare_interest,
    define_body,
    define_seat_category,
    end_term,
    locked_co_option_awaiting_agm,
    ratify_co_option,
    start_term,
)
from boards.services.votes import (
    VoteCountError,
    VoteFiguresChanged,
    VotePlan,
    check_correction,
    correct_meeting_vote,
    plan_vote,
    vote_on_resolution,
)

__all__ = [
    "BoardError", "ID_SLICE", "MEETING_NOTICE_KIND", "VoteCountError", "VoteFiguresChanged",
    "VotePlan", "add_agenda_item", "advance_votes", "appoint_officer", "appoint_proxy",
    "approve_minutes", "check_correction", "correct_meeting_vote", "correction_refused",
    "declare_interest", "define_body", "define_seat_category", "draft_minutes", "edit_minutes",
    "end_term", "enter_decision", "instructed_proxy_votes", "leave_office", "live_proxies",
    "locked_co_option_awaiting_agm", "meeting_quorum", "meeting_starts_at", "minutes_from_record",
    "notice_context", "plan_vote", "proxy_deadline", "put_resolution_on_agenda",
    "ratify_co_option", "record_attendance", "record_attendance_many", "record_decision",
    "record_paper_proxy", "resolution_items", "revoke_proxy", "roll_size", "schedule_meeting",
    "serve_notice", "set_meeting_rules", "start_term", "vote_on_resolution", "voters_at_meeting",
    "why_no_vote_yet", "with_current_votes",
]
