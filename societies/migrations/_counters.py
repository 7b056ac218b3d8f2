"""For data migrations that start a number series (societies.numbering) at the highest
number each society's rows carry today."""

from django.db.models import Max
from django_scopes import scopes_disabled


def seed_from_highest(kind: str, model: str, field: str):
    """RunPython's pair: seed the `kind` counters from `model`'s highest `field`, and remove
    them again."""
    app_label, model_name = model.split(".")

    def seed(apps, schema_editor):
        numbered = apps.get_model(app_label, model_name)
        Counter = apps.get_model("societies", "Counter")
        with scopes_disabled():
            highest = numbered.objects.values("society_id").annotate(last=Max(field))
            Counter.objects.bulk_create(
                [Counter(society_id=row["society_id"], kind=kind, last=row["last"])
                 for row in highest], ignore_conflicts=True)

    def unseed(apps, schema_editor):
        with scopes_disabled():
            apps.get_model("societies", "Counter").objects.filter(kind=kind).delete()

    return seed, unseed
