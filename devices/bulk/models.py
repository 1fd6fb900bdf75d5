"""A bulk job and its items. Items are rows with a state, so a job survives any worker's death:
whatever is not done is claimed again (devices/bulk/jobs.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from devices.models import Lookup


class BulkJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="bulk_jobs",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The last sign of life of a worker on this job: a job that shows none for a while is
    # handed to another worker (jobs.rescue_stalled_jobs).
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="queued")
    total = models.PositiveIntegerField(_("identifiers"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    reason = models.CharField(_("ticket / reason"), max_length=200, blank=True)
    credential_name = models.CharField(_("credential"), max_length=50, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        permissions = [("run_bulk_lookups", _("Can run bulk lookups"))]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.total})"

    @property
    def is_over(self) -> bool:
        return self.state in (self.State.FINISHED, self.State.CANCELLED, self.State.FAILED)


class BulkItem(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        CALLING = "calling", _("being looked up")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Lookup.Kind.choices)
    value = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default="pending")
    # A claimed item belongs to its worker until then; past it, the worker is taken for dead.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)  # the worker: "host:pid"
    attempts = models.PositiveSmallIntegerField(default=0)
    # The audit row of its lookup (channel "bulk"); the devices app needs no column for jobs.
    lookup = models.ForeignKey(
        Lookup, null=True, blank=True, on_delete=models.SET_NULL, related_name="bulk_items"
    )
    outcome = models.CharField(max_length=20, blank=True)
    problem = models.BooleanField(default=False)
    # What the export and the results table show, as numbers and codes (labels are made in the
    # reader's language when shown): see jobs.facts_of.
    facts = models.JSONField(default=dict, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="bulk_item_position"),
            models.UniqueConstraint(fields=["job", "kind", "value"], name="bulk_item_once"),
        ]
        indexes = [models.Index(fields=["job", "state"], name="bulk_item_job_state")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"
