"""The result certificate: a PDF declaration of a contest's result, issued once the returning
officer has signed it off and a scrutineer has co-signed it (docs/voting.md).

Every figure comes from what the contest keeps (its frozen roll, its count, its ballot box);
nothing is worked out afresh.
"""

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from ballots import services
from ballots.models import Contest, ReturnedPaper
from ballots.returns import spoilt_by_reason


def _spoilt(contest) -> str:
    """The spoilt papers entered with the batches, by reason (ballots/returns.py)."""
    by_reason = spoilt_by_reason(contest)
    if not by_reason:
        return "Spoilt paper ballots: none."
    return "Spoilt paper ballots, not counted, by reason: " + "; ".join(
        f"{label.lower()} {papers:,}" for label, papers in by_reason) + "."


def _set_apart(contest) -> str:
    """The returned papers kept apart at the desk and never counted (ballots/returns.py)."""
    kinds = ReturnedPaper.Kind
    figures = ReturnedPaper.objects.filter(contest_id=contest.pk).aggregate(
        tendered=Count("id", filter=Q(kind=kinds.TENDERED)),
        late=Count("id", filter=Q(kind=kinds.LATE)),
        rejected=Count("id", filter=Q(kind=kinds.TO_CHECK,
                                      decision=ReturnedPaper.Decision.REJECTED)))
    tendered, late, rejected = figures["tendered"], figures["late"], figures["rejected"]
    return (f"Returned papers kept apart, not counted: tendered (code already used) "
            f"{tendered:,}; returned after the close {late:,}; rejected on checking "
            f"{rejected:,}.")


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def stage_summary(result: dict) -> list[str]:
    """The count's first and last stages as lines: each standing candidate's votes."""
    stages = result.get("stages") or []
    if not stages:
        return []
    lines = []
    picked = [stages[0]] if len(stages) == 1 else [stages[0], stages[-1]]
    for stage in picked:
        votes = "; ".join(f"{name} {value}" for name, value in stage["totals"].items()
                          if value != "")
        lines.append(f"Stage {stage['stage']} ({stage['description']}): {votes}; "
                     f"non-transferable {stage['non_transferable']}.")
    return lines


def elected_lines(result: dict) -> list[str]:
    """The elected, each with their votes at the last stage of the count."""
    stages = result.get("stages") or []
    final = stages[-1]["totals"] if stages else {}
    return [f"{name}: {final[name]} votes at the last stage" if name in final else name
            for name in result.get("elected") or []]


def figures(contest: Contest) -> list[tuple[str, list[str]]]:
    """The certificate's sections: (heading, lines), in the order they are printed."""
    result = contest.result or {}
    turnout = services.turnout(contest)
    size = turnout["roll_size"]
    if contest.is_resolution:
        what = (f"A resolution ({contest.get_resolution_kind_display().lower()}): "
                f"{contest.resolution_text}")
    else:
        what = (f"{services.counted(contest.seats, 'seat')} to fill, by "
                f"{contest.get_method_display()}.")
    sections = [
        ("The contest", [
            f"{contest.election.title}: {contest.title}.", what,
            f"Voting from {_day(contest.voting_opens)} to {_day(contest.voting_closes)}; "
            f"eligibility as at {_day(contest.record_date)}.",
        ]),
        ("The electorate and turnout", [
            f"Members on the roll: {size:,} (roll fingerprint, SHA-256: "
            f"{contest.roll_fingerprint}).",
            f"Voted: {turnout['voted']:,} ({turnout['percent']}% of the roll): "
            f"online {turnout['online']:,}, on paper {turnout['paper']:,}.",
            f"Ballots counted: {contest.ballots_counted or 0:,} (hash of the ballot set, "
            f"SHA-256: {contest.ballot_set_hash}).",
        ]),
    ]
    invalid = [_spoilt(contest), _set_apart(contest)]
    if "empty_ballots" in result:
        invalid.append(f"Blank ballots (no preference for a standing candidate), as the count "
                       f"reported: {result['empty_ballots']:,}.")
    if "invalid_decrypted" in result:
        invalid.append(f"Ballots from the ballot box that decrypted to a ranking this contest "
                       f"does not allow, not counted: {result['invalid_decrypted']:,}.")
    sections.append(("Invalid and spoilt ballots", invalid))
    if contest.is_resolution:
        sections.append(("The result", [
            f"For {result.get('for', 0):,}; against {result.get('against', 0):,}; "
            f"abstentions {result.get('abstain', 0):,}.",
            f"The resolution is {'carried' if result.get('passed') else 'not carried'}. "
            f"{result.get('explanation', '')}".strip(),
        ]))
    else:
        quota = f"; quota {result['quota']}" if result.get("quota") else ""
        sections.append(("The count", [
            f"{result.get('method_name', contest.get_method_display())}; valid votes "
            f"{result.get('valid_votes', 0):,}{quota}; "
            f"{services.counted(len(result.get('stages') or []), 'stage')}.",
            *stage_summary(result),
            *(f"Lot drawn at stage {t['stage']} ({t['purpose']}) from the seed "
              f"{result.get('seed')}." for t in result.get("tie_breaks") or ()
              if t.get("rule") == "lot"),
        ]))
        sections.append(("Elected", elected_lines(result) or ["Nobody."]))
    sections.append(("The public record", record_lines(contest)))
    sections.append(("Signed", [
        f"Signed off by {contest.signed_off_name}, returning officer, on "
        f"{_day(contest.signed_off_on)}.",
        f"Co-signed by {contest.cosigned_name}, scrutineer, on {_day(contest.cosigned_on)}.",
    ]))
    return sections


def record_lines(contest: Contest) -> list[str]:
    slug = contest.society.slug
    box = contest.box
    if box is not None and box.record_sha256:
        url = settings.SITE_URL + reverse("ballotbox:record", kwargs={
            "society_slug": slug, "public_id": box.public_id})
        return [f"Fingerprint of the ballot box's public record (SHA-256): "
                f"{box.record_sha256}.",
                "Anyone can download the record and verify it with belenios-tool"
                + ("" if box.published_at else " once the result is published") + ", from:",
                url]
    url = settings.SITE_URL + reverse("ballots:result", kwargs={
        "society_slug": slug, "public_id": contest.public_id})
    return ["This contest had no ballot box. The receipt codes and the ballots counted are "
            "published with the result, and their digest is the hash of the ballot set above; "
            "the result and the lists are at:", url]


def certificate_pdf(contest: Contest) -> bytes:
    from notifications.letters import LetterPack

    society = contest.society
    pack = LetterPack(society)
    pdf = pack.pdf
    pdf.set_title(f"Result certificate: {contest}")
    pdf.add_page()
    pdf.set_font(pack.family, style="B", size=16)
    pack.lines("Declaration of the result", 9)
    pdf.set_font(pack.family, size=11)
    number = (f", registered number {society.registration_number}"
              if society.registration_number else "")
    pack.lines(f"{society.name}{number}", 6)
    for heading, lines in figures(contest):
        pdf.ln(3)
        pdf.set_font(pack.family, style="B", size=11)
        pack.lines(heading, 6)
        for line in lines:
            # An address is printed whole, on a line of its own, small enough to fit.
            pdf.set_font(pack.family, size=7 if line.startswith(("http://", "https://"))
                         else 10)
            pack.lines(line, 5)
    return bytes(pdf.output())
