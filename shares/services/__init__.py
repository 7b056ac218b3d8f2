"""Every change to shares. Each service runs in one transaction and writes exactly one audit
entry, except `issue_qualifying_shares`, which runs inside the admission's transaction and is
covered by the admission's entry.

All movements go through `posting.post_to_ledger()`: it locks each member's `ShareAccount`,
re-checks the holding, the class maximum and the withdrawable cap, writes the ledger rows,
moves the balance rows (whose CHECK constraints have the last word) and keeps certificates
in step.

The services live in one module per concern, and this package names them all, so callers
write `services.issue_shares(...)`:

- `classes`: share classes; `issuing`: issues, and the qualifying shares on admission;
- `withdrawals`: asking, the board's decisions, suspensions, paying;
- `transfers`: transfers, forfeiture, conversion; `corrections`: reversing an entry;
- `nominations`: nominations and a deceased member's shares; `interest`: share interest;
- `posting`: the ledger, balances, certificates and payments every movement writes;
- `common`: the error, dates in words and the checks several movements make.

What the services and the pages only read (what joining costs, the cap, a member's holding,
a suspension) is in `shares.queries`, named here too.
"""

from shares.queries import (
    AdmissionTerms,
    admission_terms,
    cap_pence,
    last_closed_year_end,
    membership_minimum,
    open_suspension,
    qualifying_class,
    shares_held,
    suspension_on,
)
from shares.services.classes import (
    CLASS_FIELDS,
    FIXED_ONCE_ISSUED,
    create_share_class,
    update_share_class,
)
from shares.services.common import WRITE_CHUNK, ShareError
from shares.services.corrections import reverse_transaction
from shares.services.interest import (
    LINE_FIELDS,
    PlannedLine,
    compute_interest_run,
    discard_interest_run,
    financial_year_ending,
    interest_posting_failed,
    post_interest_run,
    set_reinvestment,
    start_interest_run,
    start_posting_interest_run,
)
from shares.services.issuing import issue_qualifying_shares, issue_shares
from shares.services.nominations import (
    DECEASED,
    pay_out_on_death,
    record_nomination,
    revoke_nomination,
    transmit_on_death,
)
from shares.services.posting import Leg, lock_account
from shares.services.transfers import convert_shares, forfeit_shares, transfer_shares
from shares.services.withdrawals import (
    SHARES_WITHDRAWN,
    approve_withdrawal,
    cancel_withdrawal,
    defer_withdrawal,
    end_membership_for_shares_withdrawn,
    pay_withdrawal,
    request_withdrawal,
    resume_withdrawals,
    suspend_withdrawals,
    withdrawal_ends_membership,
)

__all__ = [
    "CLASS_FIELDS", "DECEASED", "FIXED_ONCE_ISSUED", "LINE_FIELDS", "SHARES_WITHDRAWN",
    "WRITE_CHUNK", "AdmissionTerms", "Leg", "PlannedLine", "ShareError", "admission_terms",
    "approve_withdrawal", "cancel_withdrawal", "cap_pence", "compute_interest_run",
    "convert_shares", "create_share_class", "defer_withdrawal", "discard_interest_run",
    "end_membership_for_shares_withdrawn", "financial_year_ending", "forfeit_shares",
    "interest_posting_failed", "issue_qualifying_shares", "issue_shares", "last_closed_year_end",
    "lock_account", "membership_minimum", "open_suspension", "pay_out_on_death", "pay_withdrawal",
    "post_interest_run", "qualifying_class", "record_nomination", "request_withdrawal",
    "resume_withdrawals", "reverse_transaction", "revoke_nomination", "set_reinvestment",
    "shares_held", "start_interest_run", "start_posting_interest_run", "suspend_withdrawals",
    "suspension_on", "transfer_shares", "transmit_on_death", "update_share_class",
    "withdrawal_ends_membership",
]
