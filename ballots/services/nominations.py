"""Nominations: online and on paper forms, consents (online, or signed on a form and scanned),
withdrawals, and candidates declared elected unopposed."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from ballots import providers
from ballots.models import Candidate, Contest, ContestState
from ballots.services.common import BallotError, counted, day_text, locked, moment_text
from ballots.services.reads import eligible_members, nominations_are_open
from members.models import Member
from societies import audit


def _check_member_eligible(contest: Contest, member: Member, role: str) -> None:
    if member is None or member.society_id != contest.society_id:
        raise BallotError(f"The {role} must be a member of this society.")
    if not eligible_members(contest).filter(pk=member.pk).exists():
        raise BallotError(f"{member.full_name} cannot be the {role}: they are not on the "
                          "electorate of this contest.")


def _check_class_may_stand(contest: Contest, candidate: Member) -> None:
    """The seats a contest fills may require their holders to be of certain classes, whoever
    votes for them (ECDP: directors are disabled members; associates vote but cannot stand)."""
    allowed = providers.candidate_classes(contest)
    if allowed and candidate.stakeholder_class_id not in {c.pk for c in allowed}:
        names = " or ".join(c.name for c in allowed)
        raise BallotError(f"{candidate.full_name} cannot stand: candidates for these seats must "
                          f"be members of the {names} class.", field="candidate")


def _check_old_enough_to_stand(contest: Contest, candidate: Member) -> None:
    """Members under 16 may vote but never hold office (a director of a society must be 16):
    a candidate must be 16 by the day voting closes, before any term could start."""
    by = contest.voting_closes or timezone.now()
    if candidate.is_under_16_on(timezone.localdate(by)):
        raise BallotError(f"{candidate.full_name} cannot stand: members under 16 may vote but "
                          f"not hold office, and they are under 16 on {day_text(by)}, when "
                          "voting closes.", field="candidate")


@transaction.atomic
def nominate(*, actor, contest: Contest, nominated_by: Member | None, candidate: Member,
             proposer: Member, seconder: Member, by_officer: bool = False) -> Candidate:
    """Nominate `candidate` with a proposer and a seconder (members on the electorate)."""
    contest = locked(contest)
    if not by_officer and not nominations_are_open(contest):
        raise BallotError("Nominations for this contest are not open.")
    nominee = _add_candidate(actor, contest, nominated_by=nominated_by, candidate=candidate,
                             proposer=proposer, seconder=seconder)
    audit.record(contest.society, actor, "candidate.nominated", nominee,
                 {"contest": str(contest.public_id), "candidate": candidate.member_number,
                  "proposer": proposer.member_number, "seconder": seconder.member_number})
    return nominee


def _add_candidate(actor, contest: Contest, *, nominated_by, candidate, proposer, seconder,
                   **fields) -> Candidate:
    """The checks every nomination passes, the candidate's row, and the message telling them;
    `contest` is locked by the caller."""
    if contest.state != ContestState.DRAFT or contest.is_resolution:
        raise BallotError("Nominations are closed.")
    _check_member_eligible(contest, candidate, "candidate")
    _check_old_enough_to_stand(contest, candidate)
    _check_class_may_stand(contest, candidate)
    _check_member_eligible(contest, proposer, "proposer")
    _check_member_eligible(contest, seconder, "seconder")
    if proposer.pk == seconder.pk:
        raise BallotError("The proposer and the seconder must be different members.",
                          field="seconder")
    if candidate.pk in (proposer.pk, seconder.pk):
        raise BallotError("A candidate cannot propose or second themselves.")
    if contest.candidates.filter(member=candidate).exists():
        raise BallotError(f"{candidate.full_name} is already nominated in this contest.",
                          field="candidate")
    number = (contest.candidates.order_by("-number").values_list("number", flat=True)
              .first() or 0) + 1
    nominee = Candidate.objects.create(
        society=contest.society, contest=contest, member=candidate, number=number,
        nominated_by=nominated_by, proposer=proposer, seconder=seconder, **fields,
    )
    if nominated_by is None or nominated_by.pk != candidate.pk:
        _tell_nominee(nominee, contest, actor)
    return nominee


def _tell_nominee(nominee: Candidate, contest: Contest, actor) -> None:
    """The nominee hears, by their own channel, who nominated them and how to consent: online,
    or on the consent form (printed with the letter; linked from the email)."""
    from ballots.consent_form import public_form_path
    from notifications.services import create_notice, notify

    member = nominee.member
    notice = create_notice(society=contest.society, kind="ballots.nominated",
                           title=f"Nomination: {contest} - {member.full_name}",
                           audience=f"{member.full_name}, nominated in {contest}",
                           created_by=actor)
    notify(society=contest.society, member=member, kind="ballots.nominated", notice=notice,
           dedup_key=f"{NOMINATED_KIND}:{nominee.public_id}", context={
               "contest_title": str(contest),
               "contest_id": str(contest.public_id),
               "seats": contest.seats,
               "nominated_by": nominee.nominated_by.full_name if nominee.nominated_by else "",
               "on_paper": nominee.nominated_by_id is None,
               "proposer": nominee.proposer.full_name,
               "seconder": nominee.seconder.full_name,
               "statement_limit": contest.statement_limit,
               "consent_by": moment_text(contest.voting_opens),
               "form_path": public_form_path(nominee),
               "has_account": member.user_id is not None,
           })


NOMINATED_KIND = "ballots.nominated"


def nominee_message(candidate: Candidate):
    """The message that told `candidate` of their nomination, if one was written."""
    from notifications.models import Message

    return Message.objects.filter(society=candidate.society_id,
                                  dedup_key=f"{NOMINATED_KIND}:{candidate.public_id}").first()


# Paper: nominations received on forms, and consents signed on them


@transaction.atomic
def record_paper_nomination(*, actor, contest: Contest, candidate: Member, proposer: Member,
                            seconder: Member, received_on: date,
                            today: date | None = None) -> Candidate:
    """A nomination form received by the returning officer: the same checks as online, and it
    must have arrived while nominations were open (by the closing day)."""
    today = today or timezone.localdate()
    contest = locked(contest)
    if received_on > today:
        raise BallotError("The form cannot have been received after today.",
                          field="received_on")
    if contest.nominations_open and received_on < timezone.localdate(contest.nominations_open):
        raise BallotError(f"Nominations opened on {day_text(contest.nominations_open)}: a form "
                          "received before then does not count.", field="received_on")
    if contest.nominations_close and received_on > timezone.localdate(contest.nominations_close):
        raise BallotError(f"Nominations closed on {day_text(contest.nominations_close)}: a form "
                          "received after then is too late.", field="received_on")
    nominee = _add_candidate(actor, contest, nominated_by=None, candidate=candidate,
                             proposer=proposer, seconder=seconder, paper_received_on=received_on)
    audit.record(contest.society, actor, "candidate.nominated_on_paper", nominee,
                 {"contest": str(contest.public_id), "candidate": candidate.member_number,
                  "proposer": proposer.member_number, "seconder": seconder.member_number,
                  "received_on": received_on.isoformat()})
    return nominee


CONSENT_SCAN_MAX_BYTES = 5 * 1024 * 1024
# What a scanned form may be, told by its first bytes (never by its name): suffix, type.
SCAN_KINDS = {b"%PDF-": ("pdf", "application/pdf"),
              b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
              b"\xff\xd8\xff": ("jpg", "image/jpeg")}


def scan_kind(head: bytes) -> tuple[str, str] | None:
    """(suffix, content type) of a scanned form from its first bytes, or None."""
    for magic, kind in SCAN_KINDS.items():
        if head.startswith(magic):
            return kind
    return None


def _check_scan(scan) -> str:
    if scan.size > CONSENT_SCAN_MAX_BYTES:
        raise BallotError(f"The scan is {scan.size // 1024:,} KB; the limit is "
                          f"{CONSENT_SCAN_MAX_BYTES // 1024 // 1024} MB.", field="scan")
    scan.seek(0)
    kind = scan_kind(scan.read(16))
    scan.seek(0)
    if kind is None:
        raise BallotError("The scan must be a PDF, PNG or JPEG file.", field="scan")
    return kind[0]


@transaction.atomic
def record_paper_consent(*, actor, candidate: Candidate, signed_on: date, witness: str,
                         statement: str = "", scan=None, now: datetime | None = None
                         ) -> Candidate:
    """A consent to stand signed on paper before a witness, received by the returning officer
    before voting opens; optionally the candidate's written statement and the scanned form."""
    now = now or timezone.now()
    candidate = (Candidate.objects.select_for_update(of=("self",)).select_related("member")
                 .get(pk=candidate.pk))
    contest = candidate.contest
    if contest.state != ContestState.DRAFT or now >= contest.voting_opens:
        raise BallotError("It is too late: consents count only until voting opens.")
    if candidate.withdrawn_at:
        raise BallotError(f"{candidate.name} has withdrawn from this contest.")
    if candidate.consented_at:
        raise BallotError(f"{candidate.name} has already consented, on "
                          f"{day_text(candidate.consented_at)}.")
    if signed_on > timezone.localdate(now):
        raise BallotError("The form cannot have been signed after today.", field="signed_on")
    witness = " ".join(witness.split())
    if not witness:
        raise BallotError("Give the name of the person who witnessed the signature.",
                          field="witness")
    if witness.casefold() == candidate.name.casefold():
        raise BallotError("A candidate cannot witness their own signature.", field="witness")
    statement = statement.strip()
    if len(statement) > contest.statement_limit:
        raise BallotError(f"The statement is {len(statement):,} characters long; the limit is "
                          f"{contest.statement_limit:,}.", field="statement")
    fields = ["consented_at", "consent_signed_on", "consent_witness", "statement"]
    if scan is not None:
        suffix = _check_scan(scan)
        candidate.consent_scan.save(f"consent.{suffix}", scan, save=False)
        fields.append("consent_scan")
    candidate.consented_at = now
    candidate.consent_signed_on = signed_on
    candidate.consent_witness = witness[:200]
    candidate.statement = statement
    candidate.save(update_fields=fields)
    audit.record(contest.society, actor, "candidate.consented_on_paper", candidate,
                 {"contest": str(contest.public_id), "signed_on": signed_on.isoformat(),
                  "witness": candidate.consent_witness, "scan": scan is not None,
                  "statement_characters": len(statement)})
    return candidate


@transaction.atomic
def consent_to_stand(*, actor, candidate: Candidate, member: Member, statement: str
                     ) -> Candidate:
    candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
    contest = candidate.contest
    if candidate.member_id != member.pk:
        raise BallotError("Only the candidate can consent to stand.")
    if contest.state != ContestState.DRAFT or timezone.now() >= contest.voting_opens:
        raise BallotError("It is too late to consent or change the statement.")
    if candidate.withdrawn_at:
        raise BallotError("You have withdrawn from this contest.")
    statement = statement.strip()
    if len(statement) > contest.statement_limit:
        raise BallotError(f"The statement is {len(statement)} characters long; the limit is "
                          f"{contest.statement_limit}.")
    first = candidate.consented_at is None
    candidate.consented_at = candidate.consented_at or timezone.now()
    candidate.statement = statement
    candidate.save(update_fields=["consented_at", "statement"])
    audit.record(contest.society, actor, "candidate.consented" if first
                 else "candidate.statement_changed", candidate, {"contest": str(contest.public_id)})
    return candidate


@transaction.atomic
def withdraw_candidate(*, actor, candidate: Candidate) -> Candidate:
    candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
    contest = candidate.contest
    deadline = contest.withdrawal_deadline or contest.voting_opens
    if contest.state != ContestState.DRAFT or timezone.now() >= deadline:
        raise BallotError("The deadline for withdrawing has passed.")
    if candidate.withdrawn_at:
        raise BallotError("That candidate has already withdrawn.")
    candidate.withdrawn_at = timezone.now()
    candidate.save(update_fields=["withdrawn_at"])
    audit.record(contest.society, actor, "candidate.withdrawn", candidate,
                 {"contest": str(contest.public_id)})
    return candidate


@transaction.atomic
def declare_unopposed(*, actor, contest: Contest) -> Contest:
    """Candidates do not exceed seats: they are elected without a poll."""
    contest = locked(contest)
    if contest.state != ContestState.DRAFT or contest.is_resolution:
        raise BallotError("Only a contest still being prepared can be declared unopposed.")
    if contest.nominations_close and timezone.now() < contest.nominations_close:
        raise BallotError("Nominations are still open.")
    standing = list(contest.standing().select_related("member"))
    if len(standing) > contest.seats:
        raise BallotError(f"{counted(len(standing), 'candidate stands', 'candidates stand')} "
                          f"for {counted(contest.seats, 'seat')}: a poll is needed.")
    names = [c.name for c in standing]
    contest.state = ContestState.UNOPPOSED
    contest.result = {"unopposed": True, "elected": names, "seats": contest.seats,
                      "method": contest.method}
    contest.published_at = timezone.now()
    contest.save(update_fields=["state", "result", "published_at"])
    audit.record(contest.society, actor, "contest.declared_unopposed", contest,
                 {"elected": names})
    return contest
