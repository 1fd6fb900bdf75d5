"""Fixtures for the sandbox's own tests: a pinned clock and a sandbox on a free port."""

import secrets

import pytest

from devices.sandbox import SandboxApp, SandboxVendor, start_in_thread

# A fixed "now" (2025-10-09): every timestamp the tests sign is judged against it.
NOW = 1_760_000_000.0


class FakeClock:
    """A clock the test moves by hand; callable like time.time / time.monotonic."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_app(app_id: str = "test-app") -> SandboxApp:
    return SandboxApp(app_id=app_id, app_token=secrets.token_hex(16), app_key=secrets.token_hex(16))


@pytest.fixture(scope="module")
def app() -> SandboxApp:
    return make_app()


@pytest.fixture(scope="module")
def _module_clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def clock(_module_clock) -> FakeClock:
    """The sandbox's clock, back at NOW for each test."""
    _module_clock.now = NOW
    return _module_clock


@pytest.fixture(scope="module")
def _module_sandbox(app, _module_clock):
    # One server per module, as starting and stopping one per test adds up.
    vendor = SandboxVendor([app], clock=_module_clock, rate_limit=1000)
    with start_in_thread(vendor) as sandbox:
        yield sandbox


@pytest.fixture
def running(_module_sandbox, clock):
    """A sandbox with a generous rate limit (only the rate-limit tests meet the limit), with
    stats, nonces and faults cleared."""
    _module_sandbox.vendor.reset()
    _module_sandbox.vendor.set_faults(None)
    return _module_sandbox
