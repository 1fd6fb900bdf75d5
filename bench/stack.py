"""A whole SupportDesk stack on this machine, for benchmarks and load tests.

The sandbox vendor in its own process, one or more gunicorn instances ("hosts") serving
`supportdesk.wsgi`, a fresh database (SQLite file or a new PostgreSQL database) and optionally
Redis. Everything listens on 127.0.0.1 only, and everything is stopped on exit.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = secrets.token_urlsafe(16)
USERNAME = "bench"
APP_ID = "bench-app"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout} s")


@dataclass
class Stack:
    database_url: str = ""  # empty: a SQLite file in the work folder
    redis_url: str = ""  # empty: the embedded limiter and cache
    hosts: int = 1
    workers: int = 4
    threads: int = 4
    sandbox_latency_ms: float = 60
    sandbox_jitter_ms: float = 60
    extra_env: dict[str, str] = field(default_factory=dict)
    superuser: bool = False  # the signed-in user may also use admin
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sd-bench-")))
    processes: list[subprocess.Popen] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    sandbox_url: str = ""
    _pg_database: str = ""

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "ENV_FILE": "",
            "DEBUG": "0",
            "SECRET_KEY": self._secret_key,
            "CREDENTIALS_KEY": self._credentials_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "VENDOR_ALLOW_INSECURE_URLS": "1",  # the sandbox is plain http on 127.0.0.1
            "VAR_DIR": str(self.workdir / "var"),
            "STATIC_ROOT": str(self.workdir / "static"),
            "DATABASE_URL": self.database_url or f"sqlite:///{self.workdir / 'db.sqlite3'}",
            "REDIS_URL": self.redis_url,
            # Staff limits are not what a vendor-budget benchmark measures.
            "LOOKUP_USER_RATE": "100000/m",
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        return env

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self) -> None:
        self._secret_key = secrets.token_urlsafe(50)
        self._credentials_key = Fernet.generate_key().decode()
        if self.database_url.startswith("postgres"):
            self._create_postgres_database()
        if self.redis_url:
            import redis

            redis.Redis.from_url(self.redis_url).flushdb()
        self.app_token, self.app_key = secrets.token_hex(16), secrets.token_hex(16)
        token, key = self.app_token, self.app_key
        sandbox_port = free_port()
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        self._spawn(
            [
                PYTHON,
                "-m",
                "devices.sandbox",
                "--port",
                str(sandbox_port),
                "--app-id",
                APP_ID,
                "--latency-ms",
                str(self.sandbox_latency_ms),
                "--jitter-ms",
                str(self.sandbox_jitter_ms),
            ],
            env={**self.env, "SANDBOX_APP_TOKEN": token, "SANDBOX_APP_KEY": key},
        )
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        subprocess.run(
            [
                PYTHON,
                "manage.py",
                "set_credential",
                "bench",
                "--base-url",
                self.sandbox_url,
                "--app-id",
                APP_ID,
                "--default",
            ],
            cwd=ROOT,
            env={**self.env, "GWELL_APP_TOKEN": token, "GWELL_APP_KEY": key},
            check=True,
            capture_output=True,
        )
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User, Permission;"
            f"u = User.objects.create_user({USERNAME!r}, password={PASSWORD!r});"
            "u.user_permissions.add(Permission.objects.get(codename='lookup_devices'));"
            f"u.is_staff = u.is_superuser = {self.superuser}; u.save()",
        )
        if self.superuser:
            # Credential admin pages ask a password sign-in for a second factor: one-use
            # recovery codes, one per session() (devices.twofactor).
            self._recovery_codes = [f"bench{number:04d}" for number in range(50)]
            self.manage(
                "shell",
                "-c",
                "from django.contrib.auth.models import User;"
                "from django_otp.plugins.otp_static.models import StaticDevice;"
                f"d = StaticDevice.objects.create(user=User.objects.get(username={USERNAME!r}),"
                " name='recovery codes');"
                f"[d.token_set.create(token=code) for code in {self._recovery_codes!r}]",
            )
        for _ in range(self.hosts):
            port = free_port()
            self._spawn(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "supportdesk.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--timeout",
                    "60",
                    "--log-level",
                    "warning",
                ],
                env=self.env,
            )
            self.urls.append(f"http://127.0.0.1:{port}")
        wait_for(self.sandbox_url + "/_stats")
        for url in self.urls:
            wait_for(url + "/healthz")

    def _spawn(self, command: list[str], env: dict[str, str]) -> None:
        log = open(self.workdir / f"proc-{len(self.processes)}.log", "w")  # noqa: SIM115
        self.processes.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def _create_postgres_database(self) -> None:
        import psycopg

        match = re.match(r"^(postgres(?:ql)?://[^/]+)/(\w+)$", self.database_url)
        if not match:
            raise ValueError(f"expected postgres://user@host:port/name, got {self.database_url}")
        server, name = match.groups()
        self._pg_database = f"{name}_{os.getpid()}"
        self._pg_server = server
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_database}"')
            conn.execute(f'CREATE DATABASE "{self._pg_database}"')
        self.database_url = f"{server}/{self._pg_database}"

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        if self._pg_database:
            import psycopg

            with psycopg.connect(f"{self._pg_server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_database}" WITH (FORCE)')
            self._pg_database = ""
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- Talking to it ----------------------------------------------------------------------

    def session(self, host: int = 0) -> requests.Session:
        """A signed-in browser-like session on one host."""
        session = requests.Session()
        login = f"{self.urls[host]}/accounts/login/"
        session.get(login, timeout=10)
        answer = session.post(
            login,
            data={
                "username": USERNAME,
                "password": PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": login},
            timeout=10,
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login failed on {login}: HTTP {answer.status_code}")
        if self.superuser:
            verify = f"{self.urls[host]}/accounts/two-factor/verify/"
            answer = session.post(
                verify,
                data={
                    "token": self._recovery_codes.pop(),
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                headers={"Referer": verify},
                timeout=10,
                allow_redirects=False,
            )
            if answer.status_code != 302:
                raise RuntimeError(f"second factor refused on {verify}: HTTP {answer.status_code}")
        return session

    def sandbox_stats(self) -> dict:
        return requests.get(self.sandbox_url + "/_stats", timeout=5).json()

    def sandbox_reset(self) -> None:
        requests.post(self.sandbox_url + "/_reset", timeout=5)

    def meter(self, minutes: int = 5) -> dict:
        out = self.manage(
            "shell",
            "-c",
            "import json; from devices.ratelimit import meter;"
            f"print(json.dumps(meter({APP_ID!r}, minutes={minutes})))",
        )
        return json.loads(out.strip().splitlines()[-1])

    def logs(self) -> str:
        """Everything the sandbox and the web servers printed so far."""
        return "\n".join(path.read_text() for path in sorted(self.workdir.glob("proc-*.log")))

    def count_lookups(self, *, endpoint: str = "") -> dict[str, int]:
        """Audit rows by outcome; only those of one endpoint ("devInfo", "devList") if named."""
        rows = f"Lookup.objects.filter(endpoint={endpoint!r})" if endpoint else "Lookup.objects"
        out = self.manage(
            "shell",
            "-c",
            "import json; from django.db.models import Count; from devices.models import Lookup;"
            f"print(json.dumps(dict({rows}.values_list('outcome')"
            ".annotate(n=Count('id')).order_by())))",
        )
        return json.loads(out.strip().splitlines()[-1])


@dataclass
class Hit:
    url: str
    started: float
    seconds: float
    status: int


def drive(
    sessions: list[requests.Session],
    bases: list[str],
    paths: Iterable[str],
    *,
    seconds: float,
    clients: int,
    total: int | None = None,
    timeout: float = 60,
) -> list[Hit]:
    """`clients` threads, each cycling through the paths on its own session and host.

    Bounded in time and count: it stops by itself after `seconds`, or once `total` requests
    have been sent.
    """
    paths = list(paths)
    hits: list[Hit] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    sent = 0

    def take_turn() -> bool:
        nonlocal sent
        with lock:
            if total is not None and sent >= total:
                return False
            sent += 1
            return True

    def client(index: int) -> None:
        session = sessions[index % len(sessions)]
        base = bases[index % len(bases)]
        step = index
        while time.monotonic() < stop_at and take_turn():
            path = paths[step % len(paths)]
            step += clients
            started = time.monotonic()
            try:
                status = session.get(base + path, timeout=timeout).status_code
            except requests.RequestException:
                status = 0
            with lock:
                hits.append(Hit(path, started, time.monotonic() - started, status))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return hits


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def sustained_rate(stats: dict, demand_until: float) -> float:
    """Requests per second the sandbox received while demand exceeded the limit.

    From the first arrival to the last one before the clients stopped (`demand_until`, a
    time.monotonic() value, the sandbox's clock too), leaving out the first burst of `limit`
    calls a sliding window lets through at once; the stragglers after are wind-down.
    """
    times = [t for t in stats["arrival_times"] if t <= demand_until]
    limit = stats["rate_limit"]
    if len(times) <= limit or times[-1] <= times[0]:
        return 0.0
    return (len(times) - limit) / (times[-1] - times[0])
