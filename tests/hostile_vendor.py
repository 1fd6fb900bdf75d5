"""A malicious vendor on 127.0.0.1, for tests: it echoes secrets, floods, trickles and nests.

Where the sandbox (devices/sandbox) is an honest vendor that can fail, this one attacks the
client: every mode in MODES is one way a hostile or badly broken vendor answers. It speaks raw
HTTP/1.1 over real sockets, one connection per request (`Connection: close`), so a test sees what
the real client does with the bytes. Use it from any test:

    with HostileVendor("echo_ok", app_key=APP_KEY) as vendor:
        VendorClient(AppCredentials(base_url=vendor.base_url, ...)).device_info(sn="X")
        vendor.mode = "trickle"  # switch modes between requests

`app_key` is what a real vendor knows of the app besides what the request carries (the appKey
never travels; it only signs), so the echo modes can send it back too. From a shell:
`.venv/bin/python -m tests.hostile_vendor --mode trickle --port 12043`.
"""

import argparse
import contextlib
import datetime
import gzip
import ipaddress
import json
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEV_INFO_PATH = "/openapi/custCloud/oss/devInfo"
DEV_LIST_PATH = "/openapi/custCloud/oss/devList"

HUGE_BYTES = 50 << 20
DEEP_LEVELS = 100_000
TRICKLE_SECONDS = 0.5
NOT_FOUND_CODE = 10010  # one of VENDOR_NOT_FOUND_CODES
HUGE_CODE = 99999999999
FORGED_LINE = "2025-01-01 00:00:00,000 CRITICAL devices.gwell forged: credential deleted"
LONG_REQUEST_ID = "r" * 150
NUL_REQUEST_ID = "req\x00id"
NEWLINE_REQUEST_ID = f"req-1\n{FORGED_LINE}\r\n{FORGED_LINE}"
BIDI_REQUEST_ID = "req-\u202egnp.exe"

DEVICE = {"deviceId": "5112345615988", "ownerId": "-9223371981234556044", "online": 1}


@dataclass(frozen=True)
class Received:
    """One request as the vendor saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def fields(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class RawAnswer:
    """What to write: `head` (status line and headers) then `body`, piece by piece.

    With `pace`, the pieces go out one per `pace` seconds, each one byte long.
    """

    head: bytes
    body: Iterable[bytes]
    pace: float = 0.0
    pace_head: bool = False


@dataclass
class Scenario:
    """What the vendor knows: the secret it may echo, and the sizes of the attacks."""

    app_key: str = ""
    huge_bytes: int = HUGE_BYTES
    deep_levels: int = DEEP_LEVELS
    pace: float = TRICKLE_SECONDS


def head(status: int, *, length: int | None, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    reason = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def json_answer(
    value: Any, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()
) -> RawAnswer:
    body = json.dumps(value, ensure_ascii=False).encode()
    return RawAnswer(head(status, length=len(body), headers=headers), [body])


def envelope(data: Any = None, *, code: int = 0, msg: str = "ok", request_id: str = "req-1"):
    return {"code": code, "msg": msg, "requestId": request_id, "data": data}


def good_data(path: str) -> dict[str, Any]:
    if path == DEV_LIST_PATH:
        return {"deviceList": [{"devId": DEVICE["deviceId"], "relation": 1}]}
    return {"deviceInfo": DEVICE}


def escaped(text: str) -> str:
    """`text` with every character as a JSON \\u escape: the secret, without its letters."""
    return "".join(f"\\u{ord(char):04x}" for char in text)


# The echo: whatever the request carried, back in every field the vendor sends.


def secrets_of(request: Received, scenario: Scenario) -> list[str]:
    token = request.fields.get("appToken")
    return [secret for secret in (token, scenario.app_key) if isinstance(secret, str) and secret]


def echo_data(request: Received, scenario: Scenario) -> dict[str, Any]:
    secrets = secrets_of(request, scenario)
    both = " ".join(secrets)
    first = secrets[0] if secrets else "nothing"
    hidden = "".join(escaped(secret) for secret in secrets)
    echoed_body = request.body.decode("utf-8", "replace")
    if request.path == DEV_LIST_PATH:
        return {
            "deviceList": [
                {"devId": DEVICE["deviceId"], "relation": 1, "note": both, first: both},
                # A block sent as a string of JSON, with the secret spelled in escapes.
                {"devId": "5112345615989", "vss": '{"vssRenew":0,"note":"' + hidden + '"}'},
            ],
            "request": echoed_body,
        }
    return {
        "deviceInfo": {**DEVICE, "deviceType": first, "firmwareVer": both, first: both},
        "storageInfo": '{"orderId":"1","pkgType":1,"note":"' + hidden + '"}',
        "flowInfo": {"simId": "89860", "cardProvider": both, "srvStatus": 1},
        "request": echoed_body,
    }


def echo(code: int, status: int = 200) -> Callable[[Received, Scenario], RawAnswer]:
    def answer(request: Received, scenario: Scenario) -> RawAnswer:
        secrets = secrets_of(request, scenario)
        value = envelope(
            echo_data(request, scenario),
            code=code,
            msg=f"bad appToken {' / '.join(secrets)}",
            request_id=secrets[0] if secrets else "req-1",
        )
        headers = [("Retry-After", "1")] if status == 429 else []
        return json_answer(value, status=status, headers=headers)

    return answer


# Floods, trickles and nests.


def huge(*, sized: bool) -> Callable[[Received, Scenario], RawAnswer]:
    """A valid envelope whose msg is `huge_bytes` long, with or without a Content-Length."""

    def answer(request: Received, scenario: Scenario) -> RawAnswer:
        prefix = b'{"code":0,"requestId":"req-1","msg":"'
        suffix = b'","data":null}'
        block = b"a" * (64 << 10)
        count = max(1, scenario.huge_bytes // len(block))
        length = len(prefix) + count * len(block) + len(suffix)
        body = [prefix, *(block for _ in range(count)), suffix]
        return RawAnswer(head(200, length=length if sized else None), body)

    return answer


def gzip_bomb(request: Received, scenario: Scenario) -> RawAnswer:
    """A small gzip body that inflates to `huge_bytes` of JSON."""
    body = _bomb(scenario.huge_bytes)
    answer_head = head(200, length=len(body), headers=[("Content-Encoding", "gzip")])
    return RawAnswer(answer_head, [body])


def bad_gzip(request: Received, scenario: Scenario) -> RawAnswer:
    """A body that says it is gzip and is not."""
    body = b"\x1f\x8b" + b"not gzip at all" * 10
    return RawAnswer(head(200, length=len(body), headers=[("Content-Encoding", "gzip")]), [body])


@cache
def _bomb(size: int) -> bytes:
    raw = b'{"code":0,"requestId":"req-1","msg":"' + b"a" * size + b'"}'
    return gzip.compress(raw, compresslevel=9)


def trickle(*, headers_too: bool) -> Callable[[Received, Scenario], RawAnswer]:
    """A good answer, one byte every `pace` seconds (the body, or the whole response)."""

    def answer(request: Received, scenario: Scenario) -> RawAnswer:
        good = json_answer(envelope(good_data(request.path)))
        return RawAnswer(good.head, good.body, pace=scenario.pace, pace_head=headers_too)

    return answer


def deeply_nested_device(levels: int) -> str:
    """A device as a string of JSON, sound but for a field nested `levels` arrays deep."""
    return json.dumps(DEVICE)[:-1] + ', "nested": ' + "[" * levels + "]" * levels + "}"


def deep_block(request: Received, scenario: Scenario) -> RawAnswer:
    """The device block (deviceInfo, or the item of deviceList) nested too deep to walk."""
    device = deeply_nested_device(scenario.deep_levels)
    if request.path == DEV_LIST_PATH:
        return json_answer(envelope({"deviceList": f"[{device}]"}))
    return json_answer(envelope({"deviceInfo": device}))


def deep_storage(request: Received, scenario: Scenario) -> RawAnswer:
    """A good device, with its optional storage block nested too deep to walk."""
    storage = deeply_nested_device(scenario.deep_levels)
    return json_answer(envelope({"deviceInfo": DEVICE, "storageInfo": storage}))


def deep_envelope(request: Received, scenario: Scenario) -> RawAnswer:
    """The envelope's data itself nested `deep_levels` arrays deep."""
    levels = scenario.deep_levels
    body = (
        b'{"code":0,"msg":"ok","requestId":"req-1","data":' + b"[" * levels + b"]" * levels + b"}"
    )
    return RawAnswer(head(200, length=len(body)), [body])


def good_with(*, code: int = 0, msg: str = "ok", request_id: str = "req-1"):
    """A good answer (or a refusal, with a code) whose envelope fields are hostile."""

    def answer(request: Received, scenario: Scenario) -> RawAnswer:
        data = good_data(request.path) if code == 0 else None
        return json_answer(envelope(data, code=code, msg=msg, request_id=request_id))

    return answer


MODES: dict[str, Callable[[Received, Scenario], RawAnswer]] = {
    "good": good_with(),
    "echo_ok": echo(0),
    "echo_not_found": echo(NOT_FOUND_CODE),
    "echo_refused": echo(20001),
    "echo_http500": echo(0, status=500),
    "echo_429": echo(0, status=429),
    "huge": huge(sized=True),
    "huge_unsized": huge(sized=False),
    "gzip_bomb": gzip_bomb,
    "bad_gzip": bad_gzip,
    "trickle": trickle(headers_too=False),
    "trickle_headers": trickle(headers_too=True),
    "deep_block": deep_block,
    "deep_storage": deep_storage,
    "deep_envelope": deep_envelope,
    "long_request_id": good_with(request_id=LONG_REQUEST_ID),
    "nul_request_id": good_with(request_id=NUL_REQUEST_ID),
    "newline_request_id": good_with(request_id=NEWLINE_REQUEST_ID),
    "bidi_request_id": good_with(request_id=BIDI_REQUEST_ID),
    "huge_code": good_with(code=HUGE_CODE, msg="refused"),
    "newline_msg": good_with(
        code=20001, msg=f"refused\n{FORGED_LINE}", request_id=NEWLINE_REQUEST_ID
    ),
}


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], vendor: "HostileVendor") -> None:
        self.vendor = vendor
        super().__init__(address, HostileHandler)

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass  # a client that hangs up on an attack is the point of the exercise


class HostileHandler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.1"
    timeout = 30

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Received(self.path, dict(self.headers.items()), self.rfile.read(length))
        vendor = self.server.vendor
        vendor.received.append(request)
        answer = MODES[vendor.mode](request, vendor.scenario)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._write(answer, vendor.stopping)

    def _write(self, answer: RawAnswer, stopping: threading.Event) -> None:
        if answer.pace and answer.pace_head:
            pieces: Iterator[bytes] = _bytes_of([answer.head, *answer.body])
        else:
            self.wfile.write(answer.head)
            pieces = _bytes_of(answer.body) if answer.pace else iter(answer.body)
        for piece in pieces:
            self.wfile.write(piece)
            if answer.pace and stopping.wait(answer.pace):
                return

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _bytes_of(chunks: Iterable[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        for index in range(len(chunk)):
            yield chunk[index : index + 1]


class HostileVendor:
    """The hostile vendor serving on a background thread; a context manager.

    `mode` (one of MODES) may change between requests; `received` lists what was asked. With
    `tls` (a server context holding a certificate for 127.0.0.1) it speaks HTTPS.
    """

    def __init__(
        self,
        mode: str = "good",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        **scenario: Any,
    ) -> None:
        self.mode = mode
        self.scenario = Scenario(**scenario)
        self.received: list[Received] = []
        self.stopping = threading.Event()
        self._server = HostileServer((host, port), self)
        self.scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"hostile-vendor:{self.port}",
            daemon=True,
        )

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: choose from {', '.join(MODES)}")
        self._mode = mode

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> "HostileVendor":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "HostileVendor":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 and the certificate a client must trust (in `directory`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "hostile-vendor.pem"
    key_path = directory / "hostile-vendor.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="echo_ok")
    parser.add_argument("--port", type=int, default=12043)
    parser.add_argument("--app-key", default="", help="the secret the echo modes send back too")
    options = parser.parse_args(argv)
    vendor = HostileVendor(options.mode, port=options.port, app_key=options.app_key)
    print(f"hostile vendor ({options.mode}) on {vendor.base_url}; Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt), vendor:
        threading.Event().wait()


if __name__ == "__main__":
    main()
