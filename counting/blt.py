"""Reading and writing BLT ballot files.

The standard layout::

    4 2               number of candidates, number of seats
    -2                optional: withdrawn candidates as negative numbers
    3 1 2 0           weight, candidate numbers (1-based) in order of preference, 0
    1 0               an empty ballot
    0                 end of ballots
    "Diane"           one name a line, in candidate-number order
    ...
    "Title"

Variants accepted (they are met in files published by councils and other counters):
``#`` comments, whole-line or trailing; ballot lines without the closing 0; unquoted names,
padded with spaces; doubled quotes inside a quoted name (``"Ken ""SNP"" Lynn"``); one ballot a line
with weight 1 (identical lines are grouped as they are read, so memory grows with the number
of distinct ballots, not of ballots); lines after the title (ignored); the option line
``[withdrawn 2 6]``; several quoted names on one line.

Skipped and equal ranks follow the ERS97 and Scottish rules' idea of a *next available
preference* (preferences count only in consecutive order, and one that is uncertain ends the
ballot): a ballot is cut short at its first ``-`` (skipped rank), at its first ``2=3`` (equal
ranks, an uncertain preference) and at the second mention of a candidate it already ranked.
A ballot cut short before its first preference is an empty ballot. Anything else that cannot
be read raises `BLTError`, naming the line and the reason.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TextIO

from .model import Election


class BLTError(ValueError):
    """A BLT file that cannot be read; the message names the line and the reason."""

    def __init__(self, line: int, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


def read_blt(source, warnings: list[str] | None = None) -> Election:
    """Read a BLT file from a path, an open text file, or an iterable of lines.

    If `warnings` is a list, notes about lines that were read but changed (ballots cut short
    at a skipped or equal rank, options ignored, text after the title) are appended to it.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline=None) as fh:
            return parse_blt(fh, warnings)
    return parse_blt(source, warnings)


def read_blt_text(text: str, warnings: list[str] | None = None) -> Election:
    return parse_blt(io.StringIO(text), warnings)


def _numbered(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield number, line


def _strip_comment(line: str) -> str:
    hash_at = line.find("#")
    if hash_at >= 0:
        line = line[:hash_at]
    return line.strip()


def _int(token: str, number: int, what: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise BLTError(number, f"{what} must be a whole number, found {token!r}") from None


def parse_blt(lines: Iterable[str] | TextIO, warnings: list[str] | None = None) -> Election:
    notes = warnings if warnings is not None else []
    it = _numbered(lines)
    number = 0

    # header
    header = None
    for line_no, raw in it:
        number = line_no
        text = _strip_comment(raw)
        if text:
            header = text
            break
    if header is None:
        raise BLTError(max(number, 1), "the file is empty: expected the header 'candidates seats'")
    parts = header.split()
    if len(parts) != 2 or not all(p.lstrip("-").isdigit() for p in parts):
        raise BLTError(
            number,
            f"expected the header 'number-of-candidates number-of-seats', found {header!r}",
        )
    ncand, seats = int(parts[0]), int(parts[1])
    if ncand < 1:
        raise BLTError(number, f"the number of candidates must be at least 1, found {ncand}")
    if seats < 1:
        raise BLTError(number, f"the number of seats must be at least 1, found {seats}")

    withdrawn: set[int] = set()
    grouped: dict[tuple[int, ...], int] = {}
    cut_short = 0

    def withdraw(tokens: list[str], number: int) -> None:
        for tok in tokens:
            c = abs(_int(tok, number, "a withdrawn candidate number"))
            if not 1 <= c <= ncand:
                raise BLTError(number, f"withdrawn candidate {c} is not in 1..{ncand}")
            withdrawn.add(c - 1)

    ended = False
    for number, raw in it:
        text = _strip_comment(raw) if "#" in raw else raw.strip()
        if not text:
            continue
        tokens = text.split()
        first = tokens[0]
        if first == "0" and len(tokens) == 1:
            ended = True
            break
        if first.startswith("-") and first != "-":
            if not all(tok.startswith("-") for tok in tokens):
                raise BLTError(
                    number, "a withdrawn-candidates line lists only negative candidate numbers"
                )
            withdraw(tokens, number)
            continue
        if first.startswith("["):
            option = text.strip("[]").split()
            if option and option[0].lower() == "withdrawn":
                withdraw(option[1:], number)
            else:
                notes.append(f"line {number}: option {text!r} is not supported and was ignored")
            continue
        try:  # the usual line: whole numbers only
            values = list(map(int, tokens))
        except ValueError:
            values = None
        if values is not None and min(values) >= 0:
            weight = values[0]
            prefs = values[1:]
            if prefs and prefs[-1] == 0:
                prefs.pop()
            if prefs:
                if 0 in prefs:
                    raise BLTError(number, "a 0 may only end a ballot line")
                if max(prefs) > ncand:
                    bad = max(prefs)
                    raise BLTError(number, f"candidate {bad} is not in 1..{ncand}")
                if len(set(prefs)) != len(prefs):
                    seen: set[int] = set()
                    for i, p in enumerate(prefs):
                        if p in seen:
                            del prefs[i:]
                            break
                        seen.add(p)
                    cut_short += weight
        else:
            weight, prefs, was_cut = _slow_ballot(tokens, ncand, number)
            if was_cut:
                cut_short += weight
        if weight:
            key = tuple([p - 1 for p in prefs])
            grouped[key] = grouped.get(key, 0) + weight
    if not ended:
        raise BLTError(number + 1, "the file ends before the line '0' that closes the ballots")

    # names and title
    strings: list[tuple[int, str]] = []
    for number, raw in it:
        if len(strings) > ncand:
            if raw.strip() and not raw.lstrip().startswith("#"):
                notes.append(f"line {number}: text after the title was ignored")
            continue
        strings.extend((number, s) for s in _names_on_line(raw, number))
    if len(strings) < ncand:
        raise BLTError(
            number + 1,
            f"expected {ncand} candidate names after the ballots, found {len(strings)}",
        )
    names = [s for _, s in strings[:ncand]]
    for i, (line_no, name) in enumerate(strings[:ncand]):
        if not name:
            raise BLTError(line_no, f"candidate {i + 1} has an empty name")
        if name in names[:i]:
            raise BLTError(line_no, f"candidate name {name!r} is used twice")
    title = strings[ncand][1] if len(strings) > ncand else ""
    if len(strings) > ncand + 1:
        notes.append(f"line {strings[ncand + 1][0]}: text after the title was ignored")
    if cut_short:
        notes.append(
            f"{cut_short} ballots were cut short at a skipped rank, an equal rank or a "
            "repeated candidate"
        )
    return Election(names, grouped, seats=seats, withdrawn=withdrawn, title=title)


def _slow_ballot(tokens: list[str], ncand: int, number: int) -> tuple[int, list[int], bool]:
    """A ballot line with a '-' (skipped rank) or 'a=b' (equal ranks), or a malformed one."""
    weight = _int(tokens[0], number, "the ballot weight")
    if weight < 0:
        raise BLTError(number, f"the ballot weight must not be negative, found {weight}")
    prefs: list[int] = []
    seen: set[int] = set()
    cut = False
    rest = tokens[1:]
    if rest and rest[-1] == "0":
        rest = rest[:-1]
    for tok in rest:
        if cut:
            if tok == "-":
                continue
            for part in tok.split("="):
                _check_candidate(part, ncand, number)
            continue
        if tok == "-":
            cut = True  # a skipped rank: later preferences are not in consecutive order
            continue
        if "=" in tok:
            for part in tok.split("="):
                _check_candidate(part, ncand, number)
            cut = True  # equal ranks: the next preference is uncertain
            continue
        c = _check_candidate(tok, ncand, number)
        if c in seen:
            cut = True
            continue
        seen.add(c)
        prefs.append(c)
    return weight, prefs, cut


def _check_candidate(mark: str, ncand: int, number: int) -> int:
    if mark == "0":
        raise BLTError(number, "a 0 may only end a ballot line")
    c = _int(mark, number, "a candidate number")
    if not 1 <= c <= ncand:
        raise BLTError(number, f"candidate {c} is not in 1..{ncand}")
    return c


def _names_on_line(raw: str, number: int) -> list[str]:
    """Names on one line: quoted strings (with "" for a quote), or the whole unquoted line."""
    line = raw.strip()
    if not line or line.startswith("#"):
        return []
    if not line.startswith('"'):
        return [_strip_comment(line)] if _strip_comment(line) else []
    names = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "#":
            break
        if ch != '"':
            raise BLTError(number, f"unexpected text {line[i:]!r} after a quoted name")
        i += 1
        buf = []
        while True:
            if i >= len(line):
                raise BLTError(number, "a quoted name is not closed")
            if line[i] == '"':
                if i + 1 < len(line) and line[i + 1] == '"':
                    buf.append('"')
                    i += 2
                    continue
                i += 1
                break
            buf.append(line[i])
            i += 1
        names.append("".join(buf).strip())
    return names


def _one_line(text: str) -> str:
    """A name or title as one line of a BLT file: every control character, line or paragraph
    separator (any of which a reader may take for the end of a line, or strip) becomes a space,
    and runs of white space one space."""
    return " ".join("".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text).split())


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _names(candidates: list[str]) -> list[str]:
    """Each candidate's name on one line; a name that is empty there, or the same as an
    earlier one, gets its candidate number, so that a reader finds every name and each once."""
    names: list[str] = []
    for number, name in enumerate(candidates, start=1):
        line = _one_line(name)
        if not line or line in names:
            line = f"{line} ({number})".strip()
        names.append(line)
    return names


def write_blt(election: Election, target=None, seats: int | None = None) -> str | None:
    """Write standard BLT (grouped ballots, quoted names) to a path or text file.

    With no target, return the text instead.
    """
    seats = seats if seats is not None else election.seats
    if seats is None:
        raise ValueError("the number of seats is needed to write a BLT file")
    out: list[str] = [f"{len(election.candidates)} {seats}"]
    if election.withdrawn:
        out.append(" ".join(f"-{c + 1}" for c in sorted(election.withdrawn)))
    for prefs, weight in election.ballots.items():
        marks = "".join(f" {c + 1}" for c in prefs)
        out.append(f"{weight}{marks} 0")
    out.append("0")
    out.extend(_quote(name) for name in _names(election.candidates))
    out.append(_quote(_one_line(election.title)))
    text = "\n".join(out) + "\n"
    if target is None:
        return text
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        target.write(text)
    return None
