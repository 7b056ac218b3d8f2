"""What the box's pages, its tasks and the steps read: progress, what is due, trackers,
a trustee's instructions, the result and the public record. No writes here."""

from __future__ import annotations

from ballotbox import belenios
from ballotbox.models import Box, BoxState, QueuedStep, StepKind, Trustee
from ballotbox.services.common import (
    MIN_SHUFFLES,
    BoxError,
    Instructions,
    ballot_texts,
    is_ranked,
    steps_of,
)
from config.rows import bytewise


def count_progress(box: Box) -> tuple[int, int]:
    """The count's steps stored, and how many it takes at least: the encrypted tally, (for
    a ranking) two shuffles and their end, `threshold` partial decryptions, the result."""
    needed = 1 + (MIN_SHUFFLES + 1 if is_ranked(box) else 0) + box.threshold + 1
    return min(box.steps.count(), needed), needed


def decryptions_in(box: Box) -> int:
    return box.steps.filter(kind=StepKind.DECRYPTION).count()


def server_step_due(box: Box) -> bool:
    """Whether the server has a step of the count to do now, as `resume` would do it: the
    encrypted tally after the close, the result once `threshold` partial decryptions are in."""
    return box.state == BoxState.CLOSED or (box.state == BoxState.TALLYING
                                            and decryptions_in(box) >= box.threshold)


def work_due(box: Box) -> bool:
    """Whether `resume` has anything to do now: a server step of the count, a trustee's step
    waiting for the worker, or a verification asked for."""
    return (server_step_due(box) or box.queued.filter(refused="").exists()
            or verification_due(box))


def verification_due(box: Box) -> bool:
    return (box.state == BoxState.RESULT and box.verify_requested_at is not None
            and (box.verified_at is None or box.verified_at < box.verify_requested_at))


def has_tracker(box: Box, tracker: str) -> bool:
    """Whether a ballot with this tracker is in the box."""
    return box.ballots.filter(tracker=tracker).exists()


def trackers(box: Box):
    """The trackers of the box's ballots, in byte order (what `LC_ALL=C sort` gives)."""
    return box.ballots.order_by(bytewise("tracker")).values_list("tracker", flat=True)


def queued_step(box: Box, trustee_number: int) -> QueuedStep | None:
    """The trustee's latest step waiting for the worker, or refused by it, if any."""
    return (box.queued.filter(trustee_number=trustee_number)
            .order_by("-queued_at", "-pk").first())


def key_instructions(box: Box, trustee: Trustee) -> Instructions | None:
    """The command for the trustee's current key-generation round (None: nothing to do yet)."""
    group = box.group
    certificates = "".join(t.certificate + "\n" for t in box.trustee_rows.order_by("number"))
    if trustee.round == 1:
        return Instructions("round 1", belenios.certificate_command(group), {}, "ID.cert")
    key_file = belenios.certificate_id(trustee.certificate) + ".key"
    files = {belenios.CERTIFICATES_FILE: certificates}
    if trustee.round == 3 and box.trustee_rows.filter(certificate="").exists():
        return None
    if trustee.round == 3:
        return Instructions("round 3", belenios.polynomial_command(
            group, box.threshold, key_file=key_file), files, belenios.POLYNOMIAL_FILE)
    if trustee.round == 5 and trustee.vinput:
        return Instructions("round 5", belenios.verification_output_command(
            group, key_file=key_file), {**files, belenios.VINPUT_FILE: trustee.vinput + "\n"},
            belenios.VOUTPUT_FILE)
    return None


def tally_instructions(box: Box, trustee: Trustee, kind: str) -> Instructions:
    """For a trustee on their own computer: the shuffle or the partial decryption to run on
    the current public record (`election/election.bel`), after `belenios-tool election
    verify --dir election`."""
    files: dict[str, str | bytes] = {f"{belenios.ELECTION_DIR}/election.bel": bytes(box.record)}
    if kind == StepKind.SHUFFLE:
        return Instructions("shuffle", belenios.shuffle_command(trustee.number), files,
                            belenios.SHUFFLE_FILE)
    key_id = belenios.certificate_id(trustee.certificate)
    files[f"{key_id}.dkey"] = trustee.decryption_key + "\n"
    return Instructions("partial decryption", belenios.partial_decryption_command(
        trustee.number, key_file=f"{key_id}.key", decryption_key_file=f"{key_id}.dkey"),
        files, belenios.PARTIAL_DECRYPTION_FILE)


def trustee_progress(box: Box) -> list[dict]:
    """Each trustee's public progress: which rounds they sent, which steps of the count."""
    steps = {}
    for kind, number in box.steps.exclude(trustee_number=None).values_list("kind",
                                                                           "trustee_number"):
        steps.setdefault(number, set()).add(kind)
    return [{"trustee": t, "certificate": bool(t.certificate), "polynomial": bool(t.polynomial),
             "answer": bool(t.voutput),
             "shuffled": StepKind.SHUFFLE in steps.get(t.number, ()),
             "decrypted": StepKind.DECRYPTION in steps.get(t.number, ())}
            for t in box.trustee_rows.order_by("number")]


def result_of(box: Box) -> list[belenios.RankedResult | belenios.ChoiceResult]:
    """The result of each question (rank vectors for a ranking, totals otherwise)."""
    (step,) = steps_of(box, StepKind.RESULT) or [None]
    if step is None:
        raise BoxError("The ballot box has no result yet.")
    return belenios.read_result(step.message, box.election)


def public_record(box: Box) -> tuple[bytes, str]:
    """The public record (a .bel archive) and its SHA-256 (hex), once the result is in."""
    if box.state != BoxState.RESULT:
        raise BoxError("The public record is published with the result.")
    return bytes(box.record), box.record_sha256


def verify(box: Box) -> belenios.Verification:
    """Every check Belenios knows, on the box's public record."""
    return belenios.verify_archive(public_record(box)[0])


def rebuild_record(box: Box) -> bytes:
    """The public record made again from the set-up, the stored ballots and the stored steps
    (checking that each step gives back what was stored)."""
    archive = belenios.assemble_archive(bytes(box.setup_archive), ballot_texts(box))
    decryptions = {}
    for step in box.steps.order_by("position"):
        if step.kind == StepKind.TALLY:
            archive = belenios.compute_encrypted_tally(archive)
            if belenios.last_event_data(archive) != step.message:
                raise BoxError("The encrypted tally made again differs from the one stored.")
        elif step.kind == StepKind.SHUFFLE:
            archive = belenios.add_shuffle(archive, step.message, step.trustee_number,
                                           check=False)
        elif step.kind == StepKind.END_SHUFFLES:
            archive = belenios.end_shuffles(archive, minimum=MIN_SHUFFLES)
        elif step.kind == StepKind.DECRYPTION:
            decryptions[step.trustee_number] = step.message
        elif step.kind == StepKind.RESULT:
            tally = belenios.compute_result(archive, decryptions)
            if tally.result != step.message:
                raise BoxError("The result made again differs from the one stored.")
            archive = tally.archive
    return archive
