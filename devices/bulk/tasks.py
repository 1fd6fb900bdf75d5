"""The background task behind a bulk job (Django's Tasks API, run by `manage.py db_worker`)."""

from django.tasks import task


@task
def run_bulk_job(job_id: int) -> None:
    from devices.bulk.jobs import job_run

    job_run(job_id=job_id)
