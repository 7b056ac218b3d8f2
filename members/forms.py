from datetime import date, timedelta

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from members.models import (
    OFFICER_MINIMUM_AGE,
    CessationReason,
    ContactChannel,
    Member,
    MemberKind,
)
from members.register import SORT_LABELS, STATUS_CHOICES
from members.services import INSPECTION_MAX_DAYS, OWN_FIELDS, SECRETARY_FIELDS
from societies.models import DocumentKind, current_documents, district_list

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


def _class_label(stakeholder_class) -> str:
    label = f"{stakeholder_class.name} (from age {stakeholder_class.effective_minimum_age}"
    districts = district_list(stakeholder_class.postcode_districts)
    if districts:
        shown = ", ".join(districts[:8]) + (", …" if len(districts) > 8 else "")
        label += f"; living in {shown}: placed by your postcode"
    return label + ")"


class ApplicationForm(ContactFieldsMixin, forms.Form):
    kind = forms.ChoiceField(choices=MemberKind.choices, initial=MemberKind.PERSON,
                             required=False, widget=forms.RadioSelect,
                             label="Who is applying?")
    stakeholder_class = forms.ModelChoiceField(queryset=None, label="I am applying as",
                                               empty_label=None)
    full_name = forms.CharField(max_length=200, label="Full name",
                                help_text="An organisation: its name.")
    registered_number = forms.CharField(
        max_length=40, required=False, label="Registered number",
        help_text="Organisations only: company, charity or society number, if it has one.")
    representative_name = forms.CharField(
        max_length=200, required=False, label="Representative",
        help_text="Organisations only: the person who will act and vote for it.")
    address = forms.CharField(label="Postal address", widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Each line of the address on its own line, without "
                                        "the postcode.")
    postcode = forms.CharField(max_length=10, required=False)
    date_of_birth = _date_field("Date of birth", required=False,
                                help_text="People only: we check you are old enough to join; "
                                          "it is never published.")
    guardian_name = forms.CharField(max_length=200, required=False,
                                    label="Name of a parent or guardian",
                                    help_text="Only for applicants under 16.")
    guardian_contact = forms.CharField(max_length=200, required=False,
                                       label="Their telephone number, email or address",
                                       help_text="Only for applicants under 16.")
    relationship_started_on = _date_field(
        "Your employment (or other relationship with the society) began on", required=False)
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
    # The versions shown with the form: what the applicant agrees to (see clean()).
    rules_version = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    privacy_notice_version = forms.CharField(required=False, max_length=40,
                                             widget=forms.HiddenInput)

    DOCUMENT_FIELDS = {"rules_version": DocumentKind.RULES,
                       "privacy_notice_version": DocumentKind.PRIVACY_NOTICE}

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society
        self.fields["stakeholder_class"].queryset = society.stakeholder_classes.all()
        self.fields["stakeholder_class"].label_from_instance = _class_label
        self.documents = current_documents(society)
        for name, kind in self.DOCUMENT_FIELDS.items():
            document = self.documents.get(kind)
            self.fields[name].initial = str(document.public_id) if document else ""
        self.fields["agree_rules"].help_text = self._documents_help()
        if not society.guardian_for_under_16:
            del self.fields["guardian_name"], self.fields["guardian_contact"]
        if society.has_probation:
            self.fields["relationship_started_on"].required = True
            self.fields["relationship_started_on"].help_text = (
                f"The members vote on your application {society.probation_days} days after "
                "this date at the earliest (the society's probation period).")
        else:
            del self.fields["relationship_started_on"]

    def _documents_help(self):
        parts = []
        for kind, slug, title in ((DocumentKind.RULES, "rules", "the rules"),
                                  (DocumentKind.PRIVACY_NOTICE, "privacy-notice",
                                   "the privacy notice")):
            document = self.documents.get(kind)
            if document is None:
                parts.append(format_html("{} (not online: ask the secretary for a copy)",
                                         title.capitalize()))
                continue
            url = reverse("societies:document",
                          kwargs={"society_slug": self.society.slug, "kind": slug})
            parts.append(format_html('<a href="{}">Read {}</a> ({}, {}; PDF)', url, title,
                                     document.version_label,
                                     f"{document.version_date.day} "
                                     f"{document.version_date:%B %Y}"))
        return format_html("{}. {}.", parts[0], parts[1])

    def _check_versions(self, cleaned):
        """The applicant agrees to the versions they were shown; if a new one was published
        meanwhile, they are asked to read it and tick again."""
        changed = []
        for name, kind in self.DOCUMENT_FIELDS.items():
            current = self.documents.get(kind)
            if (str(current.public_id) if current else "") != cleaned.get(name, ""):
                changed.append(kind.label.lower())
            cleaned[name] = current
        if not changed:
            return
        # Shown again, the form carries the current versions and an unticked box.
        self.data = self.data.copy()
        for name, kind in self.DOCUMENT_FIELDS.items():
            current = self.documents.get(kind)
            self.data[self.add_prefix(name)] = str(current.public_id) if current else ""
        if cleaned.get("agree_rules"):
            self.data.pop(self.add_prefix("agree_rules"), None)
            self.add_error("agree_rules",
                           f"A new version of the {' and the '.join(changed)} was published "
                           "while you filled in this form: read it, then tick again.")

    def clean(self):
        cleaned = super().clean()
        self._check_versions(cleaned)
        organisation = cleaned.get("kind") == MemberKind.ORGANISATION
        cleaned["kind"] = cleaned.get("kind") or MemberKind.PERSON
        if organisation:
            if not cleaned.get("representative_name", "").strip():
                self.add_error("representative_name",
                               "Name the person who will act and vote for the organisation.")
            cleaned["date_of_birth"] = None
            return cleaned
        if cleaned.get("date_of_birth") is None and "date_of_birth" not in self.errors:
            self.add_error("date_of_birth", "This field is required.")
        began = cleaned.get("relationship_started_on")
        if began and began > timezone.localdate():
            self.add_error("relationship_started_on", "Give the day it began (this date is in "
                                                      "the future).")
        born, chosen = cleaned.get("date_of_birth"), cleaned.get("stakeholder_class")
        if born and born >= timezone.localdate():
            self.add_error("date_of_birth", "Give your date of birth (it is in the future).")
        elif born and chosen:
            from members.models import age_on

            age = age_on(born, timezone.localdate())
            if age < OFFICER_MINIMUM_AGE and "guardian_name" in self.fields:
                for name in ("guardian_name", "guardian_contact"):
                    if not cleaned.get(name, "").strip():
                        self.add_error(name, "Applicants under 16 give this.")
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


class InspectionRequestForm(forms.Form):
    note = forms.CharField(
        max_length=500, required=False, label="Anything the secretary should know",
        help_text="For example, why you want to inspect it, or when you could come to the "
                  "office instead.",
        widget=forms.Textarea(attrs={"rows": 2}))


class InspectionGrantForm(forms.Form):
    granted_from = _date_field("From")
    granted_until = _date_field("Until (included)",
                                help_text=f"At most {INSPECTION_MAX_DAYS} days.")

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("granted_from", today)
        initial.setdefault("granted_until", today + timedelta(days=13))
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("granted_from"), cleaned.get("granted_until")
        if start and end and end < start:
            self.add_error("granted_until", "The period must end on or after the day it starts.")
        return cleaned


class InspectionAnswerForm(forms.Form):
    answer = forms.CharField(
        max_length=500, label="Your answer to the member",
        help_text="For example, when they may inspect the register at the registered office.",
        widget=forms.Textarea(attrs={"rows": 2}))


class OnlineInspectionForm(forms.Form):
    register_online_inspection = forms.BooleanField(
        required=False,
        label="Members may inspect the duplicate register online at any time, without asking")


class ImportForm(forms.Form):
    file = forms.FileField(label="Register file (CSV, UTF-8)")


class RepresentativeForm(forms.Form):
    new_name = forms.CharField(max_length=200, label="New representative")
    email = forms.EmailField(
        required=False, label="Their email address",
        help_text="Becomes the organisation's address with the society; the previous "
                  "representative's account is unlinked. Leave blank to keep the address.")
    effective_on = _date_field("They represent the organisation from")
    letter_dated = _date_field("The organisation's letter is dated")
    letter_from = forms.CharField(max_length=200, label="The letter is signed by",
                                  help_text="Name and position, for example 'J. Smith, "
                                            "Chief Executive'.")


class MemberSocietyForm(forms.Form):
    society_slug = forms.SlugField(
        max_length=60, label="Its web address on this platform",
        help_text="The part after /s/ in the society's address, for example millmead. Its "
                  "secretary is asked to confirm.")


class AppointRepresentativeForm(forms.Form):
    name = forms.CharField(max_length=200, label="Our representative")
    email = forms.EmailField(required=False, label="Their email address",
                             help_text="They sign in with it to vote for us. Leave blank to "
                                       "keep the address the federation has.")


class StaffListForm(forms.Form):
    file = forms.FileField(label="Staff list (CSV, UTF-8)",
                           help_text="One row for each person employed now, with a column "
                                     "member_number or email.")


class LeaversForm(forms.Form):
    leavers = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="Members who have left",
        help_text="Untick anyone who is still employed.")
    ended_on = _date_field("Their employment ended on")
    reference = forms.CharField(max_length=100, required=False, label="Reference",
                                help_text="For example the payroll month; shown in the "
                                          "register as the reason's reference.")

    def __init__(self, *args, society, only=None, **kwargs):
        """`only`: the members to offer (the staff list's leavers); by default any current
        member of a class tied to employment, as a confirmation is checked against."""
        super().__init__(*args, **kwargs)
        offered = Member.objects.filter(society=society, ceased_on__isnull=True,
                                        stakeholder_class__tied_to_employment=True)
        if only is not None:
            offered = offered.filter(pk__in=[member.pk for member in only])
        self.fields["leavers"].queryset = offered.order_by("member_number")
        self.fields["leavers"].label_from_instance = (
            lambda m: f"{m.member_number}: {m.full_name} ({m.email or 'no email'})")

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        if ended_on > timezone.localdate():
            raise forms.ValidationError("Give the day it ended (this date is in the future).")
        return ended_on


class PrintForm(forms.Form):
    as_at = _date_field("As at", required=False)

    def as_at_or_today(self) -> date:
        if self.is_valid() and self.cleaned_data["as_at"]:
            return self.cleaned_data["as_at"]
        return timezone.localdate()
