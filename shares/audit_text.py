"""The shares app's audit entries as sentences (societies.audit_text)."""

from shares.models import count_of_shares
from societies.audit_text import describes, phrases, plural

phrases({
    "shares.class_created": "{actor} created the share class {target}",
    "shares.class_changed": "{actor} changed the share class {target}: {changes}",
    "shares.withdrawals_suspended": "{actor} suspended withdrawals from {date[suspended_on]} "
                                    "(decision {data[decision_reference]})",
    "shares.withdrawals_resumed": "{actor} resumed withdrawals on {date[resumed_on]} (decision "
                                  "{data[decision_reference]})",
    "shares.withdrawal_deferred": "{actor} deferred the withdrawal by member "
                                  "{data[member_number]} until {date[until]} (decision "
                                  "{data[decision_reference]})",
    "shares.reversed": "{actor} reversed an entry in the share ledger ({target}): "
                       "{data[reason]}",
    "shares.nomination_recorded": "{actor} recorded member {data[member_number]}'s nomination "
                                  "on death: {target}, {data[percentage]}%",
    "shares.nomination_revoked": "{actor} revoked member {data[member_number]}'s nomination on "
                                 "death ({target})",
    "shares.interest_run_started": "{actor} started working out share interest for the year "
                                   "to {date[year_end]}",
    "shares.interest_posting_started": "{actor} started posting share interest for the year to "
                                       "{date[year_end]}, dated {date[post_on]}",
    "shares.interest_posting_failed": "Posting share interest for the year to {date[year_end]} "
                                      "stopped: {data[reason]}",
    "shares.interest_run_discarded": "{actor} discarded the share interest worked out for the "
                                     "year to {date[year_end]}",
})


def _shares(e, count_key="shares", class_key="class") -> str:
    return count_of_shares(e.data[count_key], e.data[class_key])


@describes("shares.issued")
def _issued(e):
    return (f"{e.actor} issued {_shares(e)} to member {e.data['member_number']} for "
            f"{e.money('amount_pence')} paid on {e.date('paid_on')} (certificate "
            f"{e.data['certificate']})")


@describes("shares.withdrawal_requested")
def _withdrawal_requested(e):
    return (f"{e.actor} asked to withdraw {_shares(e)} held by member {e.data['member_number']},"
            f" payable from {e.date('earliest_payable_on')}")


@describes("shares.withdrawal_approved", "shares.withdrawal_cancelled")
def _withdrawal_decided(e):
    verb = "approved" if e.action == "shares.withdrawal_approved" else "cancelled"
    reference = e.data.get("decision_reference")
    return (f"{e.actor} {verb} the withdrawal of {plural(e.data['shares'], 'share')} by member "
            f"{e.data['member_number']}" + (f" (decision {reference})" if reference else ""))


@describes("shares.withdrawal_paid")
def _withdrawal_paid(e):
    ends = ", ending their membership" if e.data.get("ends_membership") else ""
    return (f"{e.actor} paid member {e.data['member_number']} {e.money('amount_pence')} for "
            f"{_shares(e)} withdrawn, on {e.date('paid_on')}{ends}")


@describes("shares.transferred", "shares.transmitted_on_death")
def _transferred(e):
    moved = (f"{_shares(e)} from member {e.data['from_member']} to member "
             f"{e.data['to_member']}")
    if e.action == "shares.transferred":
        return f"{e.actor} transferred {moved} on {e.date('on_date')}"
    how = "to the nominee" if e.data.get("nominated") else "under the rules"
    return f"{e.actor} transferred {moved} on the death of the holder, {how}"


@describes("shares.forfeited")
def _forfeited(e):
    return (f"{e.actor} recorded member {e.data['member_number']} forfeiting {_shares(e)} on "
            f"{e.date('on_date')}: {e.data['reason']}")


@describes("shares.converted")
def _converted(e):
    return (f"{e.actor} converted member {e.data['member_number']}'s "
            f"{_shares(e, class_key='from_class')} into {_shares(e, 'new_shares', 'to_class')}"
            f" on {e.date('on_date')}")


@describes("shares.paid_out_on_death")
def _paid_out_on_death(e):
    return (f"{e.actor} paid {e.money('amount_pence')} for the {_shares(e)} of member "
            f"{e.data['member_number']}, who has died, to {e.data['payee']}")


@describes("shares.reinvestment_chosen")
def _reinvestment_chosen(e):
    choice = "reinvested in shares" if e.data["reinvest"] else "paid out"
    return f"{e.actor} chose to have member {e.data['member_number']}'s share interest {choice}"


@describes("shares.interest_computed", "shares.interest_posted")
def _interest_figures(e):
    year = f"the year to {e.date('year_end')}"
    members = plural(e.data["members"], "member")
    if e.action == "shares.interest_computed":
        return (f"Share interest for {year} worked out: {e.money('gross_pence')} for {members}, "
                f"{e.money('reinvested_pence')} of it to be reinvested")
    return (f"Share interest for {year} posted by {e.actor}: {e.money('gross_pence')} to "
            f"{members} ({e.money('paid_pence')} paid, {e.money('reinvested_pence')} "
            "reinvested)")
