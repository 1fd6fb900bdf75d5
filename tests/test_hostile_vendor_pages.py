"""A hostile vendor behind the pages (issue 14), on whichever database and stores the suite runs
(SQLite and files by default; PostgreSQL and Redis in `make test-scale`): no HTTP 500, no page
slower than VENDOR_TIMEOUT + 1 s, no secret in any page, log line, audit row, CSV export or cache
entry, no row left pending, no forged log line."""

import secrets
import time
from pathlib import Path

import pytest
import redis
from django.urls import reverse

from devices.models import Credential, Lookup
from tests.hostile_vendor import FORGED_LINE, MODES, HostileVendor

SN = "876ABCDEF0347"
USER_ID = "-9223371981234556044"


@pytest.fixture
def app_secrets() -> tuple[str, str]:
    return secrets.token_hex(16), secrets.token_hex(16)


@pytest.fixture
def hostile(app_secrets):
    with HostileVendor("good", app_key=app_secrets[1]) as vendor:
        yield vendor


@pytest.fixture
def hostile_credential(db, hostile, app_secrets) -> Credential:
    token, key = app_secrets
    return Credential.objects.create(
        name="hostile",
        base_url=hostile.base_url,
        app_id="hostile-app",
        app_token=token,
        app_key=key,
        is_default=True,
    )


def stored_bytes(settings, tmp_path: Path) -> bytes:
    """Everything the cache and limiter stores hold after the test."""
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        chunks = []
        for key in client.scan_iter():
            chunks.append(key)
            kind = client.type(key)
            if kind == b"string":
                chunks.append(client.get(key) or b"")
            elif kind == b"hash":
                chunks.extend(b"".join(pair) for pair in client.hgetall(key).items())
            elif kind == b"zset":
                chunks.extend(member for member, _ in client.zrange(key, 0, -1, withscores=True))
            elif kind == b"list":
                chunks.extend(client.lrange(key, 0, -1))
        return b"\n".join(chunks)
    return b"\n".join(path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("page", ["device", "user"])
def test_a_hostile_vendor_cannot_break_a_page_leak_a_secret_or_forge_a_log_line(
    client, lead, hostile, hostile_credential, app_secrets, settings, tmp_path, caplog, mode, page
):
    hostile.mode = mode
    client.force_login(lead)
    url = f"/devices/sn/{SN}/" if page == "device" else f"/users/{USER_ID}/devices/"

    started = time.monotonic()
    response = client.get(url)
    took = time.monotonic() - started

    assert response.status_code != 500
    assert response.status_code in {200, 404, 502, 503, 504}
    assert took <= settings.VENDOR_TIMEOUT + 1
    assert hostile.received, "the vendor was not called"
    export = client.get(reverse("admin:devices_lookup_export"))
    assert export.status_code == 200
    exported = b"".join(export.streaming_content)
    rows = list(Lookup.objects.values())
    assert [row["outcome"] for row in rows if row["outcome"] == "pending"] == []
    # One row for the page's own call; a device page whose answer names an owner and a SIM
    # also reads that owner's list (its data bundle), in a row of its own.
    endpoint = "devInfo" if page == "device" else "devList"
    assert len([row for row in rows if row["endpoint"] == endpoint]) == 1
    assert len(rows) <= 2
    logged = [record.getMessage() for record in caplog.records]
    stores = stored_bytes(settings, tmp_path)
    for secret in app_secrets:
        assert secret not in response.content.decode()
        assert secret.encode() not in exported
        assert secret not in repr(rows)
        assert not any(secret in line for line in logged)
        assert secret.encode() not in stores
    assert not any(FORGED_LINE in line.splitlines()[1:] for line in logged)
    assert not any(line.startswith(FORGED_LINE) for line in caplog.text.splitlines())
