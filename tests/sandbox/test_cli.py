"""Starting the sandbox from a command line: `python -m devices.sandbox`, `manage.py sandbox`."""

import os
import re
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.sandbox import FaultPlan, SandboxApp
from devices.sandbox.cli import (
    SandboxUsageError,
    app_from_environment,
    build_vendor,
    registration_command,
    serve,
)

from .wire import DEV_LIST, post

PROJECT = Path(__file__).resolve().parents[2]


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "devices.sandbox", "--port", "0", *args],
        cwd=PROJECT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C must reach it as a person's would: a suite started in the background by a
        # non-interactive shell inherits SIGINT ignored, and Python then never raises
        # KeyboardInterrupt.
        preexec_fn=_interruptible,
    )


def _next_error_line(process: subprocess.Popen, seconds: float = 10) -> str:
    """The next line on its stderr, or "" if none comes within `seconds`."""
    # A selector, not select(): a long suite has file descriptors past select()'s 1024.
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        ready = selector.select(seconds)
    return process.stderr.readline() if ready else ""


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _read_lines(process: subprocess.Popen, count: int) -> list[str]:
    return [process.stdout.readline() for _ in range(count)]


def _stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=10)
    finally:
        process.kill()


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_APP_")}


def test_generated_credentials_are_printed_with_a_set_credential_command_that_works():
    process = _start(env=_clean_env())
    try:
        banner, note, command = _read_lines(process, 3)
        url = re.search(r"http://127\.0\.0\.1:\d+", banner).group(0)
        words = shlex.split(command)
        options = dict(zip(words[4::2], words[5::2], strict=True))
        app = SandboxApp(options["--app-id"], options["--app-token"], options["--app-key"])
        answer = post(url, DEV_LIST, app, now=time.time(), fields={"accessId": "1"}).json()
    finally:
        out, err = _stop(process)
    assert "generated credentials" in note
    assert words[:5] == ["python", "manage.py", "set_credential", "sandbox", "--base-url"]
    assert options["--base-url"] == url
    assert options["--app-id"] == "sandbox-app"
    assert answer["code"] == 0  # the printed credentials are the ones the sandbox checks
    assert "Sandbox stopped." in out
    assert err == ""


def test_credentials_from_the_environment_are_used_and_never_printed():
    env = {**_clean_env(), "SANDBOX_APP_TOKEN": "env-token-1234", "SANDBOX_APP_KEY": "env-key-5678"}
    process = _start("--app-id", "my-app", "--verbose", env=env)
    logged = ""
    try:
        banner, note, command = _read_lines(process, 3)
        url = re.search(r"http://127\.0\.0\.1:\d+", banner).group(0)
        app = SandboxApp("my-app", "env-token-1234", "env-key-5678")
        answer = post(url, DEV_LIST, app, now=time.time(), fields={"accessId": "1"}).json()
        # The access log line is written as the answer goes out: wait for it before stopping.
        logged = _next_error_line(process)
    finally:
        out, err = _stop(process)
    err = logged + err
    everything = banner + note + command + out + err
    assert answer["code"] == 0
    assert "env-token-1234" not in everything
    assert "env-key-5678" not in everything
    assert 'GWELL_APP_TOKEN="$SANDBOX_APP_TOKEN"' in command
    assert "--app-id my-app" in command
    assert "POST /openapi/custCloud/oss/devList 200 code=0 app=my-app" in err  # --verbose


def test_the_access_log_stays_quiet_without_verbose():
    process = _start(env=_clean_env())
    try:
        _read_lines(process, 3)
    finally:
        _, err = _stop(process)
    assert err == ""


def test_a_bad_fault_spec_stops_the_start_with_a_plain_message():
    result = subprocess.run(
        [sys.executable, "-m", "devices.sandbox", "--port", "0", "--faults", "explode"],
        cwd=PROJECT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 2
    assert "unknown fault mode 'explode'" in result.stderr


def test_a_port_in_use_is_reported_plainly():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SandboxUsageError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve({"port": port}, environ={}, out=lambda line: None)


def test_the_options_reach_the_vendor():
    app = SandboxApp("a", "t", "k")
    vendor = build_vendor(
        {
            "faults": "stall:1.5,http429",
            "fault_rate": 0.5,
            "fault_count": 3,
            "fault_seed": 9,
            "latency_ms": 40.0,
            "jitter_ms": 10.0,
            "rate_limit": 25,
        },
        app,
    )
    assert vendor.faults == FaultPlan("stall,http429", seconds=1.5, rate=0.5, count=3, seed=9)
    assert (vendor.latency_ms, vendor.jitter_ms, vendor.rate_limit) == (40.0, 10.0, 25)


@pytest.mark.parametrize(
    "options",
    [{"rate_limit": 0}, {"latency_ms": -1.0}, {"fault_rate": 1.5, "faults": "drop"}],
    ids=["rate-limit-0", "negative-latency", "rate-above-1"],
)
def test_impossible_options_are_usage_errors(options):
    with pytest.raises(SandboxUsageError):
        build_vendor(options, SandboxApp("a", "t", "k"))


def test_a_missing_secret_is_generated_and_a_given_one_kept():
    app, generated = app_from_environment("x", {"SANDBOX_APP_TOKEN": "given"})
    other, _ = app_from_environment("x", {})
    assert generated is True
    assert app.app_token == "given"
    assert len(app.app_key) == 32
    assert other.app_key != app.app_key


def test_the_registration_command_passes_environment_secrets_by_reference():
    app = SandboxApp("id", "tok en", "key")
    command = registration_command("http://h:1", app, {"SANDBOX_APP_KEY": "key"})
    assert command == (
        'GWELL_APP_KEY="$SANDBOX_APP_KEY" python manage.py set_credential sandbox '
        "--base-url http://h:1 --app-id id --app-token 'tok en'"
    )


def test_the_django_command_takes_the_same_options_and_turns_usage_errors_into_command_errors():
    from django.core.management.base import CommandError

    from devices.management.commands.sandbox import Command

    command = Command()
    parser = command.create_parser("manage.py", "sandbox")
    options = vars(parser.parse_args(["--port", "0", "--faults", "nope", "--rate-limit", "5"]))
    assert (options["port"], options["faults"], options["rate_limit"]) == (0, "nope", 5)
    with pytest.raises(CommandError, match="unknown fault mode 'nope'"):
        command.handle(**options)
