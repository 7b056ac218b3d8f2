"""`manage.py count FILE.blt --method M`: count a BLT ballot file and print the result.

The same command as `python -m counting` (counting/cli.py), which does the work.
"""

from django.core.management.base import BaseCommand, CommandError

from counting.cli import DESCRIPTION, CountFileError, add_arguments, count_file


class Command(BaseCommand):
    help = DESCRIPTION

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, **options):
        try:
            count_file(
                options["file"],
                options["method"],
                options["seats"],
                options["seed"],
                draw=options["draw"],
                as_json=options["json"],
                out=self.stdout,
                err=self.stderr,
            )
        except CountFileError as exc:
            raise CommandError(str(exc)) from exc
