"""`manage.py count FILE.blt --method M`: count a BLT ballot file and print the result.

Returning officers use it to count paper ballots entered into a BLT file, or to check another
system's count. It only reads the file and calls the counting engine.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from ballots.counting import METHODS, BLTError, CountError, LotRequired, count, read_blt


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
        parser.add_argument(
            "--seed",
            help="published seed for any tie that the rules leave to a lot; without one, a "
            "count that needs a lot stops and says so",
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
        try:
            result = count(options["method"], election, options["seats"], options["seed"])
        except LotRequired as exc:
            raise CommandError(f"{exc} (give it with --seed)") from exc
        except CountError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            data = result.to_dict()
            data["file_notes"] = warnings
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        for warning in warnings:
            self.stderr.write(f"{path}: {warning}")
        self.stdout.write(result.report(), ending="")
