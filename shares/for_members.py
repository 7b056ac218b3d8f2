"""What the members app shows from the share ledger, provided to it in SharesConfig.ready
(members sits below shares and asks through members.providers)."""

from members.providers import JoiningCost, ProvidedRefusal
from shares import queries, services
from shares.forms import AdmissionPaymentForm


def register_holdings(society, member_ids, on) -> dict:
    """Shares held and amount paid per member as at `on`; nothing for a society without
    share classes (e.g. a company limited by guarantee), so its register shows blanks."""
    if not queries.society_has_shares(society):
        return {}
    return queries.holdings_as_at(society, member_ids, on)


def joining_cost(society) -> JoiningCost | None:
    terms = services.admission_terms(society)
    if terms is None:
        return None
    return JoiningCost(shares=terms.shares, nominal_pence=terms.share_class.nominal_value_pence,
                       class_name=terms.share_class.name)


def admission_shares(actor, member, admitted_on, payment) -> int:
    """Issue a new member's qualifying shares in the admission's transaction; how many.
    `payment`: what the secretary recorded (amount_pence, paid_on, method, reference)."""
    try:
        entry = services.issue_qualifying_shares(actor=actor, member=member,
                                                 on_date=admitted_on, **(payment or {}))
    except services.ShareError as error:
        raise ProvidedRefusal(str(error)) from error
    return entry.shares if entry is not None else 0


def admission_payment_form(society, data=None):
    """The payment for the qualifying shares, where joining needs shares and the board admits
    (a members' vote admits with no payment recorded here); None otherwise."""
    terms = services.admission_terms(society)
    if terms is None or society.admission_method == "members_vote":
        return None
    return AdmissionPaymentForm(data, terms=terms)
