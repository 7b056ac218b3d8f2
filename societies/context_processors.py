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
    return {
        "society": getattr(request, "society", None),
        "society_perms": visitor.permissions,
        "society_role_labels": role_labels,
        "after_mfa_url": after_mfa,
    }
