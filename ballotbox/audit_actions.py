"""The audit actions the ballot box writes (registry: societies.audit)."""

from societies.audit import register

register("ballotbox", prefixes=["ballotbox"], actions={
    "ballotbox.created": "A ballot box was created with its trustees and threshold",
    "ballotbox.key_message_sent": "A trustee's key-ceremony message was accepted",
    "ballotbox.key_message_refused": "A trustee's key-ceremony message was refused",
    "ballotbox.opened": "The ballot box was opened to its voters",
    "ballotbox.closed": "The ballot box was closed (how many ballots it holds)",
    "ballotbox.shuffled": "A trustee's shuffle of the ballots was accepted",
    "ballotbox.shuffle_refused": "A trustee's shuffle was refused",
    "ballotbox.shuffles_ended": "The shuffles were ended",
    "ballotbox.decrypted": "A trustee's partial decryption was accepted",
    "ballotbox.decryption_refused": "A trustee's partial decryption was refused",
    "ballotbox.result_computed": "The result was computed from the partial decryptions",
    "ballotbox.published": "The public record of the ballot box was published",
    "ballotbox.verified": "belenios-tool verified the published record",
})
