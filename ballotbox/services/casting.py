"""Opening the box (the voters' credentials) and casting: checking and storing ballots."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from ballotbox import belenios
from ballotbox.belenios import BallotRefused, BeleniosError
from ballotbox.models import Box, BoxState, EncryptedBallot, PublicCredential
from ballotbox.services.common import BoxError, locked_box, questions_of, record_failure
from societies import audit


def open_box(*, actor, box: Box, voter_ids: Sequence[str]) -> dict[str, str]:
    """Make one credential per opaque voter id and the election; the box is then open.

    Returns voter id → private credential. The box keeps only the public credentials and
    never the link between a voter id and a credential: the caller hands each private
    credential to its voter and then forgets it (whoever holds one can cast that ballot).
    """
    try:
        with transaction.atomic():
            box = locked_box(box)
            if box.state != BoxState.READY:
                raise BoxError("Only a ballot box whose keys are made can be opened, once.")
            credentials = belenios.generate_credentials(box.election_id, box.group,
                                                        list(voter_ids))
            setup = belenios.make_election(
                box.election_id, box.group, trustees=box.trustees,
                public_credentials=credentials.public, name=box.name,
                questions=questions_of(box))
            if setup.credentials_fingerprint != credentials.fingerprint:
                raise BoxError("The published credentials are not the ones made.")
            PublicCredential.objects.bulk_create(
                (PublicCredential(society=box.society, box=box, credential=c)
                 for c in credentials.public), batch_size=2000)
            box.election, box.setup_archive = setup.election, setup.archive
            box.credentials_fingerprint = credentials.fingerprint
            box.state, box.error = BoxState.OPEN, ""
            box.save(update_fields=["election", "setup_archive", "credentials_fingerprint",
                                    "state", "error"])
            audit.record(box.society, actor, "ballotbox.opened", box,
                         {"voters": len(credentials.public)})
    except BeleniosError as error:
        record_failure(box, error)
        raise BoxError(f"The ballot box could not be opened: {error.message}.") from None
    return dict(credentials.private)


class _Known:
    """`in` answered by the database: is this credential one of the box's?"""

    def __init__(self, box: Box, used: bool):
        self.box, self.used = box, used

    def __contains__(self, credential) -> bool:
        model = EncryptedBallot if self.used else PublicCredential
        return model.objects.filter(box=self.box, credential=credential).exists()


_ALREADY = "This ballot cannot be accepted: a ballot signed with this credential is already " \
           "in the ballot box."


def _open_for_ballots(box: Box) -> Box:
    """The box as it is now; BallotRefused unless it is open."""
    box = Box.objects.get(pk=box.pk)
    if box.state != BoxState.OPEN:
        raise BallotRefused("store a ballot", "This ballot cannot be accepted: the ballot box "
                                              "is not open.")
    return box


def _check(box: Box, ballot_json: str, *, proofs: bool = True) -> belenios.EncryptedBallot:
    return belenios.check_ballot(
        election=box.election, trustees=box.trustees, ballot=ballot_json,
        public_credentials=_Known(box, used=False), used_credentials=_Known(box, used=True),
        proofs=proofs)


def store_checked(box: Box, checked: belenios.EncryptedBallot) -> str:
    """Store a checked ballot under the box's lock, inside the caller's transaction (so a
    caller can claim a voter's roll entry in the same transaction, by another statement);
    its tracker. BallotRefused if the box has closed or the credential has been used."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("store_checked runs inside the caller's transaction")
    box = locked_box(box)  # the close takes the same lock: no ballot lands after it
    if box.state != BoxState.OPEN:
        raise BallotRefused("store a ballot", "This ballot cannot be accepted: the ballot "
                                              "box has closed.")
    try:
        with transaction.atomic():
            EncryptedBallot.objects.create(society=box.society, box=box, ballot=checked.text,
                                           tracker=checked.tracker,
                                           credential=checked.credential)
    except IntegrityError:
        raise BallotRefused("store a ballot", _ALREADY) from None
    return checked.tracker


def store_ballot(box: Box, ballot_json: str) -> str:
    """Check a ballot against the box and store it; its tracker. BallotRefused (with a
    sentence for the voter) for a ballot the box cannot take. Not audited: an entry would say
    when someone voted, which the box must not know."""
    box = _open_for_ballots(box)
    checked = _check(box, ballot_json)
    with transaction.atomic():
        return store_checked(box, checked)


def prepare_ballot(box: Box, private_credential: str,
                   choices: Sequence[Sequence[int]]) -> belenios.EncryptedBallot:
    """Encrypt the choices on the server with the voter's private credential and check the
    ballot's election and credential (known, not used); nothing is stored (`store_checked`
    does). The tool does not check again the proofs of a ballot it has just made (0.09 s of
    CPU a vote, a third of its cost); the encrypted tally and every verification of the
    record check them. The server sees the choices while it encrypts (docs/secrecy.md)."""
    box = _open_for_ballots(box)
    encrypted = belenios.encrypt_ballot(election=box.election, trustees=box.trustees,
                                        private_credential=private_credential, choices=choices)
    return _check(box, encrypted.text, proofs=False)


def encrypt_and_store(box: Box, private_credential: str,
                      choices: Sequence[Sequence[int]]) -> str:
    """Encrypt the choices on the server with the voter's private credential, then store the
    ballot; its tracker."""
    checked = prepare_ballot(box, private_credential, choices)
    with transaction.atomic():
        return store_checked(box, checked)
