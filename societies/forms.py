from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from societies.documents import PDF_MAX_LABEL, pdf_problem, read_upload
from societies.fields import PoundsField
from societies.models import (
    LEGAL_MAX_WITHDRAWABLE_PENCE,
    DocumentKind,
    LegalForm,
    Society,
    StakeholderClass,
)
from societies.permissions import GRANTABLE_ROLES
from societies.services import CLASS_FIELDS, JOINING_FIELDS, SETTINGS_FIELDS


class SocietySettingsForm(forms.ModelForm):
    share_nominal_value_pence = PoundsField(
        label="Nominal value of a share (£)",
        help_text="In pounds and pence: 1.00 for a £1 share, 0.01 for a penny share.")
    max_withdrawable_pence = PoundsField(
        label="Maximum withdrawable holding per member (£)", min_pence=0,
        max_pence=LEGAL_MAX_WITHDRAWABLE_PENCE,
        help_text="In pounds and pence; the law allows at most £100,000.00.")
    posting_days = forms.IntegerField(
        label="Days a letter takes to arrive", min_value=0, max_value=30, required=False,
        help_text="A reminder to vote goes by letter only when it is sent more days than this "
                  "before the close. Left empty, it stays as it is.")

    class Meta:
        model = Society
        fields = SETTINGS_FIELDS
        widgets = {"registered_office": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "probation_days": "Only used when applicants are admitted by a vote of members.",
        }

    def clean_posting_days(self):
        days = self.cleaned_data.get("posting_days")
        return self.instance.posting_days if days is None else days


class JoiningSettingsForm(forms.ModelForm):
    """The public page's text and how applicants pay (docs/members.md, "Joining")."""

    class Meta:
        model = Society
        fields = JOINING_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
            "payment_office_address": forms.Textarea(attrs={"rows": 3}),
            "payment_sort_code": forms.TextInput(attrs={"inputmode": "numeric",
                                                        "autocomplete": "off"}),
            "payment_account_number": forms.TextInput(attrs={"inputmode": "numeric",
                                                             "autocomplete": "off"}),
        }
        help_texts = {
            "payment_sort_code": "Six digits, for example 12-34-56.",
            "payment_account_number": "Eight digits.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Room for the spaces and hyphens people type; cleaned to the digits below.
        for name in ("payment_sort_code", "payment_account_number"):
            self.fields[name].max_length = 20
            self.fields[name].validators = []
            self.fields[name].widget.attrs["maxlength"] = 20

    def clean_payment_sort_code(self):
        digits = "".join(self.cleaned_data["payment_sort_code"].replace("-", " ").split())
        if digits and not (digits.isdigit() and len(digits) == 6):
            raise ValidationError("A sort code is six digits, such as 12-34-56.")
        return f"{digits[0:2]}-{digits[2:4]}-{digits[4:6]}" if digits else ""

    def clean_payment_account_number(self):
        digits = "".join(self.cleaned_data["payment_account_number"].replace("-", " ").split())
        if digits and not (digits.isdigit() and len(digits) == 8):
            raise ValidationError("An account number is eight digits (if your bank gave you "
                                  "seven, put a 0 in front).")
        return digits

    def clean_payment_reference(self):
        return " ".join(self.cleaned_data["payment_reference"].split())


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices, label="Document")
    version_label = forms.CharField(max_length=40, label="Version",
                                    help_text="As the document names itself, for example "
                                              "'2024 rules' or 'version 3'.")
    version_date = forms.DateField(
        label="Date of this version", widget=forms.DateInput(attrs={"type": "date"},
                                                             format="%Y-%m-%d"),
        help_text="When it was adopted, registered or took effect.")
    file = forms.FileField(label="The document (PDF)",
                           help_text=f"A PDF file of at most {PDF_MAX_LABEL}.",
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.content = read_upload(uploaded)
        problem = pdf_problem(self.content)
        if problem:
            raise ValidationError(problem)
        return uploaded


class StakeholderClassForm(forms.ModelForm):
    class Meta:
        model = StakeholderClass
        fields = CLASS_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in GRANTABLE_ROLES])


class CreateSocietyForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=60, label="Web address", help_text="Letters, numbers and hyphens: /s/<this>/"
    )
    legal_form = forms.ChoiceField(choices=LegalForm.choices)
    secretary_email = forms.EmailField(label="First secretary's email address")


class SetPasswordForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Your full name")
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password (again)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif first:
            from accounts.models import User

            try:
                password_validation.validate_password(
                    first, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned
