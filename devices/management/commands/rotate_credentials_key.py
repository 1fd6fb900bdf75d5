from django.core.management.base import BaseCommand
from django.db import transaction

from devices.models import Credential


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored vendor secret under the first key of CREDENTIALS_KEY. To rotate: "
        "set CREDENTIALS_KEY=new,old on every host, run this once, then set CREDENTIALS_KEY=new."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        count = 0
        # Reading decrypts with any listed key; writing encrypts with the first one.
        for pk, token, key in Credential.objects.values_list("pk", "app_token", "app_key"):
            Credential.objects.filter(pk=pk).update(app_token=token, app_key=key)
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the secrets of {count} credential(s)."))
