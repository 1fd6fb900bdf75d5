"""Shared by the test_views_* modules (no tests here): the sandbox's devices and faults.

Import the fixtures you need into a test module; pytest finds fixtures in its namespace.
"""

from devices.sandbox import FaultPlan
from devices.sandbox.data import device_by_key


def sn_url(key: str, **query: str) -> str:
    """The device page of a sandbox device, by its case key ("sim-expired")."""
    from urllib.parse import urlencode

    url = f"/devices/sn/{device_by_key(key).sn}/"
    return url + (f"?{urlencode(query)}" if query else "")


def id_url(key: str, **query: str) -> str:
    from urllib.parse import urlencode

    url = f"/devices/id/{device_by_key(key).dev_id}/"
    return url + (f"?{urlencode(query)}" if query else "")


def inject(sandbox, mode: str, **options) -> None:
    """Make the sandbox misbehave for the rest of the test (the fixture clears it after)."""
    sandbox.vendor.set_faults(FaultPlan(mode=mode, **options))


def vendor_requests(sandbox) -> int:
    return sandbox.vendor.stats()["requests"]
