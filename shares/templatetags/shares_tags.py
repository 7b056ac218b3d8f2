from django import template

from shares.models import class_shares, count_of_shares
from societies.templatetags.money import pounds

register = template.Library()
register.filter("pounds", pounds)


@register.simple_tag(takes_context=True)
def admission_terms(context):
    """What joining the page's society costs in shares (None where it needs none)."""
    from shares.services import admission_terms as terms_for

    society = context.get("society")
    return terms_for(society) if society is not None else None


@register.filter
def shares_of(count, class_name):
    """{{ 3|shares_of:"Membership share" }} -> "3 Membership shares"."""
    return count_of_shares(count, str(class_name))


@register.filter(name="class_shares")
def class_shares_filter(class_name):
    """{{ "Withdrawable share"|class_shares }} -> "Withdrawable shares"."""
    return class_shares(str(class_name))
