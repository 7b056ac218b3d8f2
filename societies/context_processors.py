from django.urls import reverse

from societies import navigation
from societies.access import AFTER_MFA_SESSION_KEY
from societies.permissions import Role


def society(request):
    visitor = getattr(request, "visitor", None)
    if visitor is None:
        return {}
    after_mfa = None
    if request.path.startswith("/accounts/2fa/") and hasattr(request, "session"):
        after_mfa = request.session.get(AFTER_MFA_SESSION_KEY)
    role_labels = [Role(role).label for role in sorted(visitor.roles)]
    current = getattr(request, "society", None)
    nav = []
    if current is not None:
        here = request.path
        # What the roles grant: a link behind two-factor leads to enrolment, then to the page.
        for group in navigation.groups_for(visitor.granted):
            links = []
            for item in group.items:
                href = reverse(item.url_name, kwargs={"society_slug": current.slug})
                links.append({"label": item.label, "href": href, "current": here == href})
            nav.append({"label": group.label, "links": links,
                        "current": any(link["current"] for link in links)})
    return {
        "society": current,
        "society_nav_groups": nav,
        "society_perms": visitor.permissions,
        "society_role_labels": role_labels,
        "after_mfa_url": after_mfa,
    }
