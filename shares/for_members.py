"""What the members app shows from the share ledger, provided to it in SharesConfig.ready
(members sits below shares and asks through members.providers)."""

from members.providers import JoiningCost
from shares import queries, services


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
