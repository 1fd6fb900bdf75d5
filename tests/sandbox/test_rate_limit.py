"""The 10/s limit per app, and the exact sliding-window counts in the stats."""

import json
import threading

import pytest
import requests

from devices.sandbox import SandboxVendor, start_in_thread
from devices.sandbox.traffic import max_in_any_window

from .conftest import NOW, FakeClock, make_app
from .wire import DEV_LIST, body_for, post, signed_headers

HOST = "sandbox.test"


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ([], 0),
        ([5.0], 1),
        ([0.0, 0.5, 0.999], 3),
        ([0.0, 1.0], 1),  # t + 1.0 is already the next window
        ([0.0, 0.999999, 1.0], 2),
        ([0.0, 0.2, 1.0, 1.1, 1.15], 4),  # the busiest window starts at 0.2, not at 0
        ([3.0, 1.0, 2.5, 1.5, 2.0], 2),  # unsorted input
        ([7.0] * 12, 12),  # simultaneous arrivals
        ([0.0, 0.1, 0.2, 5.0, 5.1, 5.2, 5.3], 4),
    ],
)
def test_the_sliding_maximum_is_exact(times, expected):
    assert max_in_any_window(times) == expected


def test_the_sliding_maximum_honours_another_width():
    assert max_in_any_window([0.0, 1.5, 1.9, 2.0], width=2.0) == 3


def test_fifteen_requests_fired_at_once_admit_exactly_ten(app, clock):
    vendor = SandboxVendor([app], clock=clock)
    start = threading.Barrier(15)
    answers: list[dict] = []

    def one_request() -> None:
        start.wait()
        response = post(sandbox.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"})
        answers.append(response.json())

    with start_in_thread(vendor) as sandbox:
        threads = [threading.Thread(target=one_request) for _ in range(15)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        stats = requests.get(sandbox.base_url + "/_stats", timeout=5).json()

    codes = sorted(answer["code"] for answer in answers)
    assert codes == [0] * 10 + [10015] * 5
    refused = [answer for answer in answers if answer["code"] == 10015]
    assert {answer["msg"] for answer in refused} == {"frequent access denied"}
    assert stats["requests"] == 15
    assert stats["served"] == 10
    assert stats["refused_rate_limit"] == 5
    assert stats["errors_by_code"] == {"10015": 5}
    assert stats["max_in_any_1s"] == 15
    assert stats["max_admitted_in_any_1s"] == 10
    assert stats["per_app"][app.app_id]["refused_rate_limit"] == 5


def _ask(vendor: SandboxVendor, app, *, key: str | None = None) -> int:
    """One devList straight through the vendor (no socket); the envelope's code."""
    body = body_for(app, "devList", accessId="1")
    headers = {"Host": HOST, **signed_headers(app, body, host=HOST, now=NOW, key=key)}
    reply = vendor.handle("devList", headers, body)
    return json.loads(reply.body)["code"]


def test_a_slot_frees_exactly_one_second_after_an_admission(app):
    ticks = FakeClock(100.0)
    vendor = SandboxVendor([app], clock=lambda: NOW, monotonic=ticks)
    first_ten = [_ask(vendor, app) for _ in range(10)]
    ticks.advance(0.999)
    just_before = _ask(vendor, app)
    ticks.advance(0.001)  # now exactly 1.0 s after the first ten
    on_the_second = [_ask(vendor, app) for _ in range(11)]
    assert first_ten == [0] * 10
    assert just_before == 10015
    assert on_the_second == [0] * 10 + [10015]
    stats = vendor.stats()
    assert stats["max_admitted_in_any_1s"] == 10
    assert stats["max_in_any_1s"] == 11 + 1  # 11 at t=101.0 plus the refused one at 100.999


def test_refused_requests_do_not_use_up_the_rate_budget(app):
    ticks = FakeClock(100.0)
    vendor = SandboxVendor([app], clock=lambda: NOW, monotonic=ticks)
    bad = [_ask(vendor, app, key="wrong-key") for _ in range(20)]
    good = [_ask(vendor, app) for _ in range(10)]
    assert set(bad) == {10007}
    assert good == [0] * 10


def test_each_app_has_its_own_budget():
    one, two = make_app("app-one"), make_app("app-two")
    vendor = SandboxVendor([one, two], clock=lambda: NOW, monotonic=FakeClock(100.0))
    codes_one = [_ask(vendor, one) for _ in range(11)]
    codes_two = [_ask(vendor, two) for _ in range(11)]
    assert codes_one == [0] * 10 + [10015]
    assert codes_two == [0] * 10 + [10015]
    assert vendor.stats()["per_app"]["app-one"]["refused_rate_limit"] == 1


def test_the_budget_is_shared_by_both_endpoints(app):
    vendor = SandboxVendor([app], clock=lambda: NOW, monotonic=FakeClock(100.0))
    list_codes = [_ask(vendor, app) for _ in range(6)]
    info_codes = []
    for _ in range(5):
        body = body_for(app, "devInfo", sn="876ABCDEF0347", devId="", accessId="-1")
        headers = {"Host": HOST, **signed_headers(app, body, host=HOST, now=NOW)}
        info_codes.append(json.loads(vendor.handle("devInfo", headers, body).body)["code"])
    assert list_codes == [0] * 6
    assert info_codes == [0] * 4 + [10015]


def test_a_custom_rate_limit_is_enforced(app):
    vendor = SandboxVendor([app], clock=lambda: NOW, monotonic=FakeClock(5.0), rate_limit=3)
    assert [_ask(vendor, app) for _ in range(4)] == [0, 0, 0, 10015]


def test_per_second_counts_events_in_whole_seconds_from_the_first():
    from devices.sandbox.traffic import per_second

    assert per_second([]) == []
    assert per_second([5.0, 5.5, 5.99, 6.0, 8.2]) == [3, 1, 0, 1]
