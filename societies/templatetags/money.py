from django import template

from societies.money import format_pence

register = template.Library()


@register.filter
def pounds(pence):
    """Integer pence as money: 123456 -> £1,234.56."""
    if pence is None or pence == "":
        return "—"
    return format_pence(int(pence))
