"""Bulk fixtures: a lead allowed to run bulk lookups, and a real task worker process
(`manage.py db_worker`) working on the test database."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection

from devices.sandbox.data import DEVICES
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def bulk_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="bulk", codename="run_bulk_lookups")


@pytest.fixture
def bulk_lead(db) -> User:
    user = User.objects.create_user("lin", "lin@example.com", PASSWORD)
    user.user_permissions.add(bulk_permission())
    return user


@pytest.fixture
def bulk_client(client, bulk_lead, credential):
    client.force_login(bulk_lead)
    return client


def sandbox_serials(count: int) -> list[str]:
    """`count` distinct serial numbers: the sandbox's devices, then unknown ones (not found)."""
    known = [device.sn for device in DEVICES]
    unknown = [f"876ZZNOPE{n:04d}" for n in range(max(count - len(known), 0))]
    return (known + unknown)[:count]


def database_url() -> str:
    """The test database, for a process started by the test (SQLite: a file, tests.settings)."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}"


class Worker:
    """`manage.py db_worker` in its own process, with this test's database and limiter."""

    def __init__(self, settings, log_path: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "LIMITER_SQLITE_PATH": settings.LIMITER_SQLITE_PATH,
            "VAR_DIR": str(log_path.parent / "worker-var"),
        }
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@pytest.fixture
def worker(settings, tmp_path, transactional_db):
    running = Worker(settings, tmp_path / "worker.log")
    yield running
    running.stop()
