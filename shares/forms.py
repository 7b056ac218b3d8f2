from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from shares import ledger
from shares.models import Nomination, PaymentMethod, ShareClass
from shares.services import CLASS_FIELDS
from societies.fields import PoundsField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


def today_field(label, **kwargs):
    return date_field(label, initial=timezone.localdate, **kwargs)


class ShareCountField(forms.IntegerField):
    def __init__(self, label="Number of shares", **kwargs):
        super().__init__(label=label, min_value=1, **kwargs)


def class_choice(queryset, label="Share class"):
    return forms.ModelChoiceField(queryset=queryset, label=label, empty_label=None)


class ShareClassForm(forms.ModelForm):
    nominal_value_pence = PoundsField(
        label="Nominal value of one share (£)",
        help_text="In pounds and pence: 1.00 for a £1 share, 0.01 for a penny share.")

    class Meta:
        model = ShareClass
        fields = CLASS_FIELDS
        help_texts = {
            "is_transferable": "Most co-operative shares are not: transfers need the board's "
                               "consent.",
            "interest_rate_percent": "A rate per year, e.g. 5.5; 0 for no interest.",
        }


class IssueForm(forms.Form):
    share_class = forms.ModelChoiceField(queryset=ShareClass.objects.none(), empty_label=None)
    shares = ShareCountField()
    amount = PoundsField(label="Amount paid (£)",
                         help_text="Shares are issued fully paid: the number of shares times "
                                   "their nominal value.")
    paid_on = today_field("Date paid")
    method = forms.ChoiceField(label="How it was paid", choices=PaymentMethod.choices)
    reference = forms.CharField(label="Payment reference", max_length=100, required=False)

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(society=society)


class AdmissionPaymentForm(forms.Form):
    """The payment for the qualifying shares, recorded by the secretary when admitting.

    Shown inside the members app's admission form (prefix "payment") where joining needs
    shares: `terms` is `services.admission_terms(society)`."""

    amount = PoundsField(label="Amount paid for the qualifying shares (£)")
    paid_on = today_field("Date the payment was received")
    method = forms.ChoiceField(label="How it was paid", choices=PaymentMethod.choices)
    reference = forms.CharField(label="Payment reference", max_length=100,
                                help_text="The bank reference, cheque number or receipt, so "
                                          "the payment can be traced.")

    def __init__(self, *args, terms, **kwargs):
        kwargs.setdefault("prefix", "payment")
        kwargs.setdefault("initial", {}).setdefault("amount", terms.cost_pence)
        super().__init__(*args, **kwargs)
        self.terms = terms
        self.fields["amount"].help_text = (
            f"Joining costs {ledger.format_pence(terms.cost_pence)}: {terms.shares} "
            f"{terms.share_class.name} share{'s' if terms.shares != 1 else ''} of "
            f"{terms.share_class.nominal_display}, issued fully paid on admission.")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount != self.terms.cost_pence:
            raise ValidationError(f"Joining costs {ledger.format_pence(self.terms.cost_pence)}; "
                                  "record the payment for exactly that amount.")
        return amount

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise ValidationError("The payment cannot be dated in the future.")
        return paid_on

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"amount_pence": data["amount"], "paid_on": data["paid_on"],
                "method": data["method"], "reference": data["reference"]}


class WithdrawalRequestForm(forms.Form):
    share_class = forms.ModelChoiceField(queryset=ShareClass.objects.none(), empty_label=None)
    shares = ShareCountField(label="Number of shares to withdraw")

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = classes


class DecisionForm(forms.Form):
    decided_on = today_field("Date of the board's decision")
    decision_reference = forms.CharField(label="Decision reference (e.g. minute number)",
                                         max_length=100)


class DeferForm(DecisionForm):
    until = date_field("Deferred until")

    field_order = ["until", "decided_on", "decision_reference"]


class PaymentForm(forms.Form):
    paid_on = today_field("Date paid")
    method = forms.ChoiceField(label="How it was paid", choices=PaymentMethod.choices)
    reference = forms.CharField(label="Payment reference", max_length=100, required=False)


class SuspensionForm(forms.Form):
    on_date = today_field("From")
    decision_reference = forms.CharField(label="Board decision reference", max_length=100)


class MemberNumberField(forms.IntegerField):
    def __init__(self, label="Member number of the recipient", **kwargs):
        super().__init__(label=label, min_value=1, **kwargs)


class TransferForm(forms.Form):
    share_class = forms.ModelChoiceField(queryset=ShareClass.objects.none(), empty_label=None)
    shares = ShareCountField()
    to_member = MemberNumberField()
    on_date = today_field("Date of the transfer")
    consent_on = today_field("Date of the board's consent")
    consent_reference = forms.CharField(label="Board consent reference", max_length=100)

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(
            society=society, is_transferable=True)


class ConvertForm(forms.Form):
    from_class = forms.ModelChoiceField(queryset=ShareClass.objects.none(), empty_label=None,
                                        label="From class")
    to_class = forms.ModelChoiceField(queryset=ShareClass.objects.none(), empty_label=None,
                                      label="Into class")
    shares = ShareCountField(label="Number of shares to convert")
    on_date = today_field("Date of the conversion")
    reference = forms.CharField(label="Resolution or decision reference", max_length=200)

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("from_class", "to_class"):
            self.fields[name].queryset = ShareClass.objects.filter(society=society)


class ForfeitForm(forms.Form):
    share_class = forms.ModelChoiceField(queryset=ShareClass.objects.none(), empty_label=None)
    shares = ShareCountField()
    on_date = today_field("Date of forfeiture")
    reason = forms.CharField(label="Rule and decision", max_length=200)

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(society=society)


class DeathSettlementForm(forms.Form):
    TRANSFER, PAY = "transfer", "pay"
    share_class = forms.ModelChoiceField(queryset=ShareClass.objects.none(), empty_label=None)
    shares = ShareCountField()
    how = forms.ChoiceField(label="Settle by", choices=[
        (TRANSFER, "Transferring the shares to a member"),
        (PAY, "Paying out their value"),
    ], initial=PAY)
    nomination = forms.ModelChoiceField(queryset=Nomination.objects.none(), required=False,
                                        empty_label="No nomination: personal representatives",
                                        label="Under the nomination")
    to_member = MemberNumberField(required=False,
                                  help_text="Only when transferring the shares.")
    payee = forms.CharField(label="Paid to", max_length=200, required=False,
                            help_text="Only when paying out; the nominee by default.")
    method = forms.ChoiceField(label="How it was paid", choices=PaymentMethod.choices,
                               required=False)
    on_date = today_field("Date")
    reference = forms.CharField(
        label="Reference", max_length=200, required=False,
        help_text="Without a nomination: the grant of probate or letters of administration.")

    def __init__(self, *args, society, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(society=society)
        self.fields["nomination"].queryset = member.share_nominations.filter(
            revoked_on__isnull=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("how") == self.TRANSFER and not cleaned.get("to_member"):
            self.add_error("to_member", "Give the member number of the member who receives "
                                        "the shares.")
        if cleaned.get("how") == self.PAY and not cleaned.get("method"):
            self.add_error("method", "Say how the money was paid.")
        return cleaned


class NominationForm(forms.Form):
    nominee_name = forms.CharField(label="Nominee's full name", max_length=200)
    nominee_address = forms.CharField(label="Nominee's address",
                                      widget=forms.Textarea(attrs={"rows": 3}))
    relationship = forms.CharField(label="Relationship to the member", max_length=100,
                                   required=False)
    percentage = forms.IntegerField(label="Share of the nominated property (%)", min_value=1,
                                    max_value=100, initial=100)


class ReverseForm(forms.Form):
    reason = forms.CharField(label="Why it is reversed", max_length=200)
    on_date = date_field("Date of the reversal", required=False,
                         help_text="Leave blank to reverse it from the date of the entry.")


class ReinvestForm(forms.Form):
    reinvest = forms.BooleanField(label="Reinvest my share interest as new shares",
                                  required=False)


def recent_year_ends(society, count=6):
    """The last `count` financial year ends that have passed, newest first."""
    month, day = society.financial_year_end_month, society.financial_year_end_day
    current = ledger.financial_year_containing(month, day, timezone.localdate())[1]
    return [ledger.year_end_date(month, day, current.year - back)
            for back in range(1, count + 1)]


def year_choices(society, *, include_current=False):
    ends = recent_year_ends(society)
    if include_current:
        current = ledger.financial_year_containing(
            society.financial_year_end_month, society.financial_year_end_day,
            timezone.localdate())[1]
        ends = [current, *ends]
    return [(end.isoformat(), f"Year to {end.day} {end:%B %Y}") for end in ends]


class YearForm(forms.Form):
    year_end = forms.TypedChoiceField(label="Financial year", choices=[])

    def __init__(self, *args, society, include_current=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year_end"].choices = year_choices(society, include_current=include_current)
        self.fields["year_end"].coerce = _iso_date

    def clean_year_end(self):
        value = self.cleaned_data["year_end"]
        if value is None:
            raise ValidationError("Choose a financial year.")
        return value


def _iso_date(value):
    return date.fromisoformat(value)


class AsAtForm(forms.Form):
    on = date_field("Register as at", required=False)


class FindMemberForm(forms.Form):
    number = forms.IntegerField(label="Member number", min_value=1)

