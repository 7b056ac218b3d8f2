"""python manage.py create_society --name ... --slug ... --secretary-email ..."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from societies import services
from societies.models import LegalForm


class Command(BaseCommand):
    help = "Set up a new society and email an invitation to its first secretary."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="web address: /s/<slug>/")
        parser.add_argument("--legal-form", default=LegalForm.COOPERATIVE,
                            choices=LegalForm.values)
        parser.add_argument("--secretary-email", required=True)

    def handle(self, *args, **options):
        try:
            society = services.create_society(
                actor=None,
                name=options["name"],
                slug=options["slug"],
                legal_form=options["legal_form"],
                secretary_email=options["secretary_email"],
            )
        except services.SocietyError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}"
                                         for k, v in error.message_dict.items())) from None
        self.stdout.write(
            f"Created {society.name} at /s/{society.slug}/; invitation sent to "
            f"{options['secretary_email']}."
        )
