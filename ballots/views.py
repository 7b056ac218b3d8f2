"""Pages under /s/<slug>/ballots/: the member's ballots, nominations, results and receipts, and
the returning officer's pages. Each view checks a form, calls one service, and shows the
outcome. The receipt is shown once, in the response to the vote: it is never put in the
session, a message or a URL, so nothing kept on the server links it to the voter."""

import functools
import hashlib
import itertools
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ballots import boxed, providers, returns, services
from ballots import sql as ballot_sql
from ballots.charts import bar_chart
from ballots.forms import (
    BoxSetUpForm,
    CancelContestForm,
    CandidateOrderForm,
    ConsentForm,
    ContestForm,
    DrawSeedForm,
    ElectionForm,
    ExtendVotingForm,
    InPersonForm,
    MemberSearchForm,
    NominationForm,
    PaperBatchForm,
    PaperConsentForm,
    PaperDecisionForm,
    PaperNominationForm,
    PublishedSeedForm,
    PutToVoteForm,
    ReceiptLookupForm,
    ReminderForm,
    ResolutionForm,
    ReturnedPaperForm,
    SeatCategoryLinkForm,
    SignOffForm,
    StartTermsForm,
    StrikeOffForm,
    ToCheckForm,
    change_form,
    keep_seconds,
)
from ballots.models import BallotOrder, Contest, ContestState, SeedSource
from ballots.services import BallotError
from counting import write_blt
from counting.ties import LOT_PURPOSES
from societies.access import get_or_404, public, requires

SHOWN_STATES = (ContestState.PUBLISHED, ContestState.UNOPPOSED)
# Members see a cancelled poll on the elections page until this long after it would have closed.
CANCELLED_SHOWN_FOR = timedelta(days=90)


def _url(name, society, **kwargs):
    return reverse(f"ballots:{name}", kwargs={"society_slug": society.slug, **kwargs})


def _contest(request, public_id) -> Contest:
    """The society's contest `public_id` with its election, or 404: one hand-written query
    (ballots.sql; the ballot POST makes it on every vote), scoped by the society."""
    contest = ballot_sql.contest_with_election(request.society, public_id)
    if contest is None:
        raise Http404
    return contest


# Members: the list, the ballot, the receipt


@requires("ballots:view")
def index(request):
    contests = list(request.society.contests.select_related("election")
                    .order_by("-voting_opens")[:200])
    member = request.visitor.member
    voted = set()
    on_roll = set()
    if member is not None:
        rows = member.roll_entries.filter(contest__in=contests).values_list(
            "contest_id", "voted_on")
        for contest_id, voted_on in rows:
            on_roll.add(contest_id)
            if voted_on:
                voted.add(contest_id)
    now = timezone.now()
    return render(request, "ballots/index.html", {
        "open": [c for c in contests if services.voting_is_open(c, now)],
        "nominating": [c for c in contests if services.nominations_are_open(c, now)],
        "results": [c for c in contests if c.state in SHOWN_STATES],
        "cancelled": [c for c in contests
                      if c.is_cancelled and c.voting_closes > now - CANCELLED_SHOWN_FOR],
        "voted": voted, "on_roll": on_roll,
    })


def ballot_order(contest: Contest, candidates, member) -> list:
    """Alphabetical by surname, the returning officer's order (the ballot-paper numbers), or
    shuffled for each voter — the same order on every reload."""
    if contest.ballot_order == BallotOrder.NUMBERED:
        return sorted(candidates, key=lambda c: c.number)
    if contest.ballot_order == BallotOrder.RANDOM and member is not None:
        def key(candidate):
            text = f"{member.public_id}:{contest.public_id}:{candidate.public_id}"
            return hashlib.sha256(text.encode()).hexdigest()
        return sorted(candidates, key=key)
    return sorted(candidates, key=lambda c: c.sort_name)


def read_ballot(contest: Contest, post) -> list | str:
    """What the person marked on the form, as the casting service takes it; the service
    checks every candidate named against the contest."""
    if contest.is_resolution:
        return post.get("answer", "")
    if contest.is_ranked:
        ranks = {}
        for key, raw in post.items():
            if not key.startswith("rank_") or not raw.strip():
                continue
            if not raw.strip().isdigit():
                raise BallotError("Preferences must be whole numbers: 1, 2, 3…")
            ranks[key.removeprefix("rank_")] = int(raw)
        values = sorted(ranks.values())
        if values != list(range(1, len(values) + 1)):
            raise BallotError("Number your preferences 1, 2, 3… in order, without repeating or "
                              "skipping a number.")
        return sorted(ranks, key=ranks.get)
    return post.getlist("mark")


@never_cache
@requires("ballots:view")
def contest_detail(request, public_id):
    contest = _contest(request, public_id)
    if contest.state in SHOWN_STATES:
        return redirect(_url("result", request.society, public_id=contest.public_id))
    member = request.visitor.member
    error = None
    if request.method == "POST":
        if member is None:
            raise Http404
        try:
            choices = read_ballot(contest, request.POST)
            receipt = services.cast_ballot(actor=request.user, contest=contest, member=member,
                                           choices=choices)
        except BallotError as problem:
            error = str(problem)
        else:
            return receipt_response(request, contest, receipt)
    candidates = ballot_order(contest, services.ballot_candidates(contest), member)
    entry = contest.roll.filter(member=member).first() if member is not None else None
    is_open = services.voting_is_open(contest)
    show_turnout = not contest.results_hidden and contest.state == ContestState.OPEN
    return render(request, "ballots/contest.html", {
        "contest": contest, "candidates": candidates, "entry": entry, "is_open": is_open,
        "error": error, "positions": range(1, len(candidates) + 1),
        "nominations_open": services.nominations_are_open(contest),
        "turnout": services.turnout(contest) if show_turnout else None,
        "my_candidacy": contest.candidates.filter(member=member).first() if member else None,
    }, status=400 if error else 200)


RECEIPT_MARK = "\x00receipt\x00"


@functools.lru_cache(maxsize=1024)
def _receipt_page(society_slug: str, society_name: str, contest_label: str,
                  tracker: bool = False, by_code: bool = False) -> tuple[str, str]:
    """The receipt page around its code, rendered once per society and contest: it is the
    same for every voter but for the code, and these arguments are everything else it
    shows (the static files' URLs change only with a new release, i.e. a new process).
    `tracker`: the contest's online ballots go into a ballot box; the code is the tracker.
    `by_code`: the voter used a voting code and may have no account (ballots/vote_views.py)."""
    html = loader.get_template("ballots/receipt.html").render({
        "society_name": society_name, "contest_label": contest_label, "receipt": RECEIPT_MARK,
        "tracker": tracker, "by_code": by_code,
        "links": {
            "check": reverse("vote:check", kwargs={"society_slug": society_slug}),
            "home": reverse("home"),
            "society": reverse("societies:home", kwargs={"society_slug": society_slug}),
            "my_societies": reverse("my_societies"),
            "sign_out": reverse("account_logout"),
            "elections": reverse("ballots:index", kwargs={"society_slug": society_slug}),
        },
    })
    before, after = html.split(RECEIPT_MARK)
    return before, after


def receipt_response(request, contest: Contest, receipt: str, *,
                     by_code: bool = False) -> HttpResponse:
    """The answer to a vote: the receipt, shown once, on a page standing alone (see the
    template) around the code."""
    society = request.society
    before, after = _receipt_page(society.slug, society.name, str(contest),
                                  contest.box_id is not None, by_code)
    return HttpResponse(before + escape(receipt) + after)


# Nominations


@requires("ballots:nominate")
def nominate(request, public_id):
    contest = _contest(request, public_id)
    member = request.visitor.member
    if member is None:
        raise Http404
    form = NominationForm(request.POST or None, society=request.society)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            candidate = services.nominate(
                actor=request.user, contest=contest, nominated_by=member,
                candidate=data["candidate"], proposer=data["proposer"],
                seconder=data["seconder"])
        except BallotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{candidate.name} is nominated. They must now consent "
                                      "to stand and may add a statement.")
            return redirect(_url("contest", request.society, public_id=contest.public_id))
    return render(request, "ballots/nominate.html",
                  {"contest": contest, "form": form,
                   "may_stand": providers.candidate_classes(contest)},
                  status=400 if form.errors else 200)


@requires("ballots:nominate")
def consent(request, public_id, candidate_id):
    contest = _contest(request, public_id)
    candidate = get_or_404(contest.candidates.select_related("member"), public_id=candidate_id)
    member = request.visitor.member
    if member is None or candidate.member_id != member.pk:
        raise Http404
    form = ConsentForm(request.POST or None,
                       initial={"statement": candidate.statement,
                                "consent": bool(candidate.consented_at)})
    if request.method == "POST":
        if "withdraw" in request.POST:
            try:
                services.withdraw_candidate(actor=request.user, candidate=candidate)
            except BallotError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "You have withdrawn from this contest.")
            return redirect(_url("contest", request.society, public_id=contest.public_id))
        if form.is_valid():
            try:
                services.consent_to_stand(actor=request.user, candidate=candidate,
                                          member=member,
                                          statement=form.cleaned_data["statement"])
            except BallotError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Your consent and statement are recorded.")
                return redirect(_url("contest", request.society, public_id=contest.public_id))
    return render(request, "ballots/consent.html",
                  {"contest": contest, "candidate": candidate, "form": form},
                  status=400 if form.errors else 200)


# Results and verification


def _published(request, public_id) -> Contest:
    contest = _contest(request, public_id)
    if contest.state not in SHOWN_STATES:
        raise Http404
    return contest


def chart_for(contest: Contest) -> str:
    result = contest.result or {}
    if result.get("resolution"):
        return bar_chart([("For", result["for"]), ("Against", result["against"]),
                          ("Abstain", result["abstain"])], title="Votes on the resolution")
    stages = result.get("stages") or []
    if not stages:
        return ""
    final = stages[-1]["totals"]
    elected = set(result.get("elected", []))
    rows = [(name, float(value)) for name, value in final.items()]
    title = f"Votes at the final stage ({stages[-1]['stage']})"
    return bar_chart(rows, highlight=elected, title=title)


@requires("ballots:view")
def result(request, public_id):
    contest = _published(request, public_id)
    res = contest.result or {}
    stages = res.get("stages") or []
    names = res.get("candidates") or []
    table = [{"stage": s["stage"], "description": s["description"],
              "totals": [s["totals"].get(n, "") for n in names],
              "non_transferable": s["non_transferable"]} for s in stages]
    turnout = services.turnout(contest) if contest.roll_size is not None else None
    return render(request, "ballots/result.html", {
        "contest": contest, "result": res, "names": names, "table": table,
        "chart": chart_for(contest), "turnout": turnout, "lot_example": lot_example(res),
        "seed_provenance": seed_provenance(contest),
    })


def seed_provenance(contest: Contest) -> str:
    """Where the count's seed came from, who recorded it, when, and who witnessed it."""
    when = (dateformat.format(timezone.localtime(contest.seed_recorded_at), r"j F Y \a\t H:i")
            if contest.seed_recorded_at else "")
    if contest.seed_source == SeedSource.DRAWN:
        text = (f"drawn at the count by the system, with a fresh random seed, on {when} by "
                f"{contest.seed_recorded_by}")
    elif contest.seed_source == SeedSource.PUBLISHED:
        text = (f"published before the count, and entered at the count on {when} by "
                f"{contest.seed_recorded_by}")
    else:
        text = "published with the contest, before voting opened"
    return f"{text}; witnessed by {contest.seed_witness}" if contest.seed_witness else text


def lot_example(result: dict) -> str:
    """The text hashed for the first candidate of the first lot (docs/counting.md)."""
    for tie in result.get("tie_breaks") or ():
        if tie["rule"] == "lot" and result.get("seed"):
            return "|".join(("omov-lot", result["seed"], str(tie["stage"]), tie["purpose"],
                             tie["candidates"][0]))
    return ""


# The published lists: receipt codes, and apart from them the anonymous ballots. Neither
# says which code goes with which ballot, so a receipt shows that a ballot was counted and
# never what it says. The pages show the first LISTED of each; the downloads hold them all.
LISTED = 5000


def _counted(request, public_id) -> Contest:
    """A contest whose ballots were counted and whose result is published, or 404."""
    contest = _published(request, public_id)
    if contest.state != ContestState.PUBLISHED or contest.ballots_counted is None:
        raise Http404
    return contest


@never_cache
@requires("ballots:view")
def receipts(request, public_id):
    """The receipt codes of every ballot counted, and a look-up of one code. The code is
    only ever read from a POST body (CSRF-checked), never from the URL, where it would be
    kept in histories and server logs."""
    contest = _counted(request, public_id)
    form = ReceiptLookupForm(request.POST if request.method == "POST" else None)
    found = code = None
    if form.is_valid():
        code = services.normal_code(form.cleaned_data["receipt"])
        found = services.code_counted(contest, code)
    return render(request, "ballots/receipts.html", {
        "contest": contest, "form": form, "found": found, "code": code,
        "codes": list(itertools.islice(services.receipt_codes(contest), LISTED)),
        "total": contest.ballots_counted, "listed": LISTED,
    }, status=400 if form.errors else 200)


def _spelled(contest: Contest):
    """A function writing a ballot's published line for people: candidates by name."""
    candidates, names, _ = services.engine_candidates(contest)
    by_number = {str(c.number): n for c, n in zip(candidates, names, strict=True)}

    def spell(line: str) -> str:
        if line == services.BLANK_BALLOT:
            return "(blank)"
        if contest.is_resolution:
            return line.capitalize()
        return ", ".join(by_number.get(x, x) for x in line.split(","))
    return spell


@requires("ballots:view")
def counted_ballots(request, public_id):
    """The anonymous ballots: every ballot counted, identical ones together, in the order
    of the published list; no receipt code and nothing about who cast them."""
    contest = _counted(request, public_id)
    rows = services.sorted_ballots(contest)
    spell = _spelled(contest)
    return render(request, "ballots/counted_ballots.html", {
        "contest": contest, "total": contest.ballots_counted, "kinds": len(rows),
        "rows": [(line, spell(line), n) for line, n in rows[:LISTED]], "listed": LISTED,
    })


def _download(response_class, content, filename: str):
    response = response_class(content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires("ballots:view")
def receipts_text(request, public_id):
    """Every receipt code, one per line, sorted: the first half of the ballot-set hash."""
    contest = _counted(request, public_id)
    return _download(StreamingHttpResponse, services.receipt_list(contest),
                     f"{contest.public_id}-receipts.txt")


@requires("ballots:view")
def ballots_text(request, public_id):
    """Every ballot counted, one per line, sorted: the second half of the ballot-set hash."""
    contest = _counted(request, public_id)
    return _download(StreamingHttpResponse, services.ballot_list(contest),
                     f"{contest.public_id}-ballots.txt")


@requires("ballots:view")
def blt(request, public_id):
    contest = _counted(request, public_id)
    if contest.is_resolution:
        raise Http404
    text = write_blt(services.engine_election(contest), seats=contest.seats)
    return _download(HttpResponse, text, f"{contest.public_id}.blt")


@requires("ballots:turnout")
def turnout(request, public_id):
    contest = _contest(request, public_id)
    return render(request, "ballots/turnout.html",
                  {"contest": contest, "turnout": services.turnout(contest)})


# The returning officer's pages


@requires("ballots:administer")
def manage(request):
    form = ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            election = services.create_election(actor=request.user, society=request.society,
                                                title=form.cleaned_data["title"])
        except BallotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{election.title} created: now add its contests.")
            return redirect(_url("election", request.society, public_id=election.public_id))
    elections = request.society.elections.prefetch_related("contests")[:100]
    return render(request, "ballots/manage.html", {"elections": elections, "form": form},
                  status=400 if form.errors else 200)


@requires("ballots:administer")
def election_detail(request, public_id):
    election = get_or_404(request.society.elections, public_id=public_id)
    form = ContestForm(request.POST or None, society=request.society)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        classes = values.pop("stakeholder_classes")
        try:
            contest = services.create_contest(actor=request.user, election=election,
                                              values=values, classes=classes)
        except BallotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Contest {contest.title} added.")
            return redirect(_url("manage_contest", request.society, public_id=contest.public_id))
    return render(request, "ballots/election.html",
                  {"election": election, "form": form, "contests": election.contests.all()},
                  status=400 if form.errors else 200)


@requires("resolutions:propose")
def propose_resolution(request):
    form = ResolutionForm(request.POST or None, society=request.society)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        classes = values.pop("stakeholder_classes")
        try:
            services.propose_resolution(actor=request.user, society=request.society,
                                        values=values, classes=classes)
        except BallotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The resolution {values['title']} is put to the "
                                      "members; voting opens at the time set.")
            return redirect(_url("index_resolutions", request.society))
    return render(request, "ballots/propose.html", {"form": form},
                  status=400 if form.errors else 200)


@requires("resolutions:propose")
def resolutions(request):
    contests = list(request.society.contests.filter(method="resolution")
                    .select_related("election")[:200])
    drafts = {c.pk for c in contests if c.can_be_changed}
    return render(request, "ballots/resolutions.html", {
        "contests": contests, "changeable": drafts - services.on_an_agenda(drafts)})


def _manage_page(request, contest, **forms):
    context = {
        "contest": contest,
        "candidates": contest.candidates.select_related("member", "proposer", "seconder"),
        "turnout": services.turnout(contest) if contest.roll_size is not None else None,
        "strike_form": forms.get("strike_form") or StrikeOffForm(prefix="strike"),
        "sign_form": forms.get("sign_form") or SignOffForm(prefix="sign"),
        "seats_form": forms.get("seats_form") or SeatCategoryLinkForm(
            society=request.society, prefix="seats",
            initial={"seat_category": contest.seat_category_id}),
        "batches": contest.paper_batches.order_by("entered_at").prefetch_related("spoilt"),
        "spoilt": returns.spoilt_by_reason(contest),
        "can_open": contest.state == ContestState.DRAFT
        and timezone.now() >= contest.voting_opens,
        "can_close": contest.state == ContestState.OPEN
        and timezone.now() >= contest.voting_closes,
        **_count_context(contest, forms),
        "seed_provenance": seed_provenance(contest),
        **_setup_context(contest),
        "box": boxed.box_of(contest),
        "box_missing": (boxed.tool_missing() if contest.box_id is None
                        and contest.state == ContestState.DRAFT else None),
        **_reminders_context(contest, forms),
    }
    return render(request, "ballots/manage_contest.html", context,
                  status=400 if any(f.errors for f in forms.values()) else 200)


@never_cache
@requires("ballots:administer")
def manage_contest(request, public_id):
    return _manage_page(request, _contest(request, public_id))


def _act(request, contest, service, success, **kwargs):
    try:
        service(actor=request.user, contest=contest, **kwargs)
    except BallotError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(_url("manage_contest", request.society, public_id=contest.public_id))


@require_POST
@requires("ballots:administer")
def declare_unopposed(request, public_id):
    return _act(request, _contest(request, public_id), services.declare_unopposed,
                "The candidates are declared elected unopposed.")


@require_POST
@requires("ballots:administer")
def open_now(request, public_id):
    contest = _contest(request, public_id)
    if contest.box_id is None:
        return _act(request, contest, services.open_voting,
                    "The roll is frozen and voting is open.")
    # With a ballot box the worker opens it: a credential for each member on the roll.
    try:
        services.queue_opening(actor=request.user, contest=contest)
    except services.BallotError as error:
        messages.error(request, str(error))
    else:
        contest.refresh_from_db()
        if contest.state == ContestState.OPEN:
            messages.success(request, "The roll is frozen and voting is open.")
        else:
            messages.success(request, "Voting is opening: the worker freezes the roll and makes "
                                      "a voting credential for each member on it (about a "
                                      "second for every 400 members). This page shows when "
                                      "voting is open.")
    return redirect(_url("manage_contest", request.society, public_id=contest.public_id))


@require_POST
@requires("ballots:administer")
def close_now(request, public_id):
    contest = _contest(request, public_id)
    try:
        services.close_voting(actor=request.user, contest=contest)
    except BallotError as error:
        messages.error(request, str(error))
    else:
        # The count was queued on commit; where tasks run at once it has already finished.
        contest = get_or_404(request.society.contests, public_id=public_id)
        if contest.box_id is not None and contest.state == ContestState.CLOSED:
            messages.success(request, "Voting is closed. The server prepares the ballot box's "
                                      "count; the trustees then shuffle and decrypt the "
                                      "ballots, and the count runs by itself once they have.")
        elif contest.state == ContestState.CLOSED and not contest.count_error:
            messages.success(request, "Voting is closed; the count is running. This page shows "
                                      "its report when it finishes.")
        else:
            _count_outcome(request, contest, "Voting is closed and the count is done: review "
                                             "the report below, then sign it off.",
                           before="Voting is closed. ")
    return redirect(_url("manage_contest", request.society, public_id=public_id))


def _member_numbered(request, form, field: str = "member_number"):
    """The society's member whose number the valid `form` gives in `field`, or None (with
    the error on the field if a number was given but names no member)."""
    number = form.cleaned_data[field]
    member = request.society.members.filter(member_number=number).first() if number else None
    if number and member is None:
        form.add_error(field, "There is no member with that number.")
    return member


@require_POST
@requires("ballots:administer")
def strike_off(request, public_id):
    contest = _contest(request, public_id)
    form = StrikeOffForm(request.POST, prefix="strike")
    if form.is_valid():
        member = _member_numbered(request, form)
        if member is not None:
            try:
                services.strike_off_paper(actor=request.user, contest=contest, member=member)
            except BallotError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{member.full_name} is struck off as voting on "
                                          "paper.")
                return redirect(_url("manage_contest", request.society, public_id=public_id))
    return _manage_page(request, contest, strike_form=form)


def parse_paper_ballots(contest: Contest, text: str) -> list:
    """One ballot per line, in candidate numbers (or for/against/abstain), as the service
    takes them; "-" is a blank ballot."""
    by_number = {c.number: str(c.public_id) for c in contest.candidates.all()}
    ballots = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if contest.is_resolution:
            ballots.append(line.lower())
            continue
        if line == "-":
            ballots.append([])
            continue
        tokens = line.replace(",", " ").split()
        if not all(t.isdigit() for t in tokens):
            raise BallotError(f"Line {line_number}: use candidate numbers, e.g. 3 1 2.")
        ballots.append([by_number.get(int(t), f"unknown-{t}") for t in tokens])
    return ballots


@requires("ballots:administer")
def paper_batch(request, public_id):
    contest = _contest(request, public_id)
    form = PaperBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ballots = parse_paper_ballots(contest, form.cleaned_data["ballots"])
            batch = services.enter_paper_ballots(actor=request.user, contest=contest,
                                                 label=form.cleaned_data["label"],
                                                 ballots=ballots, spoilt=form.spoilt())
        except BallotError as error:
            form.add_error(None, str(error))
        else:
            spoilt = sum(form.spoilt().values())
            messages.success(request, f"{services.counted(batch.ballots, 'paper ballot')} "
                                      + (f"and {services.counted(spoilt, 'spoilt paper')} "
                                         if spoilt else "")
                                      + f"entered ({batch.label}).")
            return redirect(_url("manage_contest", request.society, public_id=public_id))
    return render(request, "ballots/paper_batch.html", {
        "contest": contest, "form": form, "candidates": services.ballot_candidates(contest),
    }, status=400 if form.errors else 200)


# The count, and a lot when the count needs one


def _count_context(contest: Contest, forms: dict) -> dict:
    """What the manage page says about the count: a tie waiting for a lot, and its forms."""
    lot = contest.lot_needed
    if not lot or contest.state != ContestState.CLOSED:
        return {"lot": None}
    names = lot.get("candidates") or []
    purpose, question = LOT_PURPOSES.get(lot.get("purpose"), (lot.get("purpose"), "the tie"))
    return {
        "lot": {
            "stage": lot.get("stage"),
            "names": f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1
            else "".join(names),
            "purpose": purpose, "question": question, "rule": lot.get("rule"),
        },
        "published_form": forms.get("published_form") or PublishedSeedForm(prefix="published"),
        "draw_form": forms.get("draw_form") or DrawSeedForm(prefix="draw"),
    }


def _count_outcome(request, contest: Contest, done: str, before: str = "") -> None:
    """Say what the count did: done, stopped for a lot, or stopped for another reason."""
    if contest.state == ContestState.COUNTED:
        messages.success(request, done)
    elif contest.lot_needed:
        messages.error(request, f"{before}The count stopped: it needs a lot to break a tie. The "
                                "tie, what the rules say and how to draw the lot are below.")
    else:
        messages.error(request, f"{before}The count stopped: {contest.count_error}")


def _count_and_say(request, contest: Contest, service, done: str, **kwargs):
    """Run a service that counts, say how the count ended, and go back to the manage page."""
    try:
        contest = service(actor=request.user, contest=contest, **kwargs)
    except BallotError as error:  # e.g. a second press: the page no longer offers the form
        messages.error(request, str(error))
    else:
        _count_outcome(request, contest, done.format(seed=contest.seed))
    return redirect(_url("manage_contest", request.society, public_id=contest.public_id))


@require_POST
@requires("ballots:administer")
def run_count(request, public_id):
    return _count_and_say(request, _contest(request, public_id), services.count_contest,
                          "The count is done: review the report below, then sign it off.")


@require_POST
@requires("ballots:administer")
def resolve_lot(request, public_id):
    contest = _contest(request, public_id)
    if request.POST.get("how") == SeedSource.PUBLISHED:
        form, key = PublishedSeedForm(request.POST, prefix="published"), "published_form"
    else:
        form, key = DrawSeedForm(request.POST, prefix="draw"), "draw_form"
    if not form.is_valid():
        return _manage_page(request, contest, **{key: form})
    data = form.cleaned_data
    return _count_and_say(
        request, contest, services.resolve_lot,
        "The seed {seed} is recorded and the lot drawn from it; the count is done: review the "
        "report below, then sign it off.",
        source=SeedSource.PUBLISHED if "seed" in data else SeedSource.DRAWN,
        seed=data.get("seed", ""), witness=data["witness"])


@require_POST
@requires("ballots:administer")
def sign_off(request, public_id):
    contest = _contest(request, public_id)
    form = SignOffForm(request.POST, prefix="sign")
    if form.is_valid():
        return _act(request, contest, services.sign_off, "The result is signed off.",
                    name=form.cleaned_data["name"], on=form.cleaned_data["on"])
    return _manage_page(request, contest, sign_form=form)


@require_POST
@requires("ballots:administer")
def publish(request, public_id):
    return _act(request, _contest(request, public_id), services.publish_result,
                "The result is published to the members.")


# Board seats: the seats a contest fills, and the winners' terms from its result


def either_permission(first: str, second: str):
    """A view two roles open, each through their own permission and its checks (MFA):
    `first` where the visitor holds it, else `second`."""
    def decorator(view):
        as_first = requires(first)(view)
        as_second = requires(second)(view)

        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.visitor.holds(first):
                return as_first(request, *args, **kwargs)
            return as_second(request, *args, **kwargs)

        wrapped.required_permission = first
        wrapped.opened_through = (first, second)
        return wrapped

    return decorator


# The secretary (boards:manage) or the returning officer (ballots:administer).
secretary_or_returning_officer = either_permission("boards:manage", "ballots:administer")


@require_POST
@requires("ballots:administer")
def link_seats(request, public_id):
    contest = _contest(request, public_id)
    form = SeatCategoryLinkForm(request.POST, society=request.society, prefix="seats")
    if form.is_valid():
        category = form.cleaned_data["seat_category"]
        return _act(request, contest, services.link_seat_category,
                    f"This contest fills the {category.name} seats." if category
                    else "This contest fills no board seats.", seat_category=category)
    return _manage_page(request, contest, seats_form=form)


@secretary_or_returning_officer
def start_terms(request, public_id):
    contest = get_or_404(request.society.contests.select_related(
        "society", "election", "seat_category__body"), public_id=public_id)
    form = StartTermsForm(request.POST if request.method == "POST" else request.GET or None)
    started_on = timezone.localdate()
    if form.is_bound and form.is_valid():
        started_on = form.cleaned_data["started_on"]
    if request.method == "POST" and form.is_valid():
        try:
            started = providers.start_terms(actor=request.user, contest=contest,
                                            started_on=started_on)
        except providers.ProvidedRefusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{services.counted(len(started), 'term')} "
                                      f"started on {started_on:%d %B %Y}.")
            if request.visitor.can("boards:view_board"):
                return redirect(reverse("boards:board",
                                        kwargs={"society_slug": request.society.slug}))
            return redirect(_url("manage_contest", request.society, public_id=public_id))
    return render(request, "ballots/start_terms.html", {
        "contest": contest, "form": form, "started_on": started_on,
        "plan": providers.plan_terms(contest, started_on),
    }, status=400 if form.errors else 200)


# A members' vote on an applicant


@requires("resolutions:propose")
def put_to_vote(request, application_id):
    from members.models import ApplicationStatus

    application = get_or_404(
        request.society.applications.filter(status=ApplicationStatus.AWAITING_VOTE)
        .select_related("stakeholder_class"), public_id=application_id)
    if Contest.objects.filter(application=application).exists():
        messages.info(request, "This application is already put to the members' vote.")
        return redirect(reverse("members:application", kwargs={
            "society_slug": request.society.slug, "public_id": application.public_id}))
    form = PutToVoteForm(request.POST or None, society=request.society)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contest = services.put_application_to_vote(
                actor=request.user, application=application, election=data["election"],
                voting_opens=data["voting_opens"], voting_closes=data["voting_closes"],
                record_date=data["record_date"])
        except BallotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{application.full_name}'s application is put to the "
                                      f"members' vote ({contest.election.title}); voting opens "
                                      "at the time set.")
            return redirect(reverse("members:application", kwargs={
                "society_slug": request.society.slug, "public_id": application.public_id}))
    return render(request, "ballots/put_to_vote.html",
                  {"application": application, "form": form},
                  status=400 if form.errors else 200)


# Corrections before a poll opens, cancelling, and extending an open poll


def _form_page(request, form, template: str, context: dict, act, success, done: str):
    """A page whose valid form is handed to one service, `act(cleaned_data)`; the service's
    refusal goes on the field it names. `success` is the message, or makes it from what
    `act` returned; `done` is where to go then."""
    if request.method == "POST" and form.is_valid():
        try:
            outcome = act(form.cleaned_data)
        except BallotError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, success(outcome) if callable(success) else success)
            return redirect(done)
    return render(request, template, {"form": form, **context},
                  status=400 if form.errors else 200)


def _setup_context(contest: Contest) -> dict:
    """What the manage page shows of setting up: whether it may still be changed, and the
    nominees awaiting consent with how each was told of the nomination."""
    meeting = (services.agenda_meeting(contest)
               if contest.state in (ContestState.DRAFT, ContestState.OPEN) else "")
    awaiting = []
    if not contest.is_resolution and contest.state == ContestState.DRAFT:
        from notifications.models import Message

        waiting = list(contest.candidates.filter(consented_at__isnull=True,
                                                 withdrawn_at__isnull=True)
                       .select_related("member").order_by("number"))
        keys = {f"{services.NOMINATED_KIND}:{c.public_id}": c for c in waiting}
        told = {m.dedup_key: m for m in Message.objects.filter(
            society=contest.society_id, dedup_key__in=list(keys))}
        awaiting = [(c, told.get(key)) for key, c in keys.items()]
    return {"can_change": contest.can_be_changed and not meeting, "agenda_meeting": meeting,
            "can_extend": contest.state == ContestState.OPEN and not meeting
            and timezone.now() < contest.voting_closes,
            "awaiting": awaiting}


# Contests are the returning officer's (ballots:administer); a resolution is also the
# secretary's, who puts it (resolutions:propose): the view refuses them a contest for seats.
returning_officer_or_proposer = either_permission("ballots:administer", "resolutions:propose")


def _contest_to_set_up(request, public_id) -> Contest:
    contest = _contest(request, public_id)
    if not contest.is_resolution and not request.visitor.can("ballots:administer"):
        raise PermissionDenied
    return contest


def _back_url(request, contest: Contest) -> str:
    if request.visitor.can("ballots:administer"):
        return _url("manage_contest", request.society, public_id=contest.public_id)
    return _url("index_resolutions", request.society)


def _refusal(contest: Contest) -> str:
    """Why the contest can no longer be changed or cancelled, or ""."""
    try:
        services.check_changeable(contest, "changed")
    except BallotError as error:
        return str(error)
    return ""


def _changes_saved(changes: dict) -> str:
    if not changes:
        return "Nothing was changed."
    return f"{services.counted(len(changes), 'change')} saved."


@returning_officer_or_proposer
def change_contest(request, public_id):
    contest = _contest_to_set_up(request, public_id)

    def act(data):
        values = keep_seconds(contest, dict(data))
        classes = values.pop("stakeholder_classes")
        return services.change_contest(actor=request.user, contest=contest, values=values,
                                       classes=classes)

    back = _back_url(request, contest)
    return _form_page(request, change_form(contest, request.POST or None),
                      "ballots/change_contest.html",
                      {"contest": contest, "refusal": _refusal(contest), "back_url": back},
                      act, _changes_saved, back)


@returning_officer_or_proposer
def cancel_contest(request, public_id):
    contest = _contest_to_set_up(request, public_id)
    nominees = 0 if contest.is_resolution else contest.candidates.filter(
        withdrawn_at__isnull=True).count()
    back = _back_url(request, contest)
    return _form_page(
        request, CancelContestForm(request.POST or None), "ballots/cancel_contest.html",
        {"contest": contest, "refusal": _refusal(contest), "nominees": nominees,
         "back_url": back},
        lambda data: services.cancel_contest(actor=request.user, contest=contest,
                                             reason=data["reason"]),
        f"{contest.title} is cancelled.", back)


@requires("ballots:administer")
def extend_voting(request, public_id):
    contest = _contest(request, public_id)
    form = ExtendVotingForm(request.POST or None,
                            initial={"voting_closes": contest.voting_closes})
    return _form_page(
        request, form, "ballots/extend_voting.html",
        {"contest": contest, "is_open": contest.state == ContestState.OPEN},
        lambda data: services.extend_voting(actor=request.user, contest=contest,
                                            closes=data["voting_closes"]),
        "Voting is extended; everyone on the roll is being told.",
        _url("manage_contest", request.society, public_id=public_id))


@requires("ballots:administer")
def candidate_order(request, public_id):
    contest = _contest(request, public_id)
    if contest.is_resolution:
        raise Http404
    candidates = list(contest.candidates.select_related("member").order_by("number"))
    return _form_page(
        request, CandidateOrderForm(request.POST or None, candidates=candidates),
        "ballots/candidate_order.html",
        {"contest": contest, "refusal": _refusal(contest),
         "numbered_label": BallotOrder.NUMBERED.label},
        lambda data: services.reorder_candidates(actor=request.user, contest=contest,
                                                 order=data["order"]),
        "The order of names on the ballot paper is saved.",
        _url("manage_contest", request.society, public_id=public_id))


# Paper nominations and consents


SEARCH_LIMIT = 20


def _member_search(society, contest: Contest, form) -> list:
    """Current members matching the search, each with whether they are on the electorate."""
    from members.register import RegisterQuery, register_queryset

    if not form.is_valid() or not form.cleaned_data["q"].strip():
        return []
    query = RegisterQuery(as_at=timezone.localdate(), search=form.cleaned_data["q"],
                          allow_postcode_search=False)
    found = list(register_queryset(society, query).select_related("stakeholder_class")
                 .order_by("name_key", "member_number")[:SEARCH_LIMIT])
    eligible = set(services.eligible_members(contest).filter(
        pk__in=[m.pk for m in found]).values_list("pk", flat=True))
    return [(member, member.pk in eligible) for member in found]


def _nominated(candidate) -> str:
    message = services.nominee_message(candidate)
    how = ("by email" if message and message.channel == "email"
           else "by letter (print it from the list of those awaiting consent)")
    return f"{candidate.name} is nominated, and is told {how} how to consent."


@requires("ballots:administer")
def officer_nominate(request, public_id):
    contest = _contest(request, public_id)
    if contest.is_resolution:
        raise Http404
    search = MemberSearchForm(request.GET or None)
    return _form_page(
        request, PaperNominationForm(request.POST or None, society=request.society,
                                     prefix="nom"),
        "ballots/paper_nomination.html",
        {"contest": contest, "search": search, "searched": search.is_bound,
         "found": _member_search(request.society, contest, search),
         "may_stand": providers.candidate_classes(contest)},
        lambda data: services.record_paper_nomination(
            actor=request.user, contest=contest, candidate=data["candidate"],
            proposer=data["proposer"], seconder=data["seconder"],
            received_on=data["received_on"]),
        _nominated, _url("manage_contest", request.society, public_id=public_id))


def _candidate(request, public_id, candidate_id):
    contest = _contest(request, public_id)
    candidate = get_or_404(contest.candidates.select_related("member", "proposer", "seconder"),
                           public_id=candidate_id)
    candidate.contest = contest
    return contest, candidate


@requires("ballots:administer")
def paper_consent(request, public_id, candidate_id):
    contest, candidate = _candidate(request, public_id, candidate_id)
    return _form_page(
        request, PaperConsentForm(request.POST or None, request.FILES or None),
        "ballots/paper_consent.html", {"contest": contest, "candidate": candidate},
        lambda data: services.record_paper_consent(
            actor=request.user, candidate=candidate, signed_on=data["signed_on"],
            witness=data["witness"], statement=data["statement"], scan=data["scan"]),
        f"{candidate.name}'s signed consent is recorded: they stand in this contest.",
        _url("manage_contest", request.society, public_id=public_id))


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@requires("ballots:administer")
def consent_form(request, public_id, candidate_id):
    from ballots.consent_form import consent_form_pdf

    _, candidate = _candidate(request, public_id, candidate_id)
    return _pdf(consent_form_pdf(candidate), f"consent-{candidate.member.member_number}.pdf")


@requires("ballots:administer")
def nominee_letter(request, public_id, candidate_id):
    """The letter telling a nominee who gets post, with the consent form: to print at once
    (it is also in the letter pack of its notice)."""
    from ballots.consent_form import nominee_letter_pdf

    _, candidate = _candidate(request, public_id, candidate_id)
    message = services.nominee_message(candidate)
    if message is None or message.channel != "post":
        raise Http404
    return _pdf(nominee_letter_pdf(candidate, message),
                f"nomination-{candidate.member.member_number}.pdf")


@requires("ballots:administer")
def consent_scan(request, public_id, candidate_id):
    """The scanned consent form, for officers only; served as the kind its bytes show."""
    _, candidate = _candidate(request, public_id, candidate_id)
    if not candidate.consent_scan:
        raise Http404
    try:
        handle = candidate.consent_scan.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = services.scan_kind(handle.read(16))
    handle.seek(0)
    if kind is None:
        handle.close()
        raise Http404
    response = FileResponse(handle, as_attachment=True, content_type=kind[1],
                            filename=f"consent-{candidate.member.member_number}.{kind[0]}")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@public
def consent_form_public(request, token):
    """The consent form from the link in a nominee's email: no sign-in, while it is wanted."""
    from ballots.consent_form import candidate_for_token, consent_form_pdf

    candidate = candidate_for_token(request.society, token)
    if candidate is None:
        raise Http404
    return _pdf(consent_form_pdf(candidate), "consent-form.pdf")


# The ballot box a contest's online ballots go into (ballots/boxed.py)


def _box_people(society):
    """Who can be a trustee: the people who hold a role in the society."""
    from django.contrib.auth import get_user_model

    return (get_user_model().objects.filter(role_grants__society=society).distinct()
            .order_by("full_name", "email"))


@never_cache
@requires("ballots:administer")
def set_up_box(request, public_id):
    contest = _contest(request, public_id)
    back = redirect(_url("manage_contest", request.society, public_id=contest.public_id))
    if contest.state != ContestState.DRAFT or contest.box_id is not None:
        messages.error(request, "A ballot box can only be set up once, before voting opens.")
        return back
    missing = boxed.tool_missing()
    people = _box_people(request.society)
    form = BoxSetUpForm(request.POST if request.method == "POST" else None, people=people,
                        initial={"trustee_1": request.user.pk}, prefix="box")
    if not missing and form.is_valid():
        specs = [boxed.TrusteeSpec(user.get_full_name(), keeping, user)
                 for user, keeping in form.trustees()]
        try:
            box = boxed.set_up_box(actor=request.user, contest=contest,
                                   threshold=form.cleaned_data["threshold"], trustees=specs,
                                   server_decrypts=form.cleaned_data["server_decrypts"])
        except boxed.BoxError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The ballot box is set up. Each trustee now makes their "
                                      "share of the key from their trustee page; voting opens "
                                      "once they all have.")
            return redirect("ballotbox:box", society_slug=request.society.slug,
                            public_id=box.public_id)
    return render(request, "ballots/set_up_box.html", {
        "contest": contest, "form": form, "missing": missing,
    }, status=400 if form.errors else 200)


# Scheduled reminders to those who have not voted (docs/voting.md, "Reminders")


def _reminders_context(contest: Contest, forms: dict) -> dict:
    """The manage page's reminders: each with when it is due and, once sent, its counts."""
    reminders = list(contest.scheduled_reminders.order_by("-days_before"))
    for reminder in reminders:
        reminder.due = reminder.due_at(contest)
    can_schedule = contest.state in (ContestState.DRAFT, ContestState.OPEN)
    return {"reminders": reminders, "reminders_can_change": can_schedule,
            "reminder_form": (forms.get("reminder_form") or ReminderForm(prefix="reminder"))
            if can_schedule else None}


@require_POST
@requires("ballots:administer")
def add_reminder(request, public_id):
    contest = _contest(request, public_id)
    form = ReminderForm(request.POST, prefix="reminder")
    if form.is_valid():
        days = form.cleaned_data["days_before"]
        try:
            services.add_reminder(actor=request.user, contest=contest, days_before=days)
        except BallotError as error:
            form.add_error("days_before", str(error))
        else:
            messages.success(request, f"A reminder {services.counted(days, 'day')} before the "
                                      "close is scheduled.")
            return redirect(_url("manage_contest", request.society, public_id=public_id))
    return _manage_page(request, contest, reminder_form=form)


@require_POST
@requires("ballots:administer")
def remove_reminder(request, public_id, reminder_id):
    contest = _contest(request, public_id)
    reminder = get_or_404(contest.scheduled_reminders, public_id=reminder_id)
    try:
        services.remove_reminder(actor=request.user, reminder=reminder)
    except BallotError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The reminder {services.counted(reminder.days_before, 'day')}"
                                  " before the close is removed.")
    return redirect(_url("manage_contest", request.society, public_id=public_id))


# The returned papers desk: codes scanned as papers come back, papers set apart, in person


def _desk(request, contest, status: int = 200, **forms):
    context = {
        "contest": contest,
        "scan_form": forms.get("scan_form") or ReturnedPaperForm(prefix="scan"),
        "check_form": forms.get("check_form") or ToCheckForm(prefix="check"),
        "person_form": forms.get("person_form") or InPersonForm(prefix="person"),
        "decide_forms": forms.get("decide_forms") or {},
        "taking_papers": services.voting_is_open(contest),
        "deciding": contest.state in returns.ROLL_IN_USE,
        # A scrutineer or a secretary works the desk too, without the officer's pages.
        "administers": request.visitor.can("ballots:administer"),
        "scrutinises": request.visitor.can("ballots:scrutinise"),
        **returns.desk_figures(contest),
    }
    context["to_check"] = [(paper, context["decide_forms"].get(paper.pk) or PaperDecisionForm(
        prefix=f"decide-{paper.public_id}")) for paper in context["to_check"]]
    bad = any(f.errors for f in forms.values() if hasattr(f, "errors"))
    bad = bad or any(f.errors for f in context["decide_forms"].values())
    if bad and not context["scan_form"].errors:
        # Leave the reader at the error, not in the scanning box.
        context["scan_form"].fields["paper"].widget.attrs.pop("autofocus", None)
    return render(request, "ballots/returned_papers.html", context,
                  status=400 if bad else status)


def _back_to_desk(request, contest):
    return redirect(_url("returned_papers", request.society, public_id=contest.public_id))


def _refused_on(form, error: BallotError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


@never_cache
@requires("ballots:paper_desk")
def returned_papers(request, public_id):
    """The desk: one box a barcode scanner types into and presses Enter."""
    contest = _contest(request, public_id)
    if request.method != "POST":
        return _desk(request, contest)
    form = ReturnedPaperForm(request.POST, prefix="scan")
    if form.is_valid():
        try:
            outcome = returns.receive_paper(actor=request.user, contest=contest,
                                            text=form.cleaned_data["paper"])
        except BallotError as error:
            _refused_on(form, error)
        else:
            if outcome.kind == "voted":
                messages.success(request, outcome.message)
            else:
                messages.error(request, outcome.message)
            return _back_to_desk(request, contest)
    return _desk(request, contest, scan_form=form)


@require_POST
@requires("ballots:paper_desk")
def paper_to_check(request, public_id):
    contest = _contest(request, public_id)
    form = ToCheckForm(request.POST, prefix="check")
    if form.is_valid():
        try:
            returns.set_aside_to_check(actor=request.user, contest=contest,
                                       reason=form.cleaned_data["reason"])
        except BallotError as error:
            _refused_on(form, error)
        else:
            messages.success(request, "The paper is on the pile to check: it is not counted "
                                      "until a decision accepts it.")
            return _back_to_desk(request, contest)
    return _desk(request, contest, check_form=form)


@require_POST
@requires("ballots:paper_desk")
def decide_paper(request, public_id, paper_id):
    contest = _contest(request, public_id)
    paper = get_or_404(contest.returned_papers.filter(kind="to_check"), public_id=paper_id)
    form = PaperDecisionForm(request.POST, prefix=f"decide-{paper.public_id}")
    if form.is_valid():
        member = _member_numbered(request, form)
        if not form.errors:
            try:
                returns.decide_paper(actor=request.user, paper=paper,
                                     decision=form.cleaned_data["decision"],
                                     note=form.cleaned_data["note"], member=member)
            except BallotError as error:
                _refused_on(form, error)
            else:
                messages.success(request, "The decision is recorded.")
                return _back_to_desk(request, contest)
    return _desk(request, contest, decide_forms={paper.pk: form})


@require_POST
@requires("ballots:paper_desk")
def issue_in_person(request, public_id):
    contest = _contest(request, public_id)
    form = InPersonForm(request.POST, prefix="person")
    if form.is_valid():
        member = _member_numbered(request, form)
        if member is not None:
            try:
                returns.issue_paper_in_person(actor=request.user, contest=contest,
                                              member=member)
            except BallotError as error:
                _refused_on(form, error)
            else:
                messages.success(request, f"Give {member.full_name} (member "
                                          f"{member.member_number}) a ballot paper: they are "
                                          "marked on the roll as voting on paper.")
                return _back_to_desk(request, contest)
    return _desk(request, contest, person_form=form)
