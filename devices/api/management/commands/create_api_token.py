from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug

from devices.api.tokens import TokenNameTaken, token_create

LOOKUP_PERMISSION = "devices.lookup_devices"


class Command(BaseCommand):
    help = (
        "Create an API token that acts as USERNAME. The token is printed once, alone on the "
        "last line; only its digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="says who uses it, e.g. zendesk-prod")
        parser.add_argument("--user", required=True, help="the user the token acts as")

    def handle(self, *args, name: str, user: str, **options) -> None:
        try:
            validate_slug(name)
        except ValidationError:
            raise CommandError("NAME must be letters, digits, '-' or '_'.") from None
        try:
            owner = get_user_model().objects.get_by_natural_key(user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user {user!r}.") from None
        if not owner.is_active:
            raise CommandError(f"The user {user!r} is inactive.")
        try:
            row, token = token_create(name=name, user=owner)
        except TokenNameTaken:
            raise CommandError(
                f"A live token is already named {name!r}; revoke it in admin or choose another."
            ) from None
        if not owner.has_perm(LOOKUP_PERMISSION):
            self.stderr.write(
                f"Warning: {user!r} may not look up devices; the API will answer 403 until "
                "they may (the Support staff group)."
            )
        self.stdout.write(
            f"Token {row.name!r} acts as {owner.get_username()!r}. It is shown once: store it "
            "now (admin shows only its first characters)."
        )
        self.stdout.write(token)
