import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from devices import credential_services
from devices.models import Credential

MISSING_SECRET = (
    "{option} is required for a new credential: pass {option} or set {env} in the environment "  # noqa: S105
    "(the environment keeps it out of shell history)."
)


class Command(BaseCommand):
    help = (
        "Create or update a vendor credential. Secrets may come from GWELL_APP_TOKEN/GWELL_APP_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--base-url", help="The vendor domain, e.g. https://openapi.example.com"
        )
        parser.add_argument("--app-id")
        parser.add_argument("--app-token", help="Prefer the GWELL_APP_TOKEN environment variable.")
        parser.add_argument("--app-key", help="Prefer the GWELL_APP_KEY environment variable.")
        parser.add_argument(
            "--access-id",
            dest="signer_id",
            help="Sign as this X-IotVideo-AccessID instead of the app id.",
        )
        parser.add_argument("--region", help="A label such as cn, sg, de, us.")
        parser.add_argument("--default", action="store_true", help="Make it the default.")
        parser.add_argument("--disable", action="store_true", help="Keep it, but do not use it.")

    def handle(self, *args, name, **options):
        token = options["app_token"] or os.environ.get("GWELL_APP_TOKEN", "")
        key = options["app_key"] or os.environ.get("GWELL_APP_KEY", "")
        # Secrets are not read: new ones overwrite them, and old ones may not decrypt any more.
        credential = Credential.objects.filter(name=name).defer("app_token", "app_key").first()
        created = credential is None
        if created:
            credential = Credential(name=name)
            for option, value in [
                ("--base-url", options["base_url"]),
                ("--app-id", options["app_id"]),
            ]:
                if not value:
                    raise CommandError(f"{option} is required for a new credential.")
            if not token:
                raise CommandError(
                    MISSING_SECRET.format(option="--app-token", env="GWELL_APP_TOKEN")
                )
            if not key:
                raise CommandError(MISSING_SECRET.format(option="--app-key", env="GWELL_APP_KEY"))
        for field in ("base_url", "app_id", "signer_id", "region"):
            if options[field] is not None:
                setattr(credential, field, options[field])
        if token:
            credential.app_token = token
        if key:
            credential.app_key = key
        credential.enabled = not options["disable"]
        if options["default"]:
            credential.is_default = True
        # The one-default rule is checked by credential_save, which moves the default.
        try:
            credential.full_clean(validate_constraints=False)
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(m)}" for field, m in error.message_dict.items()
            )
            raise CommandError(problems) from None
        credential_services.credential_save(credential)
        verb = "Created" if created else "Updated"
        default = " (default)" if credential.is_default else ""
        self.stdout.write(self.style.SUCCESS(f"{verb} credential {name}{default}."))
