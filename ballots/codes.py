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
guessing one valid code in a society of a million members at the rate limit would take far
longer than the universe has existed. The check character (Luhn's algorithm over the
alphabet) catches any one mistyped character and any two neighbours swapped, so a typo is
reported as a typo without asking the database.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 15
LENGTH = RANDOM_LENGTH + 1
GROUP = 4
# What people type between groups, or by mistake for a look-alike.
_SEPARATORS = str.maketrans("", "", " -_.\t")


class CodeError(ValueError):
    """A code that cannot be one, with a sentence for the person who typed it."""


def _check_character(body: str) -> str:
    """Luhn mod N over ALPHABET: the character that makes `body + it` check."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def _checks(code: str) -> bool:
    return _check_character(code[:-1]) == code[-1]


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
        raise CodeError("That is not a valid voting code. Check it against your letter or "
                        "email: it has 16 letters and numbers, in four groups of four.")
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
