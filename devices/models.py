from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from devices import gwell
from devices.coalescing import Source as AnswerSource
from devices.credentials import vendor_url_problem
from devices.crypto import EncryptedTextField


def validate_vendor_url(url: str) -> None:
    """The production rule for base URLs, checked by admin and set_credential alike."""
    problem = vendor_url_problem(url, allow_insecure=settings.VENDOR_ALLOW_INSECURE_URLS)
    if problem:
        raise ValidationError(VENDOR_URL_REFUSED, code="insecure_vendor_url")


VENDOR_URL_REFUSED = _(
    "Use the vendor's https address. Plain http and loopback, link-local or private addresses "
    "are refused in production (VENDOR_ALLOW_INSECURE_URLS)."
)


class Credential(models.Model):
    """An app registered with the vendor (one per region). Secrets are encrypted at rest."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    region = models.CharField(_("region"), max_length=50, blank=True)
    base_url = models.URLField(
        _("base URL"),
        validators=[URLValidator(schemes=["http", "https"]), validate_vendor_url],
        help_text=_("The vendor domain for this region."),
    )
    app_id = models.CharField(_("app id"), max_length=100)
    app_token = EncryptedTextField(_("app token"))
    app_key = EncryptedTextField(_("app key"))
    signer_id = models.CharField(
        _("signer id"),
        max_length=100,
        blank=True,
        help_text=_("Sent as X-IotVideo-AccessID. Empty: the app id."),
    )
    is_default = models.BooleanField(_("default"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_ok_at = models.DateTimeField(_("last successful call"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last failed call"), null=True, blank=True)
    last_error = models.CharField(_("last failure"), max_length=300, blank=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("vendor credential")
        verbose_name_plural = _("vendor credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_credential",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})" if self.region else self.name

    @property
    def is_failing(self) -> bool:
        """Its last vendor call (or check) failed, and nothing has worked since."""
        ok_at, error_at = self.last_ok_at, self.last_error_at
        return error_at is not None and (ok_at is None or error_at > ok_at)

    def app(self) -> gwell.AppCredentials:
        return gwell.AppCredentials(
            base_url=self.base_url,
            app_id=self.app_id,
            app_token=self.app_token,
            app_key=self.app_key,
            signer_id=self.signer_id,
        )


class SignInMethod(models.TextChoices):
    """How a session was signed in: recorded on each lookup row (see devices.sso.method)."""

    SSO = "sso", _("company sign-in (SSO)")
    LOCAL = "local", _("local password")


class SsoIdentity(models.Model):
    """The provider's account a SupportDesk user stands for: its issuer and subject (`sub`).

    A company sign-in finds its user here, never by username or email, so nobody at the
    provider can take over an existing local account by choosing its name.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="sso_identity",
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("first company sign-in"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last company sign-in"), null=True, blank=True)
    provider_groups = models.CharField(
        _("provider groups at last sign-in"), max_length=500, blank=True
    )

    class Meta:
        verbose_name = _("company sign-in identity")
        verbose_name_plural = _("company sign-in identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_sso_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class Lookup(models.Model):
    """The audit log: one row per lookup, written before the vendor call, completed after."""

    class Kind(models.TextChoices):
        SERIAL = "sn", _("serial number")
        DEVICE_ID = "dev_id", _("device id")
        USER = "user", _("user id")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        OK = "ok", _("ok")
        NOT_FOUND = "not_found", _("not found")
        VENDOR_ERROR = "vendor_error", _("vendor error")
        SIGNATURE_ERROR = "signature_error", _("signature error")
        CREDENTIAL_ERROR = "credential_error", _("credential refused")
        UNAVAILABLE = "unavailable", _("vendor unavailable")
        RATE_LIMITED = "rate_limited", _("rate limited")
        INVALID_INPUT = "invalid_input", _("invalid input")

    Source = AnswerSource

    class Endpoint(models.TextChoices):
        DEV_INFO = "devInfo", "devInfo"
        DEV_LIST = "devList", "devList"

    class Channel(models.TextChoices):
        """Where the lookup was asked: the pages, the JSON API, the helpdesk sidebar, a bulk job,
        or a watch polling a device page (a follow-up of that page's lookup)."""

        WEB = "web", _("web pages")
        API = "api", _("API")
        EMBED = "embed", _("helpdesk sidebar")
        BULK = "bulk", _("bulk lookup")
        WATCH = "watch", _("watch")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lookups",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("value searched"), max_length=200)
    owner_id = models.CharField(_("owner's user id"), max_length=40, blank=True)
    credential = models.ForeignKey(
        Credential,
        verbose_name=_("credential"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lookups",
    )
    credential_name = models.CharField(_("credential name"), max_length=50, blank=True)
    endpoint = models.CharField(_("endpoint"), max_length=10, choices=Endpoint.choices, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    vendor_code = models.IntegerField(_("vendor code"), null=True, blank=True)
    vendor_message = models.CharField(_("vendor message"), max_length=300, blank=True)
    request_id = models.CharField(_("vendor requestId"), max_length=100, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    reason = models.CharField(_("ticket / reason"), max_length=200, blank=True)
    # The ticket number found in the reason, as a lead's search finds it (devices.audit.ticket_of).
    ticket = models.CharField(_("ticket number"), max_length=64, blank=True)
    http_request_id = models.CharField(_("request id"), max_length=40, blank=True)
    # Refused attempts of one person in quick succession share one row (see services).
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    signed_in_via = models.CharField(
        _("signed in with"), max_length=10, choices=SignInMethod.choices, blank=True
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    # A follow-up (a watch's poll) points at the lookup it follows instead of counting as a search.
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    # The API token's name (kept as text: the row outlives a revoked or deleted token).
    token_name = models.CharField(_("API token"), max_length=50, blank=True)
    # What the page concluded, for My lookups: {"tone": "bad", "text": {"en": ..., "zh-hans": ...}}
    # in every language, as the words are built from the answer, which is not kept.
    verdict = models.JSONField(_("verdict"), null=True, blank=True)
    # Which row of the failure table (devices/failures.py) the lookup met: the words are shown
    # from the table in the reader's language; vendor_message keeps the English details.
    failure_code = models.CharField(_("failure code"), max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lookup")
        verbose_name_plural = _("lookups")
        indexes = [
            models.Index(fields=["value", "-created_at"], name="lookup_value_idx"),
            models.Index(fields=["owner_id"], name="lookup_owner_idx"),
            models.Index(fields=["request_id"], name="lookup_request_idx"),
            models.Index(fields=["username", "-created_at"], name="lookup_username_idx"),
            models.Index(fields=["user", "-created_at"], name="lookup_user_idx"),
            models.Index(fields=["outcome", "-created_at"], name="lookup_outcome_idx"),
            models.Index(fields=["channel", "-created_at"], name="lookup_channel_idx"),
            models.Index(fields=["ticket", "-created_at"], name="lookup_ticket_idx"),
        ]
        permissions = [
            ("lookup_devices", _("Can look up devices and users at the vendor")),
            ("view_all_lookups", _("Can see everyone's lookups")),
            ("export_lookups", _("Can export lookups as CSV")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} by {self.username or '?'}"


class Profile(models.Model):
    """What a person chooses for themselves: the time zone every page shows times in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    # Empty: the site's TIME_ZONE.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
