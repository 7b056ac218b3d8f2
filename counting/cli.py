"""The command line: `python -m counting FILE.blt --method M` counts a BLT ballot file and prints
the result (`manage.py count` is the same command inside the project).

Returning officers use it to count paper ballots entered into a BLT file, or to check another
system's count. It only reads the file and calls the engine. A count that needs a lot takes the
seed published beforehand (`--seed`) or draws a fresh one (`--draw`) and prints it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from . import METHODS, count
from .blt import BLTError, read_blt
from .model import CountError, LotRequired

DESCRIPTION = (
    "Count a BLT ballot file by plurality, block vote, approval or STV (ERS97, Scottish, "
    "Meek) and print the stage-by-stage result."
)


class CountFileError(Exception):
    """Why a file could not be counted, in words for the person who ran the command."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options, shared by `python -m counting` and `manage.py count`."""
    parser.add_argument("file", help="the BLT file to count")
    parser.add_argument("--method", required=True, choices=METHODS, help="counting rule")
    parser.add_argument("--seats", type=int, help="seats to fill (default: the number in the file)")
    lot = parser.add_mutually_exclusive_group()
    lot.add_argument(
        "--seed",
        metavar="TEXT",
        help="the seed published before the count, for any tie the rules leave to a lot",
    )
    lot.add_argument(
        "--draw",
        action="store_true",
        help="if the count needs a lot, draw a fresh random seed for it and print the seed",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the report"
    )


def count_file(
    path: str,
    method: str,
    seats: int | None = None,
    seed: str | None = None,
    *,
    draw: bool = False,
    as_json: bool = False,
    out: TextIO,
    err: TextIO,
) -> None:
    """Count the BLT file at `path` and write the report (or JSON) to `out`, notes to `err`.

    Raises `CountFileError` when the file cannot be read or counted, or needs a lot that
    neither `seed` nor `draw` provides.
    """
    warnings: list[str] = []
    try:
        election = read_blt(path, warnings)
    except OSError as exc:
        raise CountFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    except BLTError as exc:
        raise CountFileError(f"{path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise CountFileError(f"{path}: the file is not UTF-8 text ({exc.reason})") from exc
    try:
        try:
            result = count(method, election, seats, seed)
        except LotRequired as needed:
            if not draw:
                raise CountFileError(
                    f"the count needs a lot: at stage {needed.stage}, "
                    f"{', '.join(needed.names)} are tied ({needed.purpose}) at every "
                    f"stage.\n{needed.rule}\nCount again with --seed TEXT, the seed "
                    "published before the count, or with --draw to draw a fresh random "
                    "seed now (it is printed: keep it with the result)."
                ) from needed
            from .lots import draw_seed

            seed = draw_seed()
            err.write(
                f"The count needs a lot: seed drawn {seed} (keep it with the result; anyone "
                "can repeat the draw with it).\n"
            )
            result = count(method, election, seats, seed)
    except CountError as exc:
        raise CountFileError(str(exc)) from exc
    check = None
    if any(tie.rule == "lot" for tie in result.tie_breaks):
        from .lots import lot_outcomes

        check = lot_outcomes(method, election, seats)
    if as_json:
        data = result.to_dict()
        data["file_notes"] = warnings
        data["lot_check"] = check.to_dict() if check else None
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    for warning in warnings:
        err.write(f"{path}: {warning}\n")
    out.write(result.report())
    if check:
        out.write(check.sentence() + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m counting", description=DESCRIPTION)
    add_arguments(parser)
    options = parser.parse_args(argv)
    try:
        count_file(
            options.file,
            options.method,
            options.seats,
            options.seed,
            draw=options.draw,
            as_json=options.json,
            out=sys.stdout,
            err=sys.stderr,
        )
    except CountFileError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0
