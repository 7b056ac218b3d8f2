"""Form fields shared by the apps' forms."""

from django import forms
from django.core.exceptions import ValidationError

from societies.money import format_pence, parse_pounds, pounds_text

# £10 million: more than any society's form needs, and inside a 32-bit column.
MAX_PENCE = 1_000_000_000


class PoundsField(forms.CharField):
    """An amount typed as people write it ("£1", "1.50", "£1,000.00", "50p"), cleaned to
    integer pence (150). Shown back as pounds and pence ("1.50")."""

    default_error_messages = {
        "invalid": "Enter an amount in pounds and pence, like 1.00.",
    }

    def __init__(self, *, min_pence: int = 1, max_pence: int = MAX_PENCE, **kwargs):
        self.min_pence, self.max_pence = min_pence, max_pence
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal",
                "spellcheck": "false", "autocomplete": "off"}

    def to_python(self, value):
        if isinstance(value, int):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_pounds(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value < self.min_pence:
            raise ValidationError(f"Enter at least {format_pence(self.min_pence)}.",
                                  code="min_value")
        if value > self.max_pence:
            raise ValidationError(f"Enter at most {format_pence(self.max_pence)}.",
                                  code="max_value")

    def prepare_value(self, value):
        return pounds_text(value) if isinstance(value, int) else value
