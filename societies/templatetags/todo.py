from django import template
from django.utils import timezone

from societies import todo

register = template.Library()


@register.simple_tag(takes_context=True)
def society_todo(context):
    """What the visitor has waiting in the page's society (societies.todo)."""
    request = context["request"]
    society, visitor = getattr(request, "society", None), getattr(request, "visitor", None)
    if society is None or visitor is None:
        return []
    return todo.items_for(society, visitor, timezone.now())
