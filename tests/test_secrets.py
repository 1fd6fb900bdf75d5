"""A whole scenario with DEBUG logging on: the vendor secrets appear nowhere in plain text.

Not in a page, a log line (ours, gunicorn's or the sandbox's), an audit row, an error message,
or the bytes of the database files (SQLite main file and WAL).
"""

import json

import pytest
import requests

from bench.stack import Stack
from devices.sandbox import data

pytestmark = pytest.mark.slow


def pages_of_a_working_day(stack: Stack) -> list[str]:
    session = stack.session()
    base = stack.urls[0]
    device = data.device_by_key("online-wifi-mains")
    family = device.owner_id
    urls = [
        "/",
        f"/devices/sn/{device.sn}/",
        f"/devices/sn/{device.sn}/?refresh=1",
        f"/devices/id/{device.dev_id}/?access_id={family}",
        f"/users/{family}/devices/",
        "/devices/sn/NOSUCHDEVICE1/",
        "/lookups/",
        "/admin/",
        "/admin/devices/credential/",
        "/admin/devices/credential/1/change/",
        "/admin/devices/lookup/",
        "/healthz",
    ]
    bodies = [session.get(base + url, timeout=30).text for url in urls]
    # Every failure the vendor can produce, seen once each.
    for mode in ["http500", "malformed", "code", "drop", "http429"]:
        requests.post(stack.sandbox_url + "/_faults", json={"mode": mode}, timeout=5)
        bodies.append(session.get(f"{base}/devices/sn/{device.sn}/?refresh=1", timeout=30).text)
    requests.post(stack.sandbox_url + "/_faults", json={"mode": None}, timeout=5)
    # A wrong key: the vendor refuses the signature.
    stack.manage("set_credential", "bench", "--app-key", "wrong-key-for-this-test")
    bodies.append(session.get(f"{base}/devices/sn/{device.sn}/?refresh=1", timeout=30).text)
    # The admin's "test connection" and the command line check, both with their answers.
    bodies.append(
        session.post(
            f"{base}/admin/devices/credential/",
            data={
                "action": "test_connection",
                "_selected_action": "1",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/admin/devices/credential/"},
            timeout=30,
        ).text
    )
    return bodies


def test_vendor_secrets_never_appear_in_plain_text():
    with Stack(superuser=True, extra_env={"LOG_LEVEL": "DEBUG"}) as stack:
        bodies = pages_of_a_working_day(stack)
        try:
            stack.manage("check_credential", "bench")
        except Exception as error:  # it fails (wrong key); its output is what we look at
            bodies.append(str(getattr(error, "stdout", "")) + str(getattr(error, "stderr", "")))
        audit = stack.manage(
            "shell",
            "-c",
            "import json; from devices.models import Lookup;"
            "print(json.dumps([list(map(str, r)) for r in Lookup.objects.values_list()]))",
        )
        logs = stack.logs()
        database = b"".join(path.read_bytes() for path in stack.workdir.glob("db.sqlite3*"))
        secrets = [stack.app_token, stack.app_key]

    assert len(json.loads(audit.strip().splitlines()[-1])) >= 10
    assert "DEBUG" in logs  # the scenario really ran with debug logging
    for secret in secrets:
        assert all(secret not in body for body in bodies)
        assert secret not in audit
        assert secret not in logs
        assert secret.encode() not in database
