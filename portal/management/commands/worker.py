"""`manage.py worker`: the background worker — django-tasks' database worker with the
periodic scheduler beside it. Run one or more; periodic runs are still enqueued once."""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from portal.scheduling import scheduler_start


class Command(DbWorkerCommand):
    help = "Run the background worker and the periodic scheduler."

    def handle(self, *args, **options):
        scheduler_start()
        return super().handle(*args, **options)
