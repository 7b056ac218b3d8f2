"""Voting codes: one per member on a contest's roll, made when voting opens.

A code lets whoever holds it vote once in its contest, with no account: online at
`/s/<slug>/vote/`, or by writing it on a returned paper. It is kept on the member's roll
entry (`VoterRollEntry.voting_code`) only while the poll is open, and blanked at the close
with the ballot box's credentials. It names a roll entry, never a ballot: the ballot is
stored apart (plain text with no voter, or encrypted in the box and shuffled before it is
decrypted), so nothing kept lets anyone turn a code into a choice (docs/voting.md).

The form: 15 characters from an alphabet with no look-alikes (no 0/O, 1/I/L, no small
letters), then a check character; typed in any case, with or without spaces and dashes, and
shown in four groups of four: `7KQ4-XM2P-H9RT-3WCB`. 15 random characters carry 74 bits:
guessing any one of a million members' codes at the society's rate limit (1,000 codes that
do not work every 15 minutes) would take about 500 million years. The check character (a
weighted sum modulo 31) catches any one mistyped character and any two neighbours swapped,
so a typo is reported as a typo without asking the database.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 15
LENGTH = RANDOM_LENGTH + 1
GROUP = 4
# What people type between groups, or by mistake for a look-alike.
_SEPARATORS = str.maketrans("", "", " -_.\t")


INVALID = ("That is not a valid voting code. Check it against your letter or email: it has "
           "16 letters and numbers, in four groups of four.")


class CodeError(ValueError):
    """A code that cannot be one, with a sentence for the person who typed it."""


def _weighted_sum(characters: str) -> int:
    return sum(weight * ALPHABET.index(char)
               for weight, char in enumerate(characters, start=1))


def _check_character(body: str) -> str:
    """The character that makes the weighted sum of `body + it` (weights 1, 2, 3…) a multiple
    of 31, the alphabet's size and a prime: so any one character changed, or any two
    neighbours swapped, changes the sum by a non-multiple of 31 and is caught."""
    weight = len(body) + 1
    inverse = pow(weight, -1, len(ALPHABET))
    return ALPHABET[(-_weighted_sum(body) * inverse) % len(ALPHABET)]


def _checks(code: str) -> bool:
    return _weighted_sum(code) % len(ALPHABET) == 0


def new_code() -> str:
    """A new random code, in its stored form (16 characters, no separators)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check_character(body)


def normal_code(text: str) -> str:
    """The stored form of a typed code; CodeError if it cannot be a code.

    Case, spaces and dashes do not matter. The message never says whether a code exists:
    only that what was typed is not a valid code."""
    code = (text or "").translate(_SEPARATORS).upper()
    if not code:
        raise CodeError("Enter your voting code.")
    # 0, O, 1, I and L are not in the alphabet: a code holding one is mistyped.
    if len(code) != LENGTH or any(char not in ALPHABET for char in code) or not _checks(code):
        raise CodeError(INVALID)
    return code


def shown(code: str) -> str:
    """A stored code as people read it: four groups of four, joined by dashes."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def issue_codes(entries) -> list:
    """Give each of `entries` (unsaved roll entries, or entries to bulk-update) a new code;
    the unique index on the codes has the last word on clashes (74 bits: none expected)."""
    for entry in entries:
        entry.voting_code = new_code()
    return entries
