"""Forms for the secretary's board records; every queryset comes from the request's society."""

import re

from django import forms
from django.utils import timezone

from ballots.models import Contest, ResolutionKind
from ballots.models import Election as BallotElection
from boards.models import (
    AgendaItemKind,
    AttendanceMode,
    Body,
    BodyKind,
    FilledBy,
    Meeting,
    MeetingKind,
    Office,
    Outcome,
    ProxyInstruction,
    SeatCategory,
    Term,
    TermEnd,
    VoteMethod,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PAPER_MAX_BYTES = 10 * 1024 * 1024
# Votes are counted into integer columns; a tally past this is a typing slip, not a meeting.
MAX_VOTES = 100_000_000


class BodyForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=BodyKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # Upper bounds keep numbers inside their small-integer columns: beyond them PostgreSQL
    # refused the row with a 500 instead of the form naming the field.
    rotation_numerator = forms.IntegerField(
        min_value=0, max_value=1000, initial=1, label="Retire by rotation: this many…")
    rotation_denominator = forms.IntegerField(
        min_value=1, max_value=1000, initial=3, label="…of every this many subject to rotation")


class SeatCategoryForm(forms.Form):
    body = forms.ModelChoiceField(queryset=Body.objects.none())
    name = forms.CharField(max_length=120)
    seats = forms.IntegerField(min_value=0, max_value=1000)
    filled_by = forms.ChoiceField(choices=FilledBy.choices)
    constituency = forms.ModelChoiceField(queryset=None, required=False,
                                          help_text="Elected seats only; blank: all members.")
    appointing_body = forms.CharField(max_length=200, required=False,
                                      help_text="Appointed seats only: who appoints.")
    term_years = forms.IntegerField(min_value=1, max_value=100, required=False,
                                    label="Term length (years)")
    max_consecutive_terms = forms.IntegerField(min_value=1, max_value=100, required=False)
    requires_membership = forms.BooleanField(required=False, initial=True,
                                             label="Holders must be members")
    holder_classes = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label="Who may stand and hold these seats",
        help_text="Tick the classes whose members may stand (none: any member). Who votes is "
                  "the constituency's, or every member's.")
    subject_to_rotation = forms.BooleanField(required=False,
                                             label="Holders retire by rotation")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = society.bodies.all()
        self.fields["constituency"].queryset = society.stakeholder_classes.filter(
            is_constituency=True)
        self.fields["holder_classes"].queryset = society.stakeholder_classes.all()


class TermForm(forms.Form):
    seat_category = forms.ModelChoiceField(queryset=SeatCategory.objects.none(),
                                           label="Seats")
    member_number = forms.IntegerField(min_value=1, required=False,
                                       help_text="For a member of the society.")
    holder_name = forms.CharField(max_length=200, required=False,
                                  help_text="For someone who is not a member.")
    how_filled = forms.ChoiceField(choices=FilledBy.choices)
    started_on = forms.DateField(widget=DATE, initial=timezone.localdate)
    reference = forms.CharField(max_length=200, required=False,
                                label="Decision or result reference")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society
        self.fields["seat_category"].queryset = society.seat_categories.select_related("body")

    def clean(self):
        data = super().clean()
        number = data.get("member_number")
        data["member"] = None
        if number:
            data["member"] = self.society.members.filter(member_number=number).first()
            if data["member"] is None:
                self.add_error("member_number", "No member has that number.")
        elif not data.get("holder_name"):
            raise forms.ValidationError("Give a member number or the holder's name.")
        return data


class EndTermForm(forms.Form):
    ended_on = forms.DateField(widget=DATE, initial=timezone.localdate)
    reason = forms.ChoiceField(choices=TermEnd.choices)


class RatifyForm(forms.Form):
    ratified_on = forms.DateField(widget=DATE, initial=timezone.localdate,
                                  label="Ratified by the general meeting on")


class OfficerForm(forms.Form):
    office = forms.ChoiceField(choices=Office.choices)
    office_title = forms.CharField(max_length=100, required=False,
                                   help_text="For another office: its name.")
    member_number = forms.IntegerField(min_value=1, required=False)
    name = forms.CharField(max_length=200, required=False,
                           help_text="Blank for a member: their name on the register.")
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text="Blank for a member: their address on the register.")
    taken_up_on = forms.DateField(widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society

    def clean(self):
        data = super().clean()
        number = data.get("member_number")
        data["member"] = None
        if number:
            data["member"] = self.society.members.filter(member_number=number).first()
            if data["member"] is None:
                self.add_error("member_number", "No member has that number.")
        return data


class LeaveOfficeForm(forms.Form):
    left_on = forms.DateField(widget=DATE, initial=timezone.localdate)


class InterestForm(forms.Form):
    term = forms.ModelChoiceField(queryset=Term.objects.none(), label="Board member")
    interest = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    declared_on = forms.DateField(widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = society.terms.filter(
            ended_on__isnull=True).select_related("seat_category__body")


class DecisionForm(forms.Form):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), required=False,
                                  help_text="Blank for a general meeting.")
    meeting_label = forms.CharField(max_length=200, required=False,
                                    label="Meeting, as the minutes name it",
                                    help_text="For example “Board 3 Nov 2026, item 4”.")
    decided_on = forms.DateField(widget=DATE, initial=timezone.localdate)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Decision")
    proposer = forms.CharField(max_length=200, required=False)
    seconder = forms.CharField(max_length=200, required=False)
    votes_for = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0)
    votes_against = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0)
    abstentions = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0)
    casting_vote = forms.ChoiceField(
        choices=[("", "None"), ("for", "For"), ("against", "Against")], required=False,
        label="Chair's casting vote (on a tie)")
    outcome = forms.ChoiceField(choices=[("", "Count the votes")] + list(Outcome.choices),
                                required=False,
                                help_text="Only for a decision without a vote (by consensus).")
    corrects_number = forms.IntegerField(min_value=1, required=False,
                                         label="Corrects decision number")
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), required=False,
                                     label="Meeting scheduled here",
                                     help_text="The meeting that decided, if it is scheduled "
                                               "here.")
    member_number = forms.IntegerField(
        min_value=1, required=False, label="Member admitted or expelled (member number)",
        help_text="For an admission or expulsion: the member this decision concerns.")
    application_reference = forms.CharField(
        max_length=40, required=False, label="Application decided (reference)")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society
        self.fields["body"].queryset = society.bodies.all()
        self.fields["meeting"].queryset = society.meetings.select_related("body")

    def clean(self):
        data = super().clean()
        number = data.get("corrects_number")
        data["corrects"] = None
        if number:
            data["corrects"] = self.society.decisions.filter(number=number).first()
            if data["corrects"] is None:
                self.add_error("corrects_number", "There is no decision with that number.")
        data["member"] = _member(self, "member_number")
        data["application"] = None
        reference = (data.get("application_reference") or "").strip()
        if reference:
            data["application"] = self.society.applications.filter(
                reference__iexact=reference).first()
            if data["application"] is None:
                self.add_error("application_reference", "No application has that reference.")
        return data


def _member(form, field):
    """The member whose number is in `field` (an error on the field if there is none)."""
    number = form.cleaned_data.get(field)
    if not number:
        return None
    member = form.society.members.filter(member_number=number).first()
    if member is None:
        form.add_error(field, "No member has that number.")
    return member


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(choices=MeetingKind.choices)
    body = forms.ModelChoiceField(queryset=Body.objects.none(), required=False,
                                  help_text="For a meeting of a body only.")
    held_on = forms.DateField(widget=DATE, label="Date")
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}),
                                 required=False)
    place = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    online_link = forms.URLField(required=False, assume_scheme="https",
                                 help_text="For a meeting held (also) online.")
    chair_name = forms.CharField(max_length=200, required=False,
                                 label="Chair of the meeting")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = society.bodies.all()


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
REASON = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                         help_text="Told to the members with the notice of the change.")


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Told to the members with the notice of the change.")


class PostponeMeetingForm(forms.Form):
    held_on = forms.DateField(widget=DATE, label="New date")
    start_time = forms.TimeField(widget=TIME, required=False, label="New start time",
                                 help_text="Blank: the same time as before.")
    reason = REASON


class AdjournMeetingForm(PostponeMeetingForm):
    held_on = forms.DateField(widget=DATE, label="Adjourned to (date)")
    place = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                            help_text="Blank: the same place as before.")
    reason = REASON


class MeetingDetailsForm(forms.Form):
    start_time = forms.TimeField(widget=TIME, required=False)
    place = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    online_link = forms.URLField(required=False, assume_scheme="https")
    chair_name = forms.CharField(max_length=200, required=False, label="Chair of the meeting")
    duration_minutes = forms.IntegerField(min_value=1, max_value=1440,
                                          label="Expected length (minutes)")
    reason = REASON


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(choices=AgendaItemKind.choices)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    resolution = forms.ModelChoiceField(
        queryset=Contest.objects.none(), required=False,
        label="Resolution put to the members",
        help_text="For a resolution item: a resolution already set up in the elections "
                  "pages. To write a new one, use “Put a resolution on the agenda”.")
    election = forms.ModelChoiceField(
        queryset=BallotElection.objects.none(), required=False,
        help_text="For an election item: its candidates' statements go with the notice.")
    proposer = forms.CharField(max_length=200, required=False)
    seconder = forms.CharField(max_length=200, required=False)
    paper = forms.FileField(required=False, label="Paper (file)",
                            help_text="A PDF or document, at most 10 MB.")
    paper_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False,
                                 label="Paper (text)")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolution"].queryset = society.contests.filter(method="resolution")
        self.fields["election"].queryset = society.elections.all()

    def clean_paper(self):
        paper = self.cleaned_data.get("paper")
        if paper and paper.size > PAPER_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        return paper

    def clean(self):
        data = super().clean()
        if data.get("kind") == AgendaItemKind.RESOLUTION and not data.get("resolution"):
            self.add_error("resolution", "Choose the resolution for a resolution item.")
        return data


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ResolutionItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Resolution text")
    explanatory_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                                       required=False)
    kind = forms.ChoiceField(choices=ResolutionKind.choices, label="Kind of resolution")
    # The contest keeps both in a small integer; 1000 allows any fraction a society's rules use.
    fraction_numerator = forms.IntegerField(min_value=1, max_value=1000, initial=3,
                                            label="Special: at least this many…")
    fraction_denominator = forms.IntegerField(min_value=1, max_value=1000, initial=4,
                                              label="…of every this many votes cast")
    voting_opens = forms.DateTimeField(widget=DATETIME, label="Advance online voting opens")
    voting_closes = forms.DateTimeField(widget=DATETIME, label="Advance online voting closes",
                                        help_text="No later than the start of the meeting.")
    record_date = forms.DateField(widget=DATE, initial=timezone.localdate,
                                  help_text="Members on the register on this date may vote.")
    proposer = forms.CharField(max_length=200, required=False)
    seconder = forms.CharField(max_length=200, required=False)

    def clean(self):
        data = super().clean()
        top, bottom = data.get("fraction_numerator"), data.get("fraction_denominator")
        if top and bottom and top > bottom:
            self.add_error("fraction_numerator", "The fraction must be at most one.")
        return data


class ProxyForm(forms.Form):
    holder = forms.ChoiceField(
        choices=[("chair", "The chair of the meeting"), ("member", "Another member")],
        widget=forms.RadioSelect, initial="chair", label="Your proxy")
    holder_number = forms.IntegerField(
        min_value=1, required=False, label="Your proxy's member number",
        help_text="Only if you chose another member.")

    def __init__(self, *args, society, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.public_id}"] = forms.ChoiceField(
                choices=ProxyInstruction.choices, initial=ProxyInstruction.DISCRETION,
                widget=forms.RadioSelect, label=f"{item.position}. {item.title}",
                help_text="" if item.resolution_text_repeats_title
                else item.resolution.resolution_text[:500])

    def clean(self):
        data = super().clean()
        data["holder_member"] = None
        if data.get("holder") == "member":
            if not data.get("holder_number"):
                self.add_error("holder_number", "Give your proxy's member number.")
            else:
                data["holder_member"] = _member(self, "holder_number")
        data["instructions"] = {str(item.public_id): data.get(f"item_{item.public_id}")
                                for item in self.items if data.get(f"item_{item.public_id}")}
        return data


class PaperProxyForm(ProxyForm):
    """A proxy form received on paper, entered by the secretary."""

    appointer_number = forms.IntegerField(min_value=1, label="Member number of the member "
                                          "appointing")
    received_at = forms.DateTimeField(
        required=False, label="Received at", widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="When the form arrived; blank means now. The deadline is judged at this "
                  "time.")
    field_order = ["appointer_number", "received_at", "holder", "holder_number"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].label = "Proxy named on the form"
        self.fields["holder_number"].label = "The proxy's member number"
        self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        data["appointer"] = _member(self, "appointer_number")
        return data


class AttendanceForm(forms.Form):
    member_number = forms.IntegerField(min_value=1)
    mode = forms.ChoiceField(choices=AttendanceMode.choices, label="Attendance")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society

    def clean(self):
        data = super().clean()
        data["member"] = _member(self, "member_number")
        return data


# member_number is a 32-bit column: a larger number names no member (and is not looked up).
MAX_MEMBER_NUMBER = 2_147_483_647
# A pasted list longer than this is a mistake, not a meeting; it is refused before any lookup.
MAX_LISTED_MEMBERS = 20_000
NUMBER_SEPARATORS = re.compile(r"[\s,;]+")


class _AttendanceListForm(forms.Form):
    """Many members at once for one meeting: the numbers become `cleaned_data["members"]`,
    every one a member on the meeting day, or the form names each line (or number) that is
    not. All or nothing: nothing is recorded while any is wrong."""

    mode = forms.ChoiceField(choices=AttendanceMode.choices, label="Record them as")
    error_field = None

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    def entries(self) -> list[tuple[str, str]]:
        """(where, text) for each number given: where names the line or says "ticked"."""
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        entries = self.entries()
        if not entries or len(entries) > MAX_LISTED_MEMBERS:
            self.add_error(self.error_field, self.nothing_given if not entries else (
                f"{len(entries):,} numbers are more than one list may hold "
                f"({MAX_LISTED_MEMBERS:,}): send it in parts."))
            return data
        problems, wanted = [], {}
        for where, text in entries:
            if not text.isdigit():
                problems.append(f"{where}: “{text[:40]}” is not a member number")
            elif 0 < int(text) <= MAX_MEMBER_NUMBER:
                wanted.setdefault(int(text), where)
            else:
                problems.append(f"{where}: no member numbered {text[:20]}")
        found = self.members_numbered(list(wanted))
        day = self.meeting.held_on
        for number, where in wanted.items():
            member = found.get(number)
            if member is None:
                problems.append(f"{where}: no member numbered {number}")
            elif not member.is_active_on(day):
                problems.append(f"{where}: {member.full_name} (no. {number}) is not a member "
                                f"on {day.day} {day:%B %Y}")
        if problems:
            shown = problems[:50]
            if len(problems) > len(shown):
                shown.append(f"and {len(problems) - len(shown)} more")
            self.add_error(self.error_field, forms.ValidationError(
                ["Nothing was recorded: correct these and send the list again."] + shown))
            return data
        data["members"] = [found[number] for number in wanted]
        return data

    def members_numbered(self, numbers: list[int]) -> dict:
        from boards.services import ID_SLICE

        found = {}
        for start in range(0, len(numbers), ID_SLICE):
            for member in self.meeting.society.members.filter(
                    member_number__in=numbers[start:start + ID_SLICE]).only(
                    "pk", "society_id", "member_number", "full_name", "admitted_on",
                    "ceased_on"):
                found[member.member_number] = member
        return found


class _NumberList(forms.Field):
    """The values of every ticked box; each is checked against the register by the form."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [str(v).strip() for v in value or [] if str(v).strip()]


class AttendancePasteForm(_AttendanceListForm):
    prefix = "paste"
    nothing_given = "Paste at least one member number."
    error_field = "numbers"
    numbers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), label="Member numbers",
        error_messages={"required": "Paste at least one member number."},
        help_text="One a line (commas or spaces between numbers also do), e.g. from a "
                  "signing-in sheet or a spreadsheet column.")
    field_order = ["numbers", "mode"]

    def entries(self):
        text = self.cleaned_data.get("numbers") or ""
        return [(f"line {number}", token)
                for number, line in enumerate(text.splitlines(), start=1)
                for token in NUMBER_SEPARATORS.split(line.strip()) if token]


class AttendanceTickForm(_AttendanceListForm):
    prefix = "tick"
    nothing_given = "Tick at least one member."
    ticked = _NumberList(required=False, label="Members ticked")

    def entries(self):
        return [(f"member number {value}" if value.isdigit() else "a ticked box", value)
                for value in self.cleaned_data.get("ticked") or []]


class MeetingVoteForm(forms.Form):
    method = forms.ChoiceField(choices=VoteMethod.choices, label="How the meeting voted")
    room_for = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0,
                                  label="In the room: for")
    room_against = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0,
                                      label="In the room: against")
    room_abstain = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0,
                                      label="In the room: abstentions")
    discretion_for = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0,
                                        label="Discretionary proxies: for")
    discretion_against = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0,
                                            label="Discretionary proxies: against")
    discretion_abstain = forms.IntegerField(min_value=0, max_value=MAX_VOTES, initial=0,
                                            label="Discretionary proxies: abstentions")
    casting_vote = forms.ChoiceField(
        choices=[("", "None"), ("for", "For"), ("against", "Against")], required=False,
        label="Chair's casting vote (a tied ordinary resolution only)")
    # The facts shown when the figures were checked; confirming re-checks them on the server.
    expected = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        if correcting:
            self.fields["reason"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                label="The chair's reason for the correction",
                help_text="Entered in the decision register with the reversal, e.g. “The "
                          "tellers counted the front rows twice.”")
            self.order_fields(["reason"])

    def figures(self) -> dict:
        """The service's keyword arguments from the cleaned data."""
        d = self.cleaned_data
        keys = ["method", "room_for", "room_against", "room_abstain", "discretion_for",
                "discretion_against", "discretion_abstain"]
        return {key: d[key] for key in keys} | {"casting_vote": d["casting_vote"] or None}


class MinutesForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 24}), label="Minutes")


class ApproveMinutesForm(forms.Form):
    at_meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(),
                                        label="Approved at the meeting of")
    proposer = forms.CharField(max_length=200, required=False)
    seconder = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, minutes, **kwargs):
        super().__init__(*args, **kwargs)
        meeting = minutes.meeting
        later = minutes.society.meetings.filter(held_on__gt=meeting.held_on,
                                                held_on__lte=timezone.localdate())
        later = later.exclude(kind=MeetingKind.BOARD) if meeting.is_general else later.filter(
            body=meeting.body)
        self.fields["at_meeting"].queryset = later.select_related("body")


class MeetingRulesForm(forms.Form):
    quorum_minimum_members = forms.IntegerField(min_value=1, max_value=10000,
                                                label="Quorum: at least this many members")
    quorum_percent = forms.DecimalField(
        min_value=0, max_value=100, max_digits=5, decimal_places=2,
        label="…or this percentage of members, whichever is greater")
    quorum_counts_proxies = forms.BooleanField(
        required=False, label="Members represented by proxy count towards the quorum")
    proxy_deadline_hours = forms.IntegerField(
        min_value=0, max_value=720, label="Proxies must be appointed this many hours before")
    proxy_max_per_holder = forms.IntegerField(
        min_value=1, max_value=10000, required=False,
        label="Most proxies one member may hold",
        help_text="Blank: no limit. The chair of the meeting is not limited.")
    chair_casting_vote = forms.BooleanField(
        required=False, label="The chair has a casting vote on a tied ordinary resolution")


class CoOptionDecisionForm(forms.Form):
    """The AGM's decision on one co-option (boards.terms)."""

    decided_on = forms.DateField(widget=DATE, initial=timezone.localdate,
                                 label="Date of the general meeting")
    decision = forms.ChoiceField(
        choices=[("", "Choose…"), ("ratified", "Ratified"),
                 ("not_ratified", "Not ratified: the term ends")],
        label="The meeting's decision")
