from django import template

from shares.ledger import format_pence

register = template.Library()


@register.filter
def pounds(pence):
    """Integer pence as money: 123456 -> £1,234.56."""
    if pence is None or pence == "":
        return "—"
    return format_pence(int(pence))



@register.simple_tag(takes_context=True)
def admission_terms(context):
    """What joining the page's society costs in shares (None where it needs none)."""
    from shares.services import admission_terms as terms_for

    society = context.get("society")
    return terms_for(society) if society is not None else None
