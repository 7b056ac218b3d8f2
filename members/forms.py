from datetime import date

from django import forms
from django.utils import timezone

from members.models import CessationReason, ContactChannel, Member
from members.register import SORT_LABELS, STATUS_CHOICES
from members.services import OWN_FIELDS, SECRETARY_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DATE_INPUT,
                           help_text=help_text)


class ContactFieldsMixin:
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contact_channel") == ContactChannel.EMAIL:
            if not cleaned.get("email"):
                self.add_error("email", "Give an email address to be contacted by email.")
            if not cleaned.get("electronic_consent"):
                self.add_error("electronic_consent",
                               "Agree to receive notices electronically, or choose post.")
        return cleaned


class ApplicationForm(ContactFieldsMixin, forms.Form):
    stakeholder_class = forms.ModelChoiceField(queryset=None, label="I am applying as",
                                               empty_label=None)
    full_name = forms.CharField(max_length=200, label="Full name")
    address = forms.CharField(label="Postal address", widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Each line of the address on its own line, without "
                                        "the postcode.")
    postcode = forms.CharField(max_length=10, required=False)
    date_of_birth = _date_field("Date of birth", help_text="We check you are old enough to "
                                                           "join; it is never published.")
    email = forms.EmailField(required=False, label="Email address",
                             help_text="Leave blank if you have no email; we will write to "
                                       "you by post.")
    contact_channel = forms.ChoiceField(choices=ContactChannel.choices,
                                        label="How should the society contact you?",
                                        initial=ContactChannel.POST)
    electronic_consent = forms.BooleanField(
        required=False, label="I agree to receive notices and ballots electronically")
    agree_rules = forms.BooleanField(
        label="I agree to be bound by the society's rules and have read its privacy notice")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society
        self.fields["stakeholder_class"].queryset = society.stakeholder_classes.all()
        self.fields["stakeholder_class"].label_from_instance = (
            lambda c: f"{c.name} (from age {c.effective_minimum_age})")

    def clean(self):
        cleaned = super().clean()
        born, chosen = cleaned.get("date_of_birth"), cleaned.get("stakeholder_class")
        if born and born >= timezone.localdate():
            self.add_error("date_of_birth", "Give your date of birth (it is in the future).")
        elif born and chosen:
            from members.models import age_on

            age = age_on(born, timezone.localdate())
            if age < chosen.effective_minimum_age:
                self.add_error("stakeholder_class",
                               f"Members of the {chosen.name} class must be at least "
                               f"{chosen.effective_minimum_age}.")
        return cleaned


class DecisionForm(forms.Form):
    decided_on = _date_field("Date of the board decision")
    decision_reference = forms.CharField(
        max_length=100, label="Decision reference",
        help_text="As minuted, for example 'Board 2026-11 item 4'.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("decided_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_decided_on(self):
        value = self.cleaned_data["decided_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The decision cannot be dated in the future.")
        return value


class DeclineForm(DecisionForm):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             label="Reason (kept on file)")


class ReadmitForm(DecisionForm):
    admitted_on = _date_field("Date readmitted")


class MemberForm(ContactFieldsMixin, forms.ModelForm):
    """The secretary's edit of a member's record."""

    stakeholder_class = forms.ModelChoiceField(queryset=None, label="Class", empty_label=None)

    class Meta:
        model = Member
        fields = SECRETARY_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "date_of_birth": DATE_INPUT,
                   "admitted_on": DATE_INPUT, "admission_decided_on": DATE_INPUT}

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder_class"].queryset = society.stakeholder_classes.all()


class OwnDetailsForm(ContactFieldsMixin, forms.ModelForm):
    """What a member changes about themselves."""

    class Meta:
        model = Member
        fields = OWN_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {"contact_channel": "How should the society contact you?",
                  "electronic_consent": "I agree to receive notices and ballots electronically"}


class CeaseForm(forms.Form):
    ceased_on = _date_field("Date ceased")
    reason = forms.ChoiceField(choices=CessationReason.choices)
    reference = forms.CharField(max_length=100, required=False, label="Decision reference",
                                help_text="Required for an expulsion.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == CessationReason.EXPELLED and not cleaned.get("reference"):
            self.add_error("reference", "An expulsion needs the reference of the decision.")
        return cleaned


class ReturnedMailForm(forms.Form):
    returned_on = _date_field("Date it came back")
    description = forms.CharField(max_length=200, label="What was sent",
                                  help_text="For example 'Notice of AGM 2026'.")


class RegisterFilterForm(forms.Form):
    """The register page's filters: all optional, bad values are ignored, never an error."""

    as_at = _date_field("Register as at", required=False)
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    stakeholder_class = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                               label="Class")
    admitted_from = _date_field("Admitted from", required=False)
    admitted_to = _date_field("Admitted to", required=False)
    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=forms.TextInput(attrs={"type": "search"}))
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False,
                             label="Sort by")
    order = forms.ChoiceField(choices=[("asc", "Ascending"), ("desc", "Descending")],
                              required=False)

    def __init__(self, *args, society, search_help, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain list: one small query, no server-side cursor as a ModelChoiceField uses.
        self.fields["stakeholder_class"].choices = [("", "All classes")] + list(
            society.stakeholder_classes.order_by("name").values_list("pk", "name"))
        self.fields["q"].help_text = search_help

    def value(self, name, default=None):
        if not self.is_bound:
            return default
        if name in self.errors:
            return default
        return self.cleaned_data.get(name) or default


class ImportForm(forms.Form):
    file = forms.FileField(label="Register file (CSV, UTF-8)")


class PrintForm(forms.Form):
    as_at = _date_field("As at", required=False)

    def as_at_or_today(self) -> date:
        if self.is_valid() and self.cleaned_data["as_at"]:
            return self.cleaned_data["as_at"]
        return timezone.localdate()
