"""django-tasks-db's worker, which also keeps bulk jobs moving when a worker dies.

On start it gives a task to every unfinished bulk job that has none waiting (the task of a
worker killed mid-job stays "running" in django-tasks-db for ever); while it runs, a thread
hands jobs that stopped moving (their worker died, and none restarted) to the queue again.
"""

import logging
import threading

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from devices.bulk import jobs

log = logging.getLogger("supportdesk.bulk")

RESCUE_EVERY = 10.0


def _keep_rescuing(stop: threading.Event) -> None:
    while not stop.wait(RESCUE_EVERY):
        try:
            close_old_connections()
            if rescued := jobs.rescue_stalled_jobs():
                log.warning("bulk jobs %s had stalled: queued again", rescued)
        except Exception:  # the database may be briefly away; the next round tries again
            log.warning("could not look for stalled bulk jobs", exc_info=True)
        finally:
            close_old_connections()


class Command(DbWorkerCommand):
    help = DbWorkerCommand.help + " Also resumes bulk jobs whose worker died."

    def handle(self, *args, **options):
        if rescued := jobs.rescue_on_start():
            log.warning("bulk jobs %s resumed", rescued)
        stop = threading.Event()
        threading.Thread(target=_keep_rescuing, args=(stop,), daemon=True).start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
