"""The audit actions the shares app writes (registry: societies.audit)."""

from societies.audit import register

register("shares", prefixes=["shares"], actions={
    "shares.class_created": "A class of shares was defined",
    "shares.class_changed": "A class of shares was changed (fields old and new)",
    "shares.issued": "Shares were issued to a member",
    "shares.withdrawal_requested": "A member asked to withdraw shares",
    "shares.withdrawal_approved": "A withdrawal of shares was approved",
    "shares.withdrawal_deferred": "A withdrawal of shares was deferred",
    "shares.withdrawal_cancelled": "A withdrawal of shares was cancelled",
    "shares.withdrawal_paid": "A withdrawal was paid out and the shares cancelled",
    "shares.withdrawals_suspended": "Withdrawals were suspended",
    "shares.withdrawals_resumed": "Suspended withdrawals were resumed",
    "shares.transferred": "Shares were transferred from one member to another",
    "shares.forfeited": "A member's shares were forfeited",
    "shares.converted": "Shares were converted from one class to another",
    "shares.reversed": "An entry in the share ledger was reversed",
    "shares.nomination_recorded": "A member's nomination of who receives their shares on death "
                                  "was recorded",
    "shares.nomination_revoked": "A member's nomination was revoked",
    "shares.transmitted_on_death": "A deceased member's shares were transferred to a nominee",
    "shares.paid_out_on_death": "A deceased member's shares were paid out",
    "shares.reinvestment_chosen": "A member chose whether to reinvest their share interest",
    "shares.interest_run_started": "A run of share interest was started",
    "shares.interest_computed": "The interest of a run was computed",
    "shares.interest_posting_started": "Posting a run's interest to the ledger was started",
    "shares.interest_posting_failed": "Posting a run's interest failed",
    "shares.interest_posted": "A run's interest was posted to the ledger",
    "shares.interest_run_discarded": "A run of share interest was discarded before posting",
})
