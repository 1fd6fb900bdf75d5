from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from devices.models import Credential, Lookup


class Snapshot(models.Model):
    """What one fresh good answer said about a device, in the few facts a person reads
    (`devices.history.facts`): never the raw answer, never a secret.

    Consecutive answers that say the same thing share one row: `first_seen_at` is the first of
    them, `last_seen_at` ("seen until") the last, `previously_seen_at` the one before the last.
    """

    credential = models.ForeignKey(
        Credential,
        verbose_name=_("credential"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    device_id = models.CharField(_("device id"), max_length=40)
    facts = models.JSONField(_("facts"))
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("seen until"))
    previously_seen_at = models.DateTimeField(_("seen before that"), null=True, blank=True)
    times_seen = models.PositiveIntegerField(_("times seen"), default=1)

    class Meta:
        verbose_name = _("device snapshot")
        verbose_name_plural = _("device snapshots")
        indexes = [
            models.Index(
                fields=["credential", "device_id", "-last_seen_at"], name="snapshot_device_idx"
            ),
            models.Index(fields=["last_seen_at"], name="snapshot_seen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.first_seen_at:%Y-%m-%d %H:%M}"


class Watch(models.Model):
    """A person watching a device page: its polls are follow-ups of `lookup` (channel "watch").

    Active while not stopped, younger than WATCH_MAX_SECONDS and polled recently (a page that
    closed without saying so stops counting after a few missed polls)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # No constraint and no cascade: pruning the audit log must not fan out into this table
    # (watches last minutes; snapshots_prune drops the old ones).
    lookup = models.ForeignKey(
        Lookup,
        verbose_name=_("lookup"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    device_id = models.CharField(_("device id"), max_length=40)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    last_poll_at = models.DateTimeField(_("last poll"))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    polls = models.PositiveIntegerField(_("polls"), default=0)
    # The facts of the last answer the watch saw, to tell what each poll changed.
    last_facts = models.JSONField(_("last facts"), null=True, blank=True)

    class Meta:
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        indexes = [models.Index(fields=["user", "-started_at"], name="watch_user_idx")]

    def __str__(self) -> str:
        return f"{self.device_id} by {self.user_id}"
