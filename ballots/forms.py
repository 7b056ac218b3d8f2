"""Forms for elections. The ballot forms only read what a person marked; the casting service
checks it against the contest again, so a tampered form is refused there too."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ballots import providers
from ballots.models import (
    METHOD_CHOICES,
    BallotOrder,
    ResolutionKind,
    ReturnedPaper,
    SpoiltReason,
)
from shares.queries import society_has_shares
from societies.fields import PoundsField
from societies.models import LEGAL_MAX_WITHDRAWABLE_PENCE

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _when(label, required=True, help_text=""):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME_INPUT,
                               help_text=help_text)


class ElectionForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title", help_text="e.g. 2027 board election")


class StakeholderClassesField(forms.ModelMultipleChoiceField):
    """Ticked classes by id. An id beyond a 64-bit integer is refused as a choice not offered:
    Django's `IN` lookup hands it to SQLite, which cannot bind it and raised OverflowError."""

    def clean(self, value):
        for pk in value or ():
            try:
                out_of_range = not -(2**63) <= int(pk) < 2**63
            except (TypeError, ValueError):
                continue
            if out_of_range:
                raise ValidationError(self.error_messages["invalid_choice"],
                                      code="invalid_choice", params={"value": pk})
        return super().clean(value)


class ContestForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="e.g. Community seats")
    method = forms.ChoiceField(choices=[c for c in METHOD_CHOICES if c[0] != "resolution"],
                               initial="ers97", label="Counting method")
    seats = forms.IntegerField(min_value=1, max_value=100, initial=1)
    stakeholder_classes = StakeholderClassesField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label="Electorate: stakeholder classes",
        help_text="Leave all unticked for every class.")
    record_date = forms.DateField(widget=DATE_INPUT, initial=timezone.localdate,
                                  help_text="Members entitled to vote are taken as at this date.")
    min_age = forms.IntegerField(min_value=0, max_value=120, initial=0, label="Minimum age")
    one_vote_per_household = forms.BooleanField(
        required=False, label="One vote per household",
        help_text="Where the rules say so: members the register puts in one household share "
                  "one vote, cast by the member it names (else the longest-standing).")
    min_shares_paid = PoundsField(
        min_pence=0, max_pence=LEGAL_MAX_WITHDRAWABLE_PENCE, initial=0, required=False,
        label="Minimum shares paid",
        help_text="Only members whose shares were paid up to at least this sum at the record "
                  "date may vote. 0 for none.")
    nominations_open = _when("Nominations open")
    nominations_close = _when("Nominations close")
    withdrawal_deadline = _when("Withdrawals close", required=False,
                                help_text="Defaults to the time voting opens.")
    statement_limit = forms.IntegerField(min_value=100, max_value=10000, initial=1500,
                                         label="Statement limit (characters)")
    voting_opens = _when("Voting opens")
    voting_closes = _when("Voting closes")
    ballot_order = forms.ChoiceField(choices=BallotOrder.choices,
                                     label="Order of names on the ballot paper")
    results_hidden = forms.BooleanField(
        required=False, initial=True, label="Hide turnout from members until voting closes")
    seed = forms.CharField(max_length=64, required=False, label="Published seed for any lot")
    seat_category = forms.ModelChoiceField(
        queryset=None, required=False, label="Board seats this contest fills",
        help_text="The winners' terms start from the published result. Leave blank if the "
                  "contest fills no board seats.")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder_classes"].queryset = society.stakeholder_classes.all()
        offer_seats(self, society)
        if not society_has_shares(society):
            del self.fields["min_shares_paid"]

    def clean(self):
        cleaned = super().clean()
        cleaned["min_shares_pence"] = cleaned.pop("min_shares_paid", None) or 0
        return cleaned


def offer_seats(form, society) -> None:
    """The board seats elections fill, from the boards app (ballots.providers); the field
    goes where no app keeps board seats."""
    seats = providers.elected_seats(society)
    if seats is None:
        del form.fields["seat_category"]
    else:
        form.fields["seat_category"].queryset = seats


class SeatCategoryLinkForm(forms.Form):
    seat_category = forms.ModelChoiceField(
        queryset=None, required=False, label="Board seats this contest fills",
        help_text="Blank: the contest fills no board seats.")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        offer_seats(self, society)


class StartTermsForm(forms.Form):
    started_on = forms.DateField(widget=DATE_INPUT, initial=timezone.localdate,
                                 label="Terms start on",
                                 help_text="Usually the day of the AGM that declares the result.")


class PutToVoteForm(forms.Form):
    election = forms.ModelChoiceField(
        queryset=None, required=False, label="Election",
        help_text="Add the resolution to this election's ballot, or leave blank to hold a "
                  "separate vote.")
    record_date = forms.DateField(widget=DATE_INPUT, initial=timezone.localdate,
                                  help_text="Members entitled to vote are taken as at this date.")
    voting_opens = _when("Voting opens")
    voting_closes = _when("Voting closes")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = society.elections.all()

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("voting_opens"), cleaned.get("voting_closes")
        if opens and closes and closes <= opens:
            self.add_error("voting_closes", "Voting must close after it opens.")
        return cleaned


class ResolutionForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="A short name, e.g. Rule change 4")
    resolution_kind = forms.ChoiceField(choices=ResolutionKind.choices, label="Kind")
    # The model keeps both in a small integer; 1000 allows any fraction a society's rules use.
    fraction_numerator = forms.IntegerField(min_value=1, max_value=1000, initial=2,
                                            label="Special: numerator")
    fraction_denominator = forms.IntegerField(min_value=1, max_value=1000, initial=3,
                                              label="Special: denominator")
    resolution_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                                      label="Text of the resolution")
    explanatory_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                                       required=False, label="Explanatory note")
    stakeholder_classes = ContestForm.base_fields["stakeholder_classes"]
    record_date = ContestForm.base_fields["record_date"]
    one_vote_per_household = ContestForm.base_fields["one_vote_per_household"]
    voting_opens = _when("Voting opens")
    voting_closes = _when("Voting closes")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder_classes"].queryset = society.stakeholder_classes.all()


class MemberNumberField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**31 - 1, **kwargs)


class NominationForm(forms.Form):
    candidate = MemberNumberField(label="Candidate's member number",
                                  help_text="Your own number to nominate yourself.")
    proposer = MemberNumberField(label="Proposer's member number")
    seconder = MemberNumberField(label="Seconder's member number")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society

    def clean(self):
        cleaned = super().clean()
        for name in ("candidate", "proposer", "seconder"):
            number = cleaned.get(name)
            if number is None:
                continue
            member = self.society.members.filter(member_number=number,
                                                 ceased_on__isnull=True).first()
            if member is None:
                self.add_error(name, f"There is no current member number {number}.")
            else:
                cleaned[name] = member
        return cleaned


class ConsentForm(forms.Form):
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False,
                                label="Your election statement")
    consent = forms.BooleanField(label="I consent to stand in this election")


class StrikeOffForm(forms.Form):
    member_number = MemberNumberField(label="Member number on the paper ballot's envelope")


class PaperBatchForm(forms.Form):
    label = forms.CharField(max_length=100, label="Batch label", help_text="e.g. Box 1")
    ballots = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), label="Ballots, one per line",
        required=False,
        help_text="Ranked: candidate numbers in order of preference (3 1 2). Marks: the "
                  "numbers marked (1 4). Resolutions: for, against or abstain. A blank ballot: "
                  "a dash (-). Leave it empty for a batch of spoilt papers only.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in SpoiltReason.choices:
            self.fields[f"spoilt_{value}"] = forms.IntegerField(
                label=f"Spoilt papers: {label.lower()}", min_value=0, max_value=10**6,
                required=False, initial=0)

    def spoilt(self) -> dict:
        """The batch's spoilt papers by reason (SpoiltReason), from the valid form."""
        return {value: self.cleaned_data.get(f"spoilt_{value}") or 0
                for value in SpoiltReason.values}


class SignOffForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your full name")
    on = forms.DateField(widget=DATE_INPUT, initial=timezone.localdate, label="Date")


# A lot a stopped count needs: a draw now, or the seed published beforehand.


class DrawSeedForm(forms.Form):
    witness = forms.CharField(
        max_length=200, required=False, label="Witness",
        help_text="The scrutineer, candidate's agent or member who watched, as their name "
                  "should appear on the result.")


class PublishedSeedForm(DrawSeedForm):
    seed = forms.CharField(max_length=64, label="Seed as published",
                           help_text="Exactly as it was published before the count.")
    field_order = ["seed", "witness"]


class ReceiptLookupForm(forms.Form):
    # The browser is asked not to remember the code it was given.
    receipt = forms.CharField(max_length=64, label="Your receipt code or ballot tracker",
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "spellcheck": "false",
                                                            "autocapitalize": "off"}))


# Corrections before a poll opens, cancelling, extending, and paper nominations and consents


def contest_initial(contest) -> dict:
    """What the contest holds, as its edit form shows it."""
    from ballots.services import CONTEST_FIELDS

    initial = {name: getattr(contest, name) for name in CONTEST_FIELDS}
    initial["seat_category"] = contest.seat_category_id
    initial["stakeholder_classes"] = list(contest.stakeholder_classes.values_list("pk", flat=True))
    initial["min_shares_paid"] = contest.min_shares_pence
    return initial


def keep_seconds(contest, values: dict) -> dict:
    """The form shows times to the minute: a time sent back as shown is the time stored, not a
    change of a few seconds."""
    for name, value in values.items():
        old = getattr(contest, name, None)
        if (isinstance(value, datetime) and isinstance(old, datetime)
                and old.replace(second=0, microsecond=0) == value):
            values[name] = old
    return values


def change_form(contest, data=None):
    """The form that created the contest (or resolution), holding what it holds now."""
    form_class = ResolutionForm if contest.is_resolution else ContestForm
    return form_class(data, society=contest.society, initial=contest_initial(contest),
                      prefix="change")


class CancelContestForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), label="Reason",
        help_text="Members see it with the contest, and any candidates are told it.")


class ExtendVotingForm(forms.Form):
    voting_closes = _when("New closing time",
                          help_text="Later than the present close. Everyone on the roll is told.")


class CandidateOrderForm(forms.Form):
    """A place on the ballot paper (1, 2, 3…) for each candidate, each place once."""

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for candidate in self.candidates:
            self.fields[f"place_{candidate.public_id}"] = forms.IntegerField(
                min_value=1, max_value=len(self.candidates), initial=candidate.number,
                label=candidate.name)

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for candidate in self.candidates:
            name = f"place_{candidate.public_id}"
            place = cleaned.get(name)
            if place is None:
                continue
            if place in seen:
                self.add_error(name, f"Place {place} is already given to {seen[place]}: give "
                                     "each place once.")
            seen[place] = candidate.name
        if not self.errors:
            cleaned["order"] = sorted(
                self.candidates, key=lambda c: cleaned[f"place_{c.public_id}"])
        return cleaned


class PaperNominationForm(NominationForm):
    received_on = forms.DateField(widget=DATE_INPUT, initial=timezone.localdate, required=False,
                                  label="Form received on", help_text="Today if left blank.")

    def clean_received_on(self):
        return self.cleaned_data.get("received_on") or timezone.localdate()


class MemberSearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Find a member",
                        help_text="Part of a name, or a member number.")


class PaperConsentForm(forms.Form):
    signed_on = forms.DateField(widget=DATE_INPUT, label="Signed on")
    witness = forms.CharField(max_length=200, label="Witnessed by",
                              help_text="The name of the person who saw the candidate sign.")
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False,
                                label="The candidate's statement, as written on the form")
    scan = forms.FileField(required=False, label="Scanned form (optional)",
                           help_text="PDF, PNG or JPEG, at most 5 MB. Only officers can open it.")

    def clean_scan(self):
        from ballots.services import CONSENT_SCAN_MAX_BYTES, scan_kind

        scan = self.cleaned_data.get("scan")
        if not scan:
            return None
        if scan.size > CONSENT_SCAN_MAX_BYTES:
            raise ValidationError("The scan is larger than 5 MB.")
        kind = scan_kind(scan.read(16))
        scan.seek(0)
        if kind is None:
            raise ValidationError("The scan must be a PDF, PNG or JPEG file.")
        return scan


# The ballot box a contest's online ballots go into (ballots/boxed.py, docs/secrecy.md)

BOX_TRUSTEES_OFFERED = 5
KEEPING_CHOICES = [("own", "On their own computer (they run the commands their page shows)"),
                   ("server", "On the server (made and kept by OMOV)")]


class BoxSetUpForm(forms.Form):
    """Who the trustees are (the returning officer, then at least two scrutineers, from the
    people who hold a role in the society), where each keeps their key, and how many of them
    are needed to decrypt."""

    threshold = forms.IntegerField(
        min_value=2, max_value=BOX_TRUSTEES_OFFERED, initial=2,
        label="Trustees needed to decrypt",
        help_text="Any this many trustees together can decrypt; fewer learn nothing. At least "
                  "2, and no more than the number of trustees, so that one absent trustee "
                  "does not stop the count.")
    server_decrypts = forms.BooleanField(
        required=False,
        label="I accept that the server alone could decrypt the ballots",
        help_text="Needed only when at least as many trustees as are needed to decrypt keep "
                  "their key on the server: OMOV's operators and backups would then hold "
                  "enough shares to read every ballot.")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        for number in range(1, BOX_TRUSTEES_OFFERED + 1):
            first = number == 1
            self.fields[f"trustee_{number}"] = forms.ModelChoiceField(
                queryset=people, required=number <= 3,
                label="Trustee 1: the returning officer" if first else f"Trustee {number}",
                empty_label="(none)" if number > 3 else "Choose a person",
                help_text="A scrutineer: someone independent of the returning officer."
                if number == 2 else "")
            self.fields[f"keeping_{number}"] = forms.ChoiceField(
                choices=KEEPING_CHOICES, initial="own", required=False,
                label=f"Where trustee {number} keeps their key")

    def trustees(self) -> list[tuple]:
        """(user, keeping) of each trustee chosen, in order."""
        return [(self.cleaned_data[f"trustee_{n}"], self.cleaned_data[f"keeping_{n}"] or "own")
                for n in range(1, BOX_TRUSTEES_OFFERED + 1)
                if self.cleaned_data.get(f"trustee_{n}")]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        chosen = self.trustees()
        users = [user.pk for user, _ in chosen]
        if len(set(users)) != len(users):
            raise ValidationError("Each trustee must be a different person.")
        threshold = data.get("threshold") or 0
        if threshold > len(chosen):
            self.add_error("threshold", f"No more than the {len(chosen)} trustees chosen.")
        on_server = sum(1 for _, keeping in chosen if keeping == "server")
        if threshold and on_server >= threshold and not data.get("server_decrypts"):
            self.add_error("server_decrypts", f"{on_server} trustees would keep their key on "
                           f"the server and {threshold} can decrypt: the server alone could "
                           "read every ballot. Ask more trustees to keep their key on their "
                           "own computer, or tick this box to accept it.")
        return data


class ReminderForm(forms.Form):
    """One more reminder to those who have not voted (the service checks it fits the poll)."""

    days_before = forms.IntegerField(
        label="Days before the close", min_value=1, max_value=60,
        help_text="Sent to those on the roll who have not voted yet, by email or by letter.",
        error_messages={
            "required": "Give the number of days before the close, from 1 to 60.",
            "invalid": "Give a whole number of days, from 1 to 60.",
            "min_value": "Give at least 1 day before the close.",
            "max_value": "Give at most 60 days before the close.",
        })


# The returned papers desk (ballots/returns.py)


class ReturnedPaperForm(forms.Form):
    paper = forms.CharField(
        max_length=100, label="Code or serial on the paper",
        help_text="Scan the barcode, or type the voting code (16 letters and numbers) or the "
                  "10-digit serial, then press Enter.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off",
                                      "autocapitalize": "characters", "spellcheck": "false"}))


class ToCheckForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Why it needs checking",
                             help_text="For example: the code is torn; the name on the "
                                       "envelope is J. Smith.")


class PaperDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("", "Choose…"), *ReturnedPaper.Decision.choices],
                                 label="Decision")
    member_number = MemberNumberField(
        label="Member number (when accepted)", required=False,
        help_text="The member the paper is found to be from.")
    note = forms.CharField(max_length=500, label="Reason for the decision")


class InPersonForm(forms.Form):
    member_number = MemberNumberField(label="Member number of the member present")
