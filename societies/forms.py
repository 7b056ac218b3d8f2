from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from societies.fields import PoundsField
from societies.models import LEGAL_MAX_WITHDRAWABLE_PENCE, LegalForm, Society, StakeholderClass
from societies.permissions import GRANTABLE_ROLES
from societies.services import CLASS_FIELDS, SETTINGS_FIELDS


class SocietySettingsForm(forms.ModelForm):
    share_nominal_value_pence = PoundsField(
        label="Nominal value of a share (£)",
        help_text="In pounds and pence: 1.00 for a £1 share, 0.01 for a penny share.")
    max_withdrawable_pence = PoundsField(
        label="Maximum withdrawable holding per member (£)", min_pence=0,
        max_pence=LEGAL_MAX_WITHDRAWABLE_PENCE,
        help_text="In pounds and pence; the law allows at most £100,000.00.")

    class Meta:
        model = Society
        fields = SETTINGS_FIELDS
        widgets = {"registered_office": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "probation_days": "Only used when applicants are admitted by a vote of members.",
        }


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
