"""Voting with a code, no account needed: `/s/<slug>/vote/`.

Three steps, every one a POST so the code never sits in a URL (and so in no server log):
type the code (or follow the emailed link, whose code is in the fragment, which browsers
never send: a small script copies it into the field), see the ballot, vote and see the
receipt or tracker. The code travels from the second step to the third in a hidden field.

Codes that do not work are counted per address and per society (config/ratelimit.py); past
either limit the page refuses every code for a while, saying so. Each refusal is logged with
its reason and never with the code.
"""

import logging

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from ballots import codes, services
from ballots.forms import ReceiptLookupForm
from ballots.models import Contest, ContestState, VoterRollEntry
from ballots.services import BallotError
from ballots.views import ballot_order, read_ballot, receipt_response
from config import ratelimit
from societies.access import public

log = logging.getLogger(__name__)

USED = "This code has already been used."
CLOSED = "Voting in this contest has closed."
LIMITED = ("Too many codes that did not work have been tried {where}. For your security, "
           "no code can be tried {where} for the next {minutes} minutes. If you are sure of "
           "your code, try again then, or ask the returning officer.")


def _counters(request) -> tuple[list[ratelimit.Counter], int]:
    """The counters a code that does not work adds to, and the minutes each window lasts."""
    limits = ratelimit.limits("VOTING_CODE_LIMITS")
    if limits is None:
        return [], 0
    return [ratelimit.Counter(f"voting-code:address:{request.society.pk}:"
                              f"{ratelimit.client_address(request)}",
                              "from this address", limits["address"]),
            ratelimit.Counter(f"voting-code:society:{request.society.pk}", "for this society",
                              limits["society"])], limits["minutes"]


def _limited(request) -> str | None:
    """The refusal to show if this address or this society has tried too many bad codes."""
    refused = ratelimit.refusal(*_counters(request))
    if refused:
        return LIMITED.format(where=refused.where, minutes=refused.minutes)
    return None


def _refused(request, reason: str) -> None:
    """Count a code that did not work against both limits and log why (never the code)."""
    ratelimit.count(*_counters(request))
    log.info("voting code refused for society %s from %s: %s", request.society.slug,
             ratelimit.client_address(request), reason)


def _entry(request, typed: str) -> tuple[VoterRollEntry | None, str | None]:
    """The roll entry a typed code names and may vote with now, or the refusal to show."""
    limited = _limited(request)
    if limited:
        log.info("voting code refused for society %s from %s: rate limited",
                 request.society.slug, ratelimit.client_address(request))
        return None, limited
    try:
        code = codes.normal_code(typed)
    except codes.CodeError as error:
        _refused(request, "mistyped")
        return None, str(error)
    entry = (VoterRollEntry.objects.select_related("contest", "member")
             .filter(society=request.society, voting_code=code).first())
    if entry is None:
        _refused(request, "unknown")
        # The same words as a mistyped code: nothing says whether a code exists.
        return None, codes.INVALID
    if entry.voted_on is not None:
        _refused(request, "already used")
        return None, USED
    if not services.voting_is_open(entry.contest):
        _refused(request, "poll not open")
        return None, CLOSED
    return entry, None


def _ballot_page(request, entry: VoterRollEntry, error: str | None = None):
    contest = entry.contest
    candidates = ballot_order(contest, services.ballot_candidates(contest), entry.member)
    return render(request, "ballots/vote_ballot.html", {
        "contest": contest, "candidates": candidates,
        "positions": range(1, len(candidates) + 1),
        "code": codes.shown(entry.voting_code), "error": error,
    }, status=400 if error else 200)


@public
@never_cache
def vote(request):
    """Type a code; then the ballot; then the vote."""
    if request.method != "POST":
        return render(request, "ballots/vote_code.html", {"typed": "", "error": None})
    typed = request.POST.get("code", "")
    entry, refusal = _entry(request, typed)
    if refusal:
        return render(request, "ballots/vote_code.html", {"typed": typed, "error": refusal},
                      status=429 if refusal.startswith("Too many") else 400)
    if request.POST.get("step") != "cast":
        return _ballot_page(request, entry)
    try:
        choices = read_ballot(entry.contest, request.POST)
        receipt = services.cast_ballot(actor=None, contest=entry.contest, member=entry.member,
                                       choices=choices)
    except BallotError as problem:
        entry.refresh_from_db(fields=["voted_on"])
        if entry.voted_on is not None:  # used elsewhere at the same moment
            return render(request, "ballots/vote_code.html", {"typed": "", "error": USED},
                          status=400)
        return _ballot_page(request, entry, str(problem))
    return receipt_response(request, entry.contest, receipt, by_code=True)


@public
@never_cache
def check(request):
    """For a member who voted with a code and has no account: was the ballot with this
    receipt code or tracker counted in one of the society's published results? The code is
    read from a POST body only; the answer names the contest, nothing more."""
    form = ReceiptLookupForm(request.POST if request.method == "POST" else None)
    counted_in = None
    if form.is_valid():
        code = services.normal_code(form.cleaned_data["receipt"])
        published = (Contest.objects.filter(society=request.society,
                                            state=ContestState.PUBLISHED,
                                            ballots_counted__isnull=False)
                     .select_related("election").order_by("-published_at"))
        counted_in = next((c for c in published if services.code_counted(c, code)), False)
    return render(request, "ballots/vote_check.html", {
        "form": form, "counted_in": counted_in,
    }, status=400 if form.errors else 200)
