import secrets
import subprocess
import sys

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from devices.sandbox import SandboxApp, SandboxVendor, start_in_thread

DEMO_USER = "demo"


class Command(BaseCommand):
    help = (
        "The demo behind `make run`: migrate, create a demo login, register a sandbox credential, "
        "start the sandbox vendor, a bulk-lookup worker and the web server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=12042)
        parser.add_argument("--latency-ms", type=float, default=80, help="Sandbox answer delay.")

    def handle(self, *args, host, port, sandbox_port, latency_ms, **options):
        call_command("migrate", interactive=False, verbosity=0)
        password = secrets.token_urlsafe(12)
        user, _ = User.objects.get_or_create(username=DEMO_USER)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        user.groups.add(*Group.objects.filter(name__in=["Support staff", "Support lead"]))

        # Fresh fake secrets on every start: nothing to keep, nothing committed.
        app = SandboxApp(
            app_id="sandbox-app", app_token=secrets.token_hex(16), app_key=secrets.token_hex(16)
        )
        sandbox = start_in_thread(
            SandboxVendor([app], latency_ms=latency_ms), host="127.0.0.1", port=sandbox_port
        )
        call_command(
            "set_credential",
            "sandbox",
            base_url=sandbox.base_url,
            app_id=app.app_id,
            app_token=app.app_token,
            app_key=app.app_key,
            region="sandbox",
            default=True,
            stdout=self.stdout,
        )
        # The bulk lookups' task worker (django-tasks-db), in its own process like in production.
        worker = subprocess.Popen(
            [sys.executable, "-m", "django", "db_worker"], cwd=settings.BASE_DIR
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"\nSupportDesk demo: http://{host}:{port}/\n"
                f"  log in as {DEMO_USER!r} with password {password!r}\n"
                f"  sandbox vendor at {sandbox.base_url} (stats: {sandbox.base_url}/_stats)\n"
                f"  bulk-lookup worker: process {worker.pid}\n"
                f"  debug: {settings.DEBUG}. Stop with Ctrl-C.\n"
            )
        )
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
        finally:
            worker.terminate()
            worker.wait(10)
            sandbox.stop()
