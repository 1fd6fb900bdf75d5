"""Fault injection seen over a real socket, set up front or at runtime; latency; /_reset."""

import json
import time

import pytest
import requests

from devices.sandbox import (
    FAULT_MODES,
    FaultPlan,
    SandboxVendor,
    parse_fault_spec,
    start_in_thread,
)

from .conftest import NOW
from .wire import DEV_INFO, DEV_LIST, new_nonce, post


@pytest.fixture
def faulty(app, clock):
    """Start a sandbox with a given fault plan: `with faulty(plan) as sandbox: ...`."""

    def start(plan: FaultPlan | None, **options):
        vendor = SandboxVendor([app], clock=clock, rate_limit=1000, faults=plan, **options)
        return start_in_thread(vendor)

    return start


def _list(sandbox, app, **options) -> requests.Response:
    return post(sandbox.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, **options)


def test_drop_closes_the_connection_without_an_answer(faulty, app):
    with faulty(FaultPlan("drop")) as sandbox, pytest.raises(requests.ConnectionError):
        _list(sandbox, app)


def test_a_stall_outlasts_the_client_timeout(faulty, app):
    with faulty(FaultPlan("stall", seconds=5)) as sandbox:
        started = time.monotonic()
        with pytest.raises(requests.ReadTimeout):
            _list(sandbox, app, timeout=0.2)
        waited = time.monotonic() - started
    assert waited < 2  # the client gave up; stopping the sandbox did not wait for the stall


def test_a_short_stall_answers_late_but_answers(faulty, app):
    with faulty(FaultPlan("stall", seconds=0.3)) as sandbox:
        started = time.monotonic()
        response = _list(sandbox, app)
        waited = time.monotonic() - started
    assert response.json()["code"] == 0
    assert waited >= 0.3


@pytest.mark.parametrize(("mode", "status"), [("http500", 500), ("http502", 502)])
def test_an_http_error_fault_answers_that_status_with_an_html_page(faulty, app, mode, status):
    with faulty(FaultPlan(mode)) as sandbox:
        response = _list(sandbox, app)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text


def test_malformed_answers_200_with_a_body_that_is_not_json(faulty, app):
    with faulty(FaultPlan("malformed")) as sandbox:
        response = _list(sandbox, app)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_not_envelope_answers_200_with_a_json_list(faulty, app):
    with faulty(FaultPlan("not_envelope")) as sandbox:
        response = _list(sandbox, app)
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_code_answers_an_envelope_with_the_chosen_code_and_message(faulty, app):
    with faulty(FaultPlan("code", code=10429, msg="system overloaded")) as sandbox:
        response = _list(sandbox, app)
        stats = requests.get(sandbox.base_url + "/_stats", timeout=5).json()
    answer = response.json()
    assert response.status_code == 200
    assert (answer["code"], answer["msg"], answer["data"]) == (10429, "system overloaded", None)
    assert answer["requestId"]
    assert stats["errors_by_code"] == {"10429": 1}
    assert stats["faults_injected"] == {"code": 1}


def test_http429_answers_429_with_retry_after_one_second(faulty, app):
    with faulty(FaultPlan("http429")) as sandbox:
        response = _list(sandbox, app)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


def test_a_count_ends_the_plan_after_that_many_faulted_requests(faulty, app):
    with faulty(FaultPlan("http500", count=2)) as sandbox:
        statuses = [_list(sandbox, app).status_code for _ in range(4)]
        status = requests.get(sandbox.base_url + "/_faults", timeout=5).json()
    assert statuses == [500, 500, 200, 200]
    assert status == {"mode": None}


def test_several_modes_take_turns(faulty, app):
    with faulty(FaultPlan("http500,http502,http429")) as sandbox:
        statuses = [_list(sandbox, app).status_code for _ in range(4)]
    assert statuses == [500, 502, 429, 500]


def _fault_pattern(app, plan: FaultPlan, n: int = 40) -> list[bool]:
    """Which of n requests the plan faults, asked straight of the vendor (no socket)."""
    vendor = SandboxVendor([app], clock=lambda: NOW, faults=plan)
    return [vendor.handle("devList", {}, b"{}").status == 500 for _ in range(n)]


def test_a_rate_faults_some_requests_the_same_ones_for_the_same_seed(app):
    first = _fault_pattern(app, FaultPlan("http500", rate=0.5, seed=7))
    again = _fault_pattern(app, FaultPlan("http500", rate=0.5, seed=7))
    other = _fault_pattern(app, FaultPlan("http500", rate=0.5, seed=8))
    assert first == again
    assert first != other
    assert 10 <= sum(first) <= 30


def test_a_rate_of_zero_faults_nothing(app):
    assert not any(_fault_pattern(app, FaultPlan("http500", rate=0.0)))


def test_faults_can_be_set_read_and_cleared_at_runtime(faulty, app):
    with faulty(None) as sandbox:
        url = sandbox.base_url + "/_faults"
        before = _list(sandbox, app).status_code
        set_answer = requests.post(url, json={"mode": "http502", "count": 3}, timeout=5)
        shown = requests.get(url, timeout=5).json()
        during = _list(sandbox, app).status_code
        cleared = requests.post(url, json={"mode": None}, timeout=5).json()
        after = _list(sandbox, app).status_code
    assert (before, during, after) == (200, 502, 200)
    assert set_answer.status_code == 200
    assert shown["mode"] == "http502"
    assert shown["count"] == 3
    assert shown["remaining"] == 3
    assert cleared == {"mode": None}


@pytest.mark.parametrize(
    "plan",
    [{"mode": "explode"}, {"mode": "expired"}, {"mode": "drop", "rate": 2}, {"count": 1}, []],
    ids=["unknown-mode", "client-caused", "bad-rate", "no-mode", "not-an-object"],
)
def test_a_bad_fault_plan_is_refused_with_400_and_changes_nothing(faulty, app, plan):
    with faulty(FaultPlan("http429")) as sandbox:
        response = requests.post(sandbox.base_url + "/_faults", json=plan, timeout=5)
        still = requests.get(sandbox.base_url + "/_faults", timeout=5).json()
    assert response.status_code == 400
    assert response.json()["error"]
    assert still["mode"] == "http429"


def test_faults_leave_the_control_endpoints_alone(faulty):
    with faulty(FaultPlan("drop")) as sandbox:
        stats = requests.get(sandbox.base_url + "/_stats", timeout=5)
    assert stats.status_code == 200


def test_faults_apply_to_dev_info_too(faulty, app):
    with faulty(FaultPlan("http502")) as sandbox:
        response = post(
            sandbox.base_url,
            DEV_INFO,
            app,
            now=NOW,
            fields={"sn": "876ABCDEF0347", "devId": "", "accessId": "1"},
        )
    assert response.status_code == 502


def test_reset_clears_stats_and_seen_nonces(faulty, app):
    nonce = new_nonce()
    with faulty(None) as sandbox:
        first = _list(sandbox, app, nonce=nonce).json()
        reset = requests.post(sandbox.base_url + "/_reset", timeout=5)
        stats = requests.get(sandbox.base_url + "/_stats", timeout=5).json()
        again = _list(sandbox, app, nonce=nonce).json()
    assert first["code"] == 0
    assert reset.status_code == 200
    assert stats["requests"] == stats["served"] == stats["max_in_any_1s"] == 0
    assert stats["first_at"] is None
    assert again["code"] == 0  # the nonce was forgotten


def test_control_endpoints_are_not_counted_as_requests(faulty, app):
    with faulty(None) as sandbox:
        _list(sandbox, app)
        for _ in range(3):
            requests.get(sandbox.base_url + "/_stats", timeout=5)
            requests.get(sandbox.base_url + "/_faults", timeout=5)
        stats = requests.get(sandbox.base_url + "/_stats", timeout=5).json()
    assert stats["requests"] == 1


def test_latency_delays_every_answer(faulty, app):
    with faulty(None, latency_ms=150) as sandbox:
        started = time.monotonic()
        ok = _list(sandbox, app).json()
        refused = _list(sandbox, app, key="wrong").json()
        waited = time.monotonic() - started
    assert (ok["code"], refused["code"]) == (0, 10007)
    assert waited >= 0.3


def test_unknown_paths_are_404_and_get_on_an_endpoint_is_405(faulty):
    with faulty(None) as sandbox:
        missing = requests.post(sandbox.base_url + "/openapi/custCloud/oss/nope", timeout=5)
        wrong_method = requests.get(sandbox.base_url + DEV_LIST, timeout=5)
    assert missing.status_code == 404
    assert wrong_method.status_code == 405


def test_a_fault_spec_parses_modes_and_their_arguments():
    plan = parse_fault_spec("stall:2.5, code:10500,drop", rate=0.25, count=4, seed=3)
    assert plan == FaultPlan("stall,code,drop", seconds=2.5, code=10500, rate=0.25, count=4, seed=3)
    assert plan.modes == ("stall", "code", "drop")


@pytest.mark.parametrize("spec", [None, "", "none", "  "])
def test_an_empty_fault_spec_means_no_faults(spec):
    assert parse_fault_spec(spec) is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode", "unknown fault mode 'explode'"),
        ("expired", "caused by the client"),
        ("wrong_signature", "caused by the client"),
        ("stall:soon", "not a number"),
        ("drop:3", "takes no argument"),
    ],
)
def test_a_bad_fault_spec_says_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_fault_spec(spec)


def test_every_fault_mode_has_a_reply(app):
    for mode in FAULT_MODES:
        vendor = SandboxVendor([app], faults=FaultPlan(mode, seconds=0))
        reply = vendor.handle("devList", {}, b"{}")
        assert reply.drop or reply.status in (200, 429, 500, 502), mode
