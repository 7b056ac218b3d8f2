from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from societies import audit_text, services
from societies.access import (
    get_or_404,
    platform_operator,
    public,
    redirect_to_mfa_enrolment,
    requires,
)
from societies.forms import (
    CreateSocietyForm,
    DocumentUploadForm,
    InviteForm,
    JoiningSettingsForm,
    SetPasswordForm,
    SocietySettingsForm,
    StakeholderClassForm,
)
from societies.models import DocumentKind, RoleGrant, Society, current_documents
from societies.permissions import Role, role_needs_mfa
from societies.services import SocietyError


def home(request):
    if request.user.is_authenticated:
        return redirect("my_societies")
    return render(request, "home.html")


@login_required
def my_societies(request):
    """Every society where the visitor is a member or holds a role."""
    with scopes_disabled():
        grants = RoleGrant.objects.filter(user=request.user).values_list("society_id", "role")
        # The register sits above societies: its rows are reached through the user.
        memberships = request.user.memberships.filter(
            ceased_on__isnull=True
        ).values_list("society_id", flat=True)
        roles: dict[int, set[str]] = {}
        for society_id, role in grants:
            roles.setdefault(society_id, set()).add(role)
        for society_id in memberships:
            roles.setdefault(society_id, set()).add(Role.MEMBER)
        societies = Society.objects.filter(pk__in=roles, is_active=True).order_by("name")
        rows = [
            (society, [Role(r).label for r in sorted(roles[society.pk])]) for society in societies
        ]
    return render(request, "societies/my_societies.html", {"rows": rows})


@staff_member_required
@platform_operator
def create_society(request):
    form = CreateSocietyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            society = services.create_society(actor=request.user, **form.cleaned_data)
        except SocietyError as error:
            form.add_error("slug", str(error))
        else:
            messages.success(
                request,
                f"{society.name} is set up; an invitation is on its way to "
                f"{form.cleaned_data['secretary_email']}.",
            )
            return redirect("platform_societies")
    return render(request, "societies/create_society.html", {"form": form})


@staff_member_required
@platform_operator
def platform_societies(request):
    with scopes_disabled():
        societies = list(Society.objects.order_by("name"))
    return render(request, "societies/platform_societies.html", {"societies": societies})


def accept_invitation(request, token):
    invitation = services.invitation_from_token(token)
    if invitation is None:
        return render(request, "societies/invitation_invalid.html", status=404)
    society = invitation.society
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation, society)
    from accounts.models import User

    if User.objects.filter(email__iexact=invitation.email).exists():
        return render(request, "societies/invitation_sign_in.html",
                      {"invitation": invitation, "society": society})
    form = SetPasswordForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_account_for_invitation(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except SocietyError as error:
            form.add_error(None, str(error))
        else:
            _sign_in_with_password(request, user)
            return _after_acceptance(request, invitation)
    return render(request, "societies/invitation_set_password.html",
                  {"invitation": invitation, "society": society, "form": form})


def _sign_in_with_password(request, user):
    """Sign the new account in, recorded as a fresh password sign-in, so that allauth lets
    them enrol two-factor authentication without asking for the password again."""
    from allauth.account.internal.flows.login import record_authentication

    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    record_authentication(request, user, method="password", email=user.email,
                          reauthenticated=True)


def _accept_signed_in(request, invitation, society):
    error = None
    if request.method == "POST":
        try:
            services.accept_invitation(actor=request.user, invitation=invitation)
        except SocietyError as exc:
            error = str(exc)
        else:
            return _after_acceptance(request, invitation)
    elif request.user.email.lower() != invitation.email.lower():
        error = (f"This invitation was sent to {invitation.email}, but you are signed in as "
                 f"{request.user.email}. Sign out, then follow the link again.")
    return render(request, "societies/invitation_accept.html",
                  {"invitation": invitation, "society": society, "error": error})


def _after_acceptance(request, invitation):
    from allauth.mfa.utils import is_mfa_enabled

    society_home = reverse("societies:home", kwargs={"society_slug": invitation.society.slug})
    messages.success(
        request, f"You are now {Role(invitation.role).label.lower()} of {invitation.society.name}."
    )
    if role_needs_mfa(invitation.role) and not is_mfa_enabled(request.user):
        messages.info(request, "With this role you must set up two-factor authentication first.")
        return redirect_to_mfa_enrolment(request, society_home)
    return redirect("my_societies")


# Pages inside a society (/s/<slug>/...), run by the middleware inside the society's scope.


@public
def society_home(request):
    """Members and officers see their home; everyone else the society's public page."""
    if request.visitor.roles:
        return _members_home(request)
    return _public_page(request)


@requires("society:view")
def _members_home(request):
    society = request.society
    context = {
        "member": request.visitor.member,
        "class_count": society.stakeholder_classes.count(),
        # A member with a role who has not set up two-factor: its pages wait for it.
        "role_waits_for_mfa": request.visitor.permissions != request.visitor.granted,
    }
    return render(request, "societies/society_home.html", context)


@public
def public_page(request):
    """The public page as a visitor sees it, whoever is looking (officers check it here)."""
    return _public_page(request)


def _public_page(request):
    society = request.society
    if not society.public_page_shown and not request.visitor.roles:
        if not request.user.is_authenticated:
            # Members come in by the society's address, as to any page that needs signing in.
            return redirect_to_login(request.get_full_path())
        raise Http404
    return render(request, "societies/public_page.html", {
        "documents": current_documents(society),
        "classes": society.stakeholder_classes.all(),
        "is_preview": bool(request.visitor.roles),
    })


# Public addresses of the current documents: /documents/rules.pdf, /privacy-notice.pdf.
DOCUMENT_SLUGS = {"rules": DocumentKind.RULES, "privacy-notice": DocumentKind.PRIVACY_NOTICE}


def _pdf_response(document) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.download_name}"'
    # An uploaded file is shown as a document, never run as a page of this site.
    response["Content-Security-Policy"] = "sandbox"
    return response


@public
def current_document(request, kind):
    """The current version of the rules or privacy notice, for anyone (the application form
    links them, even where the public page is not shown)."""
    if kind not in DOCUMENT_SLUGS:
        raise Http404
    document = request.society.documents.filter(kind=DOCUMENT_SLUGS[kind]).order_by(
        "-uploaded_at", "-id").first()
    if document is None:
        raise Http404
    return _pdf_response(document)


@requires("society:view_settings")
def document_version(request, public_id):
    """Any version, past or current, for the officers who keep the records."""
    return _pdf_response(get_or_404(request.society.documents, public_id=public_id))


def _joining_page(request, form=None, upload_form=None, status=200):
    society = request.society
    can_edit = request.visitor.can("society:edit_settings")
    versions = society.documents.defer("content").select_related("uploaded_by").order_by(
        "kind", "-uploaded_at", "-id")
    return render(request, "societies/joining_settings.html", {
        "can_edit": can_edit,
        "form": form or (JoiningSettingsForm(instance=society) if can_edit else None),
        "upload_form": upload_form or (DocumentUploadForm() if can_edit else None),
        "documents": current_documents(society),
        "versions": versions,
    }, status=status)


@requires("society:view_settings")
def joining_settings(request):
    if request.method != "POST":
        return _joining_page(request)
    if not request.visitor.can("society:edit_settings"):
        raise PermissionDenied
    society = request.society
    form = JoiningSettingsForm(request.POST, instance=Society.objects.get(pk=society.pk))
    if form.is_valid():
        try:
            changes = services.update_society_settings(
                actor=request.user, society=society, values=form.cleaned_data,
                fields=services.JOINING_FIELDS)
        except SocietyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Settings saved." if changes else "Nothing was changed.")
            return redirect("societies:joining_settings", society_slug=society.slug)
    return _joining_page(request, form=form, status=400)


@require_POST
@requires("society:edit_settings")
def document_upload(request):
    society = request.society
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.upload_society_document(
                actor=request.user, society=society, kind=form.cleaned_data["kind"],
                version_label=form.cleaned_data["version_label"],
                version_date=form.cleaned_data["version_date"], content=form.content,
                original_name=form.cleaned_data["file"].name)
        except SocietyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{document} is now the current version.")
            return redirect("societies:joining_settings", society_slug=society.slug)
    return _joining_page(request, upload_form=form, status=400)


@requires("society:view_settings")
def settings_view(request):
    society = request.society
    can_edit = request.visitor.can("society:edit_settings")
    form = SocietySettingsForm(instance=society) if can_edit else None
    return render(request, "societies/settings.html", {
        "form": form,
        "can_edit": can_edit,
        "classes": society.stakeholder_classes.all(),
        "class_form": StakeholderClassForm() if can_edit else None,
    })


@require_POST
@requires("society:edit_settings")
def settings_edit(request):
    society = request.society
    form = SocietySettingsForm(request.POST, instance=Society.objects.get(pk=society.pk))
    if form.is_valid():
        try:
            changes = services.update_society_settings(
                actor=request.user, society=society, values=form.cleaned_data
            )
        except SocietyError as error:
            form.add_error(None, str(error))
        else:
            if changes:
                messages.success(request, "Settings saved.")
            else:
                messages.info(request, "Nothing was changed.")
            return redirect("societies:settings", society_slug=society.slug)
    return render(request, "societies/settings.html", {
        "form": form,
        "can_edit": True,
        "classes": society.stakeholder_classes.all(),
        "class_form": StakeholderClassForm(),
    }, status=400)


@requires("society:edit_settings")
def class_add(request):
    society = request.society
    form = StakeholderClassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.add_stakeholder_class(
                actor=request.user, society=society, values=form.cleaned_data
            )
        except SocietyError as error:
            form.add_error(error.field or "name", str(error))
        else:
            messages.success(request, f"Stakeholder class {created.name} added.")
            return redirect("societies:settings", society_slug=society.slug)
    return render(request, "societies/class_form.html", {"form": form, "adding": True},
                  status=400 if form.errors else 200)


@requires("society:edit_settings")
def class_edit(request, public_id):
    society = request.society
    stakeholder_class = get_or_404(society.stakeholder_classes, public_id=public_id)
    form = StakeholderClassForm(request.POST or None, instance=stakeholder_class)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_stakeholder_class(
                actor=request.user, stakeholder_class=stakeholder_class, values=form.cleaned_data
            )
        except SocietyError as error:
            form.add_error(error.field or "name", str(error))
        else:
            messages.success(request, "Stakeholder class saved.")
            return redirect("societies:settings", society_slug=society.slug)
    return render(request, "societies/class_form.html",
                  {"form": form, "stakeholder_class": stakeholder_class},
                  status=400 if form.errors else 200)


@require_POST
@requires("society:edit_settings")
def class_remove(request, public_id):
    society = request.society
    stakeholder_class = get_or_404(society.stakeholder_classes, public_id=public_id)
    try:
        services.remove_stakeholder_class(actor=request.user, stakeholder_class=stakeholder_class)
    except SocietyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Stakeholder class {stakeholder_class.name} removed.")
    return redirect("societies:settings", society_slug=society.slug)


@requires("roles:view")
def roles_view(request):
    society = request.society
    can_manage = request.visitor.can("roles:manage")
    form = InviteForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.invite_to_role(actor=request.user, society=society, **form.cleaned_data)
            except SocietyError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("societies:roles", society_slug=society.slug)
    grants = society.role_grants.select_related("user").order_by("role", "user__email")
    invitations = [i for i in society.invitations.filter(accepted_at__isnull=True,
                                                         cancelled_at__isnull=True) if i.is_open]
    return render(request, "societies/roles.html", {
        "grants": grants,
        "invitations": invitations if can_manage else [],
        "form": form,
        "can_manage": can_manage,
    }, status=400 if form is not None and form.errors else 200)


@require_POST
@requires("roles:manage")
def role_revoke(request, public_id):
    society = request.society
    grant = get_or_404(society.role_grants.select_related("user"), public_id=public_id)
    try:
        services.revoke_role(actor=request.user, grant=grant)
    except SocietyError as error:
        messages.error(request, str(error))
    else:
        role = grant.get_role_display().lower()
        messages.success(request, f"{grant.user.email} is no longer {role}.")
    return redirect("societies:roles", society_slug=society.slug)


@require_POST
@requires("roles:manage")
def invitation_cancel(request, public_id):
    society = request.society
    invitation = get_or_404(society.invitations, public_id=public_id)
    try:
        services.cancel_invitation(actor=request.user, invitation=invitation)
    except SocietyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Invitation to {invitation.email} cancelled.")
    return redirect("societies:roles", society_slug=society.slug)


@requires("audit:view")
def audit_log(request):
    entries = request.society.audit_entries.select_related("actor")
    before = request.GET.get("before")
    if before and before.isdigit():
        entries = entries.filter(id__lt=int(before))
    page = list(entries.order_by("-id")[:50])
    return render(request, "societies/audit_log.html", {
        "lines": audit_text.lines(page),
        "next_before": page[-1].id if len(page) == 50 else None,
    })
