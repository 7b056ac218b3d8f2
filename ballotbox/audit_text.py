"""The ballot box's audit entries as sentences (societies.audit_text). No entry holds a
ballot, a credential or a key."""

from societies.audit_text import describes, phrases

phrases({
    "ballotbox.created": "{actor} created the ballot box ‘{target}’: {data[threshold]} of "
                         "{data[trustees]} trustees needed to decrypt",
    "ballotbox.key_message_sent": "{actor} sent trustee {data[trustee]}'s round "
                                  "{data[round]} key message for ‘{target}’",
    "ballotbox.key_message_refused": "{actor} sent a key message for trustee {data[trustee]} "
                                     "({data[name]}) of ‘{target}’ that was refused: "
                                     "{data[reason]}",
    "ballotbox.opened": "{actor} opened the ballot box ‘{target}’ for {data[voters]} voters",
    "ballotbox.closed": "{actor} closed the ballot box ‘{target}’ with {data[ballots]} ballots",
    "ballotbox.shuffled": "{actor} sent trustee {data[trustee]} ({data[name]})'s shuffle of "
                          "‘{target}’",
    "ballotbox.shuffle_refused": "{actor} sent a shuffle for trustee {data[trustee]} "
                                 "({data[name]}) of ‘{target}’ that was refused: "
                                 "{data[reason]}",
    "ballotbox.shuffles_ended": "{actor} ended the shuffles of ‘{target}’ after "
                                "{data[shuffles]}",
    "ballotbox.decrypted": "{actor} sent trustee {data[trustee]} ({data[name]})'s partial "
                           "decryption of ‘{target}’",
    "ballotbox.decryption_refused": "{actor} sent a partial decryption for trustee "
                                    "{data[trustee]} ({data[name]}) of ‘{target}’ that was "
                                    "refused: {data[reason]}",
    "ballotbox.result_computed": "The result of ‘{target}’ was computed from "
                                 "{data[decryptions]} partial decryptions",
    "ballotbox.published": "{actor} published the public record of ‘{target}’ (SHA-256 "
                           "{data[record_sha256]})",
})


@describes("ballotbox.verified")
def _verified(e):
    verdict = "every check holds" if e.data["ok"] else "it does NOT verify"
    return (f"belenios-tool verified the public record of ‘{e.target}’ (SHA-256 "
            f"{e.data['record_sha256']}): {verdict}")
