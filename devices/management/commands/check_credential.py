from django.core.management.base import BaseCommand, CommandError

from devices.credential_services import credential_check, credential_get
from devices.credentials import CredentialNotFound
from devices.crypto import SecretUnavailable


class Command(BaseCommand):
    help = "Make one signed call with a credential and say whether the vendor accepted it."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="Credential name (default: the default one).")

    def handle(self, *args, name=None, **options):
        try:
            credential = credential_get(name=name)
        except (CredentialNotFound, SecretUnavailable) as error:
            raise CommandError(str(error)) from None
        check = credential_check(credential=credential)
        if not check.accepted:
            raise CommandError(f"{credential.name}: {check.message}")
        self.stdout.write(self.style.SUCCESS(f"{credential.name}: {check.message}"))
