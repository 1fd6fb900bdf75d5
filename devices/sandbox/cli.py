"""Starting the sandbox from a command line: options, credentials, the startup note.

Shared by `manage.py sandbox` (a thin Django wrapper) and `python -m devices.sandbox`, so the
sandbox can also run where no Django settings exist (benchmarks, another machine).
"""

import argparse
import secrets
import shlex
from collections.abc import Callable, Mapping
from typing import Any

from .faults import FAULT_MODES, parse_fault_spec
from .server import DEFAULT_PORT, make_server
from .vendor import SandboxApp, SandboxVendor

DEFAULT_APP_ID = "sandbox-app"
# Names of environment variables, not secrets.
ENV_APP_TOKEN = "SANDBOX_APP_TOKEN"  # noqa: S105
ENV_APP_KEY = "SANDBOX_APP_KEY"


class SandboxUsageError(Exception):
    """The sandbox cannot start as asked; the message says why in plain words."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="Port to listen on (0: any free port)."
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="Delay every vendor answer this long."
    )
    parser.add_argument(
        "--jitter-ms", type=float, default=0.0, help="Add up to this much random delay."
    )
    parser.add_argument(
        "--faults",
        metavar="MODE[,MODE...]",
        help=f"Inject faults, taking turns: {', '.join(FAULT_MODES)}. "
        "'stall:S' sets the stall seconds, 'code:N' the vendor code.",
    )
    parser.add_argument(
        "--fault-rate", type=float, default=1.0, help="Chance (0..1) a request is faulted."
    )
    parser.add_argument(
        "--fault-count", type=int, help="Stop injecting after this many faulted requests."
    )
    parser.add_argument("--fault-seed", type=int, default=0, help="Seed of the fault draws.")
    parser.add_argument(
        "--rate-limit", type=int, default=10, help="Admitted requests per second per app."
    )
    parser.add_argument(
        "--app-id",
        default=DEFAULT_APP_ID,
        help=f"The app id. Token and key come from {ENV_APP_TOKEN} / {ENV_APP_KEY}.",
    )
    parser.add_argument("--verbose", action="store_true", help="One access line per request.")


def app_from_environment(app_id: str, environ: Mapping[str, str]) -> tuple[SandboxApp, bool]:
    """The app, with token and key from the environment or freshly generated (then True)."""
    token = environ.get(ENV_APP_TOKEN) or ""
    key = environ.get(ENV_APP_KEY) or ""
    generated = not (token and key)
    app = SandboxApp(
        app_id=app_id,
        app_token=token or secrets.token_hex(16),
        app_key=key or secrets.token_hex(16),
    )
    return app, generated


def build_vendor(options: Mapping[str, Any], app: SandboxApp) -> SandboxVendor:
    try:
        plan = parse_fault_spec(
            options.get("faults"),
            rate=options.get("fault_rate", 1.0),
            count=options.get("fault_count"),
            seed=options.get("fault_seed", 0),
        )
        return SandboxVendor(
            [app],
            latency_ms=options.get("latency_ms", 0.0),
            jitter_ms=options.get("jitter_ms", 0.0),
            rate_limit=options.get("rate_limit", 10),
            faults=plan,
        )
    except ValueError as error:
        raise SandboxUsageError(str(error)) from error


def registration_command(
    base_url: str, app: SandboxApp, environ: Mapping[str, str], name: str = "sandbox"
) -> str:
    """The set_credential command line that registers this sandbox with the dashboard.

    Secrets taken from the environment are passed on by reference, never printed; generated
    ones are printed (fake values for a local test double, shown only here).
    """
    prefix = []
    args = ["python", "manage.py", "set_credential", name, "--base-url", base_url]
    args += ["--app-id", app.app_id]
    for env_name, option, gwell_name, value in (
        (ENV_APP_TOKEN, "--app-token", "GWELL_APP_TOKEN", app.app_token),
        (ENV_APP_KEY, "--app-key", "GWELL_APP_KEY", app.app_key),
    ):
        if environ.get(env_name):
            prefix.append(f'{gwell_name}="${env_name}"')
        else:
            args += [option, value]
    return " ".join([*prefix, shlex.join(args)])


def serve(
    options: Mapping[str, Any], *, environ: Mapping[str, str], out: Callable[[str], Any]
) -> None:
    """Run the sandbox in this thread until Ctrl-C. Raises SandboxUsageError."""
    app, generated = app_from_environment(options.get("app_id") or DEFAULT_APP_ID, environ)
    vendor = build_vendor(options, app)
    host, port = options.get("host", "127.0.0.1"), options.get("port", DEFAULT_PORT)
    try:
        server = make_server(vendor, host, port, verbose=bool(options.get("verbose")))
    except OSError as error:
        raise SandboxUsageError(
            f"cannot listen on {host}:{port}: {error.strerror or error} "
            "(is another sandbox running? try --port 0)"
        ) from error
    try:
        _announce(server.base_url, vendor, app, generated, environ, out)
        server.serve_forever()
    except KeyboardInterrupt:
        out("Sandbox stopped.")
    finally:
        server.stopping.set()
        server.server_close()


def _announce(
    base_url: str,
    vendor: SandboxVendor,
    app: SandboxApp,
    generated: bool,
    environ: Mapping[str, str],
    out: Callable[[str], Any],
) -> None:
    faults = vendor.faults
    out(
        f"Sandbox vendor at {base_url} (app id {app.app_id}, "
        f"{vendor.rate_limit} requests/s, latency {vendor.latency_ms:g} ms, "
        f"faults: {faults.mode if faults else 'none'}). Stats: {base_url}/_stats. "
        "Ctrl-C to stop."
    )
    if generated:
        out(
            f"The sandbox is using generated credentials (set {ENV_APP_TOKEN} and "
            f"{ENV_APP_KEY} to choose them). Register them with:"
        )
    else:
        out("Register this sandbox with:")
    out("  " + registration_command(base_url, app, environ))
