"""Fixtures shared by the suite: the kinds of people, the sandbox vendor, a credential, and a
client signed in as support staff. Plain helpers for the view tests are in tests/helpers.py.

The sandbox is a real HTTP server on a free port; the client reaches it over a socket, signed.
"""

import secrets

import pytest
import redis
from django.contrib.auth.models import Permission, User
from django.utils import translation

from devices.models import Credential
from devices.sandbox import SandboxApp, SandboxVendor, start_in_thread
from tests.sso.fixtures import oidc_provider, sso  # noqa: F401 (fixtures for every test)

PASSWORD = "correct horse battery staple"


def _perm(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="devices", codename=codename)


@pytest.fixture(autouse=True)
def isolated_stores(settings, tmp_path):
    """Each test starts with an empty limiter, lookup cache and Django caches.

    On the embedded defaults each test gets its own files; with REDIS_URL (the scale run) the
    test database of Redis is emptied, so the Redis code paths are the ones under test.
    """
    settings.LIMITER_SQLITE_PATH = str(tmp_path / "limiter.sqlite3")
    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "devices.stores.cache.SqliteCache",
                "LOCATION": str(tmp_path / "cache.sqlite3"),
            },
            "lookups": {
                "BACKEND": "devices.stores.cache.SqliteCache",
                "LOCATION": str(tmp_path / "lookups-cache.sqlite3"),
            },
        }


@pytest.fixture(autouse=True)
def language_reset():
    """A request in Chinese leaves Chinese active in the thread (LocaleMiddleware activates it,
    nothing deactivates it), and a later test calling a presenter directly would read Chinese."""
    yield
    translation.deactivate()


@pytest.fixture
def staff(db) -> User:
    """Support staff: may look up devices and see their own lookups."""
    user = User.objects.create_user("staff", "staff@example.com", PASSWORD)
    user.user_permissions.add(_perm("lookup_devices"))
    return user


@pytest.fixture
def lead(db) -> User:
    """Support lead: also sees everyone's lookups in admin and exports them."""
    user = User.objects.create_user("lead", "lead@example.com", PASSWORD, is_staff=True)
    user.user_permissions.add(
        _perm("lookup_devices"),
        _perm("view_lookup"),
        _perm("view_all_lookups"),
        _perm("export_lookups"),
    )
    return user


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but with no permission at all."""
    return User.objects.create_user("outsider", "outsider@example.com", PASSWORD)


@pytest.fixture
def superuser(db) -> User:
    """The only kind of person who manages credentials."""
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture(scope="session")
def sandbox_app() -> SandboxApp:
    return SandboxApp(
        app_id="test-app", app_token=secrets.token_hex(16), app_key=secrets.token_hex(16)
    )


@pytest.fixture(scope="session")
def sandbox_server(sandbox_app):
    with start_in_thread(SandboxVendor([sandbox_app])) as running:
        yield running


@pytest.fixture
def sandbox(sandbox_server):
    """The running sandbox, with stats, nonces and faults cleared for this test."""
    sandbox_server.vendor.reset()
    sandbox_server.vendor.set_faults(None)
    yield sandbox_server
    sandbox_server.vendor.set_faults(None)


@pytest.fixture
def credential(db, sandbox, sandbox_app) -> Credential:
    return Credential.objects.create(
        name="sandbox",
        region="test",
        base_url=sandbox.base_url,
        app_id=sandbox_app.app_id,
        app_token=sandbox_app.app_token,
        app_key=sandbox_app.app_key,
        is_default=True,
    )


@pytest.fixture
def another_region(credential, sandbox_app) -> Credential:
    """A second enabled credential, "eu" (region de), for the same sandbox app."""
    return Credential.objects.create(
        name="eu",
        region="de",
        base_url=credential.base_url,
        app_id=sandbox_app.app_id,
        app_token=sandbox_app.app_token,
        app_key=sandbox_app.app_key,
    )


@pytest.fixture
def staff_client(client, staff, credential):
    """The test client signed in as support staff, with the sandbox as the default credential."""
    client.force_login(staff)
    return client
