"""How an applicant pays for their share: written once here and shown, word for word, on the
page after applying and in the acknowledgement email (docs/members.md, "Paying")."""

from dataclasses import dataclass, field

from members import providers
from societies.models import PaymentMethod


@dataclass(frozen=True)
class PaymentInstructions:
    """Paragraphs, then (label, value) details such as the bank account, then paragraphs."""

    before: list[str]
    details: list[tuple[str, str]] = field(default_factory=list)
    after: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Everything, in order, as plain lines (the email's text)."""
        return [*self.before, *(f"{label}: {value}" for label, value in self.details),
                *self.after]


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def _shares_phrase(cost: providers.JoiningCost) -> str:
    count = "1 share" if cost.shares == 1 else f"{cost.shares:,} shares"
    each = "" if cost.shares == 1 else " each"
    return f"{count} of {pounds(cost.nominal_pence)}{each} ({cost.class_name})"


def payment_instructions(society, reference: str) -> PaymentInstructions | None:
    """What the applicant with application `reference` pays and how; None where joining
    needs no shares."""
    cost = providers.joining_cost(society)
    if cost is None:
        return None
    owed = (f"Joining costs {pounds(cost.cost_pence)}: {_shares_phrase(cost)}, issued to you "
            "when you are admitted.")
    refund = "If you are not admitted, your payment is returned to you."
    if society.payment_method == PaymentMethod.BANK_TRANSFER:
        return PaymentInstructions(
            before=[owed, "Pay it by bank transfer to:"],
            details=[("Account name", society.payment_account_name),
                     ("Sort code", society.payment_sort_code),
                     ("Account number", society.payment_account_number),
                     ("Payment reference", society.payment_reference_for(reference))],
            after=["Quote the payment reference exactly, so the society can match your "
                   "payment to your application.", refund],
        )
    if society.payment_method == PaymentMethod.CASH:
        details = [("Address", ", ".join(line.strip() for line in
                                         society.cash_office_address.splitlines()
                                         if line.strip()))]
        if society.payment_office_hours:
            details.append(("Opening hours", society.payment_office_hours))
        return PaymentInstructions(
            before=[owed, "Pay it in cash at the society's office:"],
            details=details,
            after=[f"Give your application reference, {reference}, and ask for a receipt.",
                   refund],
        )
    return PaymentInstructions(
        before=[owed, f"The society will contact you to say how to pay. Quote your "
                      f"application reference, {reference}, when you pay."],
        after=[refund],
    )
