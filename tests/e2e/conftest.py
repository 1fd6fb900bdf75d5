"""A real server for the browser tests: gunicorn + whitenoise on a free port, DEBUG off.

`live_app` signs in with local passwords; `sso_live_app` is a second one that signs in with a
real OpenID provider process (tests/oidc_provider) and keeps a break-glass superuser.

The app gets its own SQLite file, static root and var dir in a temporary folder; the sandbox
vendor runs in a thread of this process (the session's `sandbox_server`); a credential and a
support user are created through manage.py against the app's database, so nothing here shares
state with the Django test database.
"""

import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import polib
import pytest

from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USERNAME = "mei"
PASSWORD = "e2e correct horse battery staple"
ADMIN_USERNAME = "root"


_people = itertools.count(1)


@dataclass(frozen=True)
class LiveApp:
    url: str
    username: str
    password: str
    env: dict

    def with_new_person(self, username: str = "") -> "LiveApp":
        """The app signed into by a new support person of their own, for a test that reads the
        person's history (My lookups) or spends their lookup allowance (60 a minute), and so
        must not share them with the session's other tests. A fresh name when none is given."""
        username = username or f"agent-{next(_people)}"
        _manage(self.env, "shell", "-c", CREATE_USER.format(username=username, password=PASSWORD))
        return replace(self, username=username)


@dataclass(frozen=True)
class SsoLiveApp(LiveApp):
    provider: OidcProvider


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The helpdesk that may frame the sidebar: a host page on another origin (and another site:
# localhost is not 127.0.0.1), served by tests/e2e/test_sidebar.py on this port.
HELPDESK_PORT = _free_port()
HELPDESK_ORIGIN = f"http://localhost:{HELPDESK_PORT}"


def _manage(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _compile_translations() -> None:
    """Every django.po to .mo with polib (no gettext needed), as the install does."""
    for po_path in (ROOT / "devices" / "locale").glob("*/LC_MESSAGES/django.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not come up in {seconds} s")


CREATE_SUPERUSER = f"""
from django.contrib.auth.models import User
User.objects.create_superuser({ADMIN_USERNAME!r}, password={PASSWORD!r})
"""

CREATE_USER = """
from django.contrib.auth.models import Permission, User
user = User.objects.create_user({username!r}, password={password!r}, first_name="Mei")
user.user_permissions.add(
    Permission.objects.get(content_type__app_label="devices", codename="lookup_devices")
)
"""


@contextmanager
def _running_app(folder: Path, port: int, sandbox_server, sandbox_app, extra_env=None):
    """gunicorn on `port`, migrated, with the sandbox credential and the support user."""
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("gunicorn is not installed in this environment: run `make test`")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "ENV_FILE": "",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "VAR_DIR": str(folder / "var"),
        "STATIC_ROOT": str(folder / "static"),
        "LIMITER_SQLITE_PATH": str(folder / "limiter.sqlite3"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DEMO_MODE": "1",
        "TIME_ZONE": "Asia/Shanghai",
        "LOG_LEVEL": "WARNING",
        "EMBED_FRAME_ANCESTORS": HELPDESK_ORIGIN,
        **(extra_env or {}),
    }
    env.pop("REDIS_URL", None)
    _compile_translations()
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    _manage(
        env | {"GWELL_APP_TOKEN": sandbox_app.app_token, "GWELL_APP_KEY": sandbox_app.app_key},
        "set_credential",
        "sandbox",
        "--base-url",
        sandbox_server.base_url,
        "--app-id",
        sandbox_app.app_id,
        "--region",
        "sandbox",
        "--default",
    )
    _manage(env, "shell", "-c", CREATE_USER.format(username=USERNAME, password=PASSWORD))
    log = (folder / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "supportdesk.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield LiveApp(url=url, username=USERNAME, password=PASSWORD, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, sandbox_server, sandbox_app):
    folder = tmp_path_factory.mktemp("live")
    with _running_app(folder, _free_port(), sandbox_server, sandbox_app) as app:
        yield app


@pytest.fixture(scope="session")
def sso_live_app(tmp_path_factory, sandbox_server, sandbox_app):
    """The app signing in with a real OpenID provider (tests/oidc_provider) on its own port,
    a break-glass superuser beside it. The provider is `sso_live_app.provider`."""
    folder = tmp_path_factory.mktemp("live-sso")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    provider = OidcProvider(
        folder,
        redirect_uris=[f"{url}/accounts/sso/callback/"],
        logout_uris=[f"{url}/accounts/login/"],
    ).start()
    sso_env = {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid email profile groups",
        "OIDC_GROUP_MAP": "support-staff=Support staff,support-leads=Support lead",
        "OIDC_PROVIDER_NAME": "Example SSO",
        "OIDC_ACCESS_CONTACT": "the IT helpdesk",
    }
    try:
        with _running_app(folder, port, sandbox_server, sandbox_app, sso_env) as app:
            _manage(app.env, "shell", "-c", CREATE_SUPERUSER)
            yield SsoLiveApp(**vars(app), provider=provider)
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api as playwright_api

    if not Path(CHROMIUM).exists():
        # A browser test that cannot run is a failure, not a skip: `make test` installs it.
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots():
    """Save a full-page screenshot as var/screenshots/<name>.png (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    save.folder = SCREENSHOTS
    return save
