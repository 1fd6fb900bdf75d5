import os

from django.core.management.base import BaseCommand, CommandError

from devices.sandbox import cli


class Command(BaseCommand):
    help = (
        "Run the sandbox: a fake of the vendor's OpenAPI (signatures, 10/s limit, faults) "
        f"until Ctrl-C. Token and key come from {cli.ENV_APP_TOKEN} / {cli.ENV_APP_KEY}, "
        "or are generated."
    )
    # The sandbox uses neither the database nor the app's models: nothing to check first.
    requires_system_checks = []

    def add_arguments(self, parser):
        cli.add_arguments(parser)

    def handle(self, *args, **options):
        try:
            cli.serve(options, environ=os.environ, out=self.stdout.write)
        except cli.SandboxUsageError as error:
            raise CommandError(str(error)) from error
