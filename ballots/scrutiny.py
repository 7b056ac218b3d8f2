"""The scrutineer's pages (docs/voting.md): every step of an election, read-only and without a
vote in sight, the co-signature of the signed-off result, and the result certificate.

A scrutineer sees what the returning officer's page shows about the roll, the turnout by
channel, the paper batches, the ballot box and its trustees, and the contest's audit trail;
the count report only once the count has produced the result. Nothing here changes a contest
but the co-signature, and no ballot, receipt or running total is ever shown.
"""

import functools

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ballotbox.services import is_ranked, trustee_progress
from ballots import services
from ballots.forms import SignOffForm
from ballots.models import Contest, ContestState, PaperBatch
from ballots.services import BallotError
from ballots.views import seed_provenance
from societies import audit_text
from societies.access import get_or_404, requires

# The states in which the count has produced the result: its report may be shown.
COUNTED_STATES = (ContestState.COUNTED, ContestState.SIGNED, ContestState.PUBLISHED)
# Who may read a certificate before the result is published (members: once it is).
CERTIFICATE_READERS = ("ballots:administer", "ballots:scrutinise", "audit:view")
TRAIL_LENGTH = 500


def _contest(request, public_id) -> Contest:
    return get_or_404(request.society.contests.select_related("election", "box"),
                      public_id=public_id)


def _scrutiny_url(request, contest: Contest) -> str:
    return reverse("ballots:scrutinise_contest",
                   kwargs={"society_slug": request.society.slug, "public_id": contest.public_id})


@requires("ballots:scrutinise")
def scrutiny(request):
    contests = (request.society.contests.select_related("election")
                .order_by("-voting_opens")[:200])
    return render(request, "ballots/scrutiny.html", {"contests": contests})


def trail(contest: Contest, box) -> list:
    """The audit entries of the contest, its paper batches and its ballot box, oldest first,
    as sentences. No entry holds a choice (societies.audit), so none can show one."""
    targets = Q(target_type=Contest._meta.label, target_id=str(contest.public_id))
    batches = [str(b) for b in contest.paper_batches.values_list("public_id", flat=True)]
    if batches:
        targets |= Q(target_type=PaperBatch._meta.label, target_id__in=batches)
    if box is not None:
        targets |= Q(target_type=box._meta.label, target_id=str(box.public_id))
    entries = (contest.society.audit_entries.filter(targets).select_related("actor")
               .order_by("id")[:TRAIL_LENGTH])
    return audit_text.lines(entries)


def may_cosign(request, contest: Contest) -> bool:
    return (request.visitor.can("ballots:cosign")
            and contest.state in (ContestState.SIGNED, ContestState.PUBLISHED)
            and contest.cosigned_on is None
            and services.signed_off_by(contest) != request.user.pk)


def _scrutiny_page(request, contest: Contest, cosign_form=None):
    box = contest.box
    context = {
        "contest": contest,
        "candidates": contest.candidates.select_related("member").order_by("number"),
        "turnout": services.turnout(contest) if contest.roll_size is not None else None,
        "batches": contest.paper_batches.order_by("entered_at"),
        "counted": contest.state in COUNTED_STATES,
        "seed_provenance": seed_provenance(contest),
        "box": box,
        "ceremony": trustee_progress(box) if box is not None else [],
        "ranked": is_ranked(box) if box is not None else False,
        "trail": trail(contest, box),
        "may_cosign": may_cosign(request, contest),
        "cosign_form": cosign_form or SignOffForm(prefix="cosign"),
        "certificate": services.has_certificate(contest),
    }
    return render(request, "ballots/scrutinise_contest.html", context,
                  status=400 if cosign_form is not None and cosign_form.errors else 200)


@never_cache
@requires("ballots:scrutinise")
def scrutinise_contest(request, public_id):
    return _scrutiny_page(request, _contest(request, public_id))


@require_POST
@requires("ballots:cosign")
def cosign(request, public_id):
    contest = _contest(request, public_id)
    form = SignOffForm(request.POST, prefix="cosign")
    if not form.is_valid():
        return _scrutiny_page(request, contest, cosign_form=form)
    try:
        services.cosign_result(actor=request.user, contest=contest,
                               name=form.cleaned_data["name"], on=form.cleaned_data["on"])
    except BallotError as error:
        if error.field in form.fields:
            form.add_error(error.field, str(error))
            return _scrutiny_page(request, contest, cosign_form=form)
        messages.error(request, str(error))
    else:
        messages.success(request, "You have co-signed the result: its certificate can now be "
                                  "downloaded.")
    return redirect(_scrutiny_url(request, contest))


def certificate_readers(view):
    """Officers, scrutineers and auditors through their own permission (and its MFA check);
    anyone else who may read results through `ballots:view`."""
    checked = {permission: requires(permission)(view)
               for permission in (*CERTIFICATE_READERS, "ballots:view")}

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        for permission in CERTIFICATE_READERS:
            if request.visitor.holds(permission):
                return checked[permission](request, *args, **kwargs)
        return checked["ballots:view"](request, *args, **kwargs)

    wrapped.required_permission = "ballots:view"
    wrapped.opened_through = (*CERTIFICATE_READERS, "ballots:view")
    return wrapped


@certificate_readers
def certificate(request, public_id):
    """The result certificate, once the returning officer and a scrutineer have both signed:
    to officers, scrutineers and auditors then, to members once the result is published."""
    from ballots.certificate import certificate_pdf

    contest = _contest(request, public_id)
    officer = any(request.visitor.can(p) for p in CERTIFICATE_READERS)
    if not services.has_certificate(contest) or not (
            officer or contest.state == ContestState.PUBLISHED):
        raise Http404
    response = HttpResponse(certificate_pdf(contest), content_type="application/pdf")
    response["Content-Disposition"] = (f'inline; filename="result-certificate-'
                                       f'{contest.public_id}.pdf"')
    return response
