"""`manage.py count FILE.blt --method M`: count a BLT ballot file and print the result.

Returning officers use it to count paper ballots entered into a BLT file, or to check another
system's count. It only reads the file and calls the counting engine. A count that needs a lot
takes the seed published beforehand (`--seed`) or draws a fresh one (`--draw`) and prints it.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from counting import (
    METHODS,
    BLTError,
    CountError,
    LotRequired,
    count,
    draw_seed,
    lot_outcomes,
    read_blt,
)


class Command(BaseCommand):
    help = (
        "Count a BLT ballot file by plurality, block vote, approval or STV (ERS97, Scottish, "
        "Meek) and print the stage-by-stage result."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the BLT file to count")
        parser.add_argument("--method", required=True, choices=METHODS, help="counting rule")
        parser.add_argument(
            "--seats", type=int, help="seats to fill (default: the number in the file)"
        )
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

    def handle(self, *args, **options):
        path = options["file"]
        warnings: list[str] = []
        try:
            election = read_blt(path, warnings)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
        except BLTError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: the file is not UTF-8 text ({exc.reason})") from exc
        method, seats, seed = options["method"], options["seats"], options["seed"]
        try:
            try:
                result = count(method, election, seats, seed)
            except LotRequired as needed:
                if not options["draw"]:
                    raise CommandError(
                        f"the count needs a lot: at stage {needed.stage}, "
                        f"{', '.join(needed.names)} are tied ({needed.purpose}) at every "
                        f"stage.\n{needed.rule}\nCount again with --seed TEXT, the seed "
                        "published before the count, or with --draw to draw a fresh random "
                        "seed now (it is printed: keep it with the result)."
                    ) from needed
                seed = draw_seed()
                self.stderr.write(
                    f"The count needs a lot: seed drawn {seed} (keep it with the result; anyone "
                    "can repeat the draw with it)."
                )
                result = count(method, election, seats, seed)
        except CountError as exc:
            raise CommandError(str(exc)) from exc
        check = None
        if any(tie.rule == "lot" for tie in result.tie_breaks):
            check = lot_outcomes(method, election, seats)
        if options["json"]:
            data = result.to_dict()
            data["file_notes"] = warnings
            data["lot_check"] = check.to_dict() if check else None
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        for warning in warnings:
            self.stderr.write(f"{path}: {warning}")
        self.stdout.write(result.report(), ending="")
        if check:
            self.stdout.write(check.sentence())
