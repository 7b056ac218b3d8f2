from django import forms
from django.utils import timezone

from notifications.models import ContactChannel


class ContactPreferencesForm(forms.Form):
    contact_channel = forms.ChoiceField(
        label="How should the society send you notices?",
        choices=ContactChannel.choices,
    )
    email = forms.EmailField(label="Email address", required=False)
    email_purpose = forms.CharField(
        label="What the email address is for", max_length=200, required=False,
        help_text="The register records what you gave your email address for.",
    )
    electronic_consent = forms.BooleanField(
        label="I agree to receive notices from the society electronically", required=False,
    )
    large_print = forms.BooleanField(
        label="Send me ballot papers in large print (16 point or larger)", required=False,
        help_text="For voting by post: the paper comes in large print.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contact_channel") == ContactChannel.EMAIL:
            if not cleaned.get("email"):
                self.add_error("email", "Give an email address to be contacted by email.")
            if not cleaned.get("electronic_consent"):
                self.add_error("electronic_consent",
                               "Agree to electronic notices to be contacted by email.")
        return cleaned


class SendNoticeForm(forms.Form):
    audience = forms.ModelChoiceField(
        label="Send to", queryset=None, required=False, empty_label="All members",
    )
    subject = forms.CharField(max_length=300)
    body = forms.CharField(label="Text of the notice", widget=forms.Textarea(attrs={"rows": 10}),
                           help_text="Sent as written, after “Dear <name>,”.")

    def __init__(self, *args, society, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].queryset = society.stakeholder_classes.all()


class ConfirmPostedForm(forms.Form):
    posted_on = forms.DateField(
        label="Posted on", initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
