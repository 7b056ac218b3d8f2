"""What a trustee owes a box now: a round of the key, their shuffle or their partial
decryption. Read by the trustee's page and by their to-do item."""

from dataclasses import dataclass

from ballotbox import services
from ballotbox.models import BoxState, Keeping, StepKind


@dataclass(frozen=True)
class Owed:
    kind: str  # "key", StepKind.SHUFFLE or StepKind.DECRYPTION
    label: str
    instructions: services.Instructions | None  # for a trustee on their own computer
    ready: bool  # False: it waits for the other trustees first


def owed_now(box, trustee, *, with_instructions: bool = True) -> Owed | None:
    """None when nothing is owed. `with_instructions=False` leaves out a count step's
    instructions, which carry the whole current record."""
    own = trustee.keeping == Keeping.OWN
    if box.state == BoxState.KEYS:
        if trustee.round is None:
            return None
        instructions = services.key_instructions(box, trustee) if own else None
        # A server-kept trustee's rounds run by themselves: nothing for them to press.
        return Owed("key", f"round {trustee.round} of the key", instructions,
                    ready=own and instructions is not None)
    if box.state != BoxState.TALLYING:
        return None
    done = set(box.steps.values_list("kind", "trustee_number"))
    ended = any(kind == StepKind.END_SHUFFLES for kind, _ in done)
    if services.is_ranked(box) and not ended:
        kind, label = StepKind.SHUFFLE, "your shuffle of the ballots"
    else:
        decrypted = sum(1 for kind, _ in done if kind == StepKind.DECRYPTION)
        if decrypted >= box.threshold:
            return None
        kind, label = StepKind.DECRYPTION, "your partial decryption"
    if (kind, trustee.number) in done:
        return None
    instructions = (services.tally_instructions(box, trustee, kind)
                    if own and with_instructions else None)
    return Owed(kind, label, instructions, ready=True)
