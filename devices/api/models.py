from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token for the API. It acts as its user (permissions, per-person limit); only a
    SHA-256 digest of the token is stored, the token itself is shown once when created."""

    name = models.SlugField(
        _("name"), max_length=50, help_text=_("Says who uses it, e.g. zendesk-prod.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    # The token's first characters, enough to recognise it in a config file, not to use it.
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["name", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            # A name means one live token; a revoked token's name may be reused.
            models.UniqueConstraint(
                fields=["name"], condition=Q(revoked_at__isnull=True), name="one_live_token_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
