"""The task base every society-owned task uses."""

from celery.contrib.django.task import DjangoTask
from django_scopes import scope


class SocietyTask(DjangoTask):
    """A task whose first argument is a society id; it runs inside that society's scope."""

    def __call__(self, society_id, *args, **kwargs):
        from societies.models import Society

        society = Society.objects.get(pk=society_id)
        with scope(society=society):
            return super().__call__(society_id, *args, **kwargs)
