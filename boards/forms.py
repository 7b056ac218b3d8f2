"""Forms for the secretary's board records; every queryset comes from the request's society."""

from django import forms
from django.utils import timezone

from boards.models import (
    Body,
    BodyKind,
    FilledBy,
    MeetingKind,
    Office,
    Outcome,
    SeatCategory,
    Term,
    TermEnd,
)

DATE = forms.DateInput(attrs={"type": "date"})


class BodyForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=BodyKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    rotation_numerator = forms.IntegerField(
        min_value=0, initial=1, label="Retire by rotation: this many…")
    rotation_denominator = forms.IntegerField(
        min_value=1, initial=3, label="…of every this many subject to rotation")


class SeatCategoryForm(forms.Form):
    body = forms.ModelChoiceField(queryset=Body.objects.none())
    name = forms.CharField(max_length=120)
    seats = forms.IntegerField(min_value=0)
    filled_by = forms.ChoiceField(choices=FilledBy.choices)
    constituency = forms.ModelChoiceField(queryset=None, required=False,
                                          help_text="Elected seats only; blank: all members.")
    appointing_body = forms.CharField(max_length=200, required=False,
                                      help_text="Appointed seats only: who appoints.")
    term_years = forms.IntegerField(min_value=1, required=False, label="Term length (years)")
    max_consecutive_terms = forms.IntegerField(min_value=1, required=False)
    requires_membership = forms.BooleanField(required=False, initial=True,
                                             label="Holders must be members")
    subject_to_rotation = forms.BooleanField(required=False,
                                             label="Holders retire by rotation")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = society.bodies.all()
        self.fields["constituency"].queryset = society.stakeholder_classes.filter(
            is_constituency=True)


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
    meeting_label = forms.CharField(max_length=200, required=False, label="Meeting")
    decided_on = forms.DateField(widget=DATE, initial=timezone.localdate)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Decision")
    proposer = forms.CharField(max_length=200, required=False)
    seconder = forms.CharField(max_length=200, required=False)
    votes_for = forms.IntegerField(min_value=0, initial=0)
    votes_against = forms.IntegerField(min_value=0, initial=0)
    abstentions = forms.IntegerField(min_value=0, initial=0)
    casting_vote = forms.ChoiceField(
        choices=[("", "None"), ("for", "For"), ("against", "Against")], required=False,
        label="Chair's casting vote (on a tie)")
    outcome = forms.ChoiceField(choices=[("", "Count the votes")] + list(Outcome.choices),
                                required=False,
                                help_text="Only for a decision without a vote (by consensus).")
    corrects_number = forms.IntegerField(min_value=1, required=False,
                                         label="Corrects decision number")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.society = society
        self.fields["body"].queryset = society.bodies.all()

    def clean(self):
        data = super().clean()
        number = data.get("corrects_number")
        data["corrects"] = None
        if number:
            data["corrects"] = self.society.decisions.filter(number=number).first()
            if data["corrects"] is None:
                self.add_error("corrects_number", "There is no decision with that number.")
        return data


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(choices=MeetingKind.choices)
    body = forms.ModelChoiceField(queryset=Body.objects.none(), required=False,
                                  help_text="For a meeting of a body only.")
    held_on = forms.DateField(widget=DATE, label="Date")
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}),
                                 required=False)
    place = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = society.bodies.all()


class CoOptionDecisionForm(forms.Form):
    """The AGM's decision on one co-option (boards.terms)."""

    decided_on = forms.DateField(widget=DATE, initial=timezone.localdate,
                                 label="Date of the general meeting")
    decision = forms.ChoiceField(
        choices=[("", "Choose…"), ("ratified", "Ratified"),
                 ("not_ratified", "Not ratified: the term ends")],
        label="The meeting's decision")
