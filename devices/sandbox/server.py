"""The sandbox's HTTP side: a threading server that speaks the vendor's wire protocol.

Routes:
- POST /openapi/custCloud/oss/devInfo, POST /openapi/custCloud/oss/devList: the vendor.
- GET /_stats, POST /_reset, GET and POST /_faults, POST /_timeline: control of the test double
  (unsigned).
"""

import contextlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .faults import FaultPlan
from .timeline import set_timeline
from .vendor import ENDPOINTS, JSON_TYPE, Reply, SandboxVendor, json_bytes

DEFAULT_PORT = 12042
MAX_BODY_BYTES = 1 << 20


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    # Stopping must not wait for a stalled answer; stalls wake up on `stopping` instead.
    block_on_close = False
    # A burst of connections must all be accepted at once: with the default backlog (5) the
    # kernel would delay some by a SYN retry (~1 s) and smear the burst the rate limit is
    # meant to see.
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], vendor: SandboxVendor, *, verbose: bool = False
    ) -> None:
        self.vendor = vendor
        self.verbose = verbose
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, SandboxRequestHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", ""):  # noqa: S104 (a base URL must name a reachable address)
            host = "127.0.0.1"
        return f"http://{host}:{port}"

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:  # type: ignore[no-untyped-def]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Hang up on idle keep-alive connections so their threads end with the server."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        # A client that hangs up (timeouts in tests, Ctrl-C in curl) is normal here.
        if isinstance(sys.exception(), ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as a client's session expects
    # The headers and the body leave in two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers (40 ms on Linux) on a kept-alive connection, so every
    # call that closely follows another would look 40 ms slower than the vendor's latency.
    disable_nagle_algorithm = True
    server_version = "SupportDeskSandbox/1.0"
    sys_version = ""
    timeout = 60  # seconds an idle keep-alive connection is kept

    def do_POST(self) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        body = self._read_body()
        vendor = self.server.vendor
        if path in ENDPOINTS:
            reply = vendor.handle(ENDPOINTS[path], self.headers, body)
        elif path == "/_reset":
            vendor.reset()
            reply = _json_reply(200, {"reset": True})
        elif path == "/_faults":
            reply = self._set_faults(body)
        elif path == "/_timeline":
            reply = _json_reply(*set_timeline(vendor.timeline, body))
        else:
            reply = _json_reply(404, {"error": f"no such path: {path}"})
        self._send(reply, started)

    def do_GET(self) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        vendor = self.server.vendor
        if path == "/_stats":
            reply = _json_reply(200, vendor.stats())
        elif path == "/_faults":
            reply = _json_reply(200, vendor.fault_status())
        elif path in ENDPOINTS:
            reply = Reply(
                status=405,
                body=json_bytes({"error": "use POST"}),
                headers=(("Allow", "POST"),),
            )
        else:
            reply = _json_reply(404, {"error": f"no such path: {path}"})
        self._send(reply, started)

    def _set_faults(self, body: bytes) -> Reply:
        try:
            plan = FaultPlan.from_dict(json.loads(body or b"null"))
        except ValueError as error:  # json.JSONDecodeError is a ValueError too
            return _json_reply(400, {"error": str(error)})
        self.server.vendor.set_faults(plan)
        return _json_reply(200, self.server.vendor.fault_status())

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # not supported: the vendor's clients send a length
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            return b""
        return self.rfile.read(length)

    def _send(self, reply: Reply, started: float) -> None:
        if reply.delay > 0 and self.server.stopping.wait(reply.delay):
            reply = Reply(status=0, body=b"", drop=True)  # the server is stopping
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        else:
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        if self.server.verbose:
            self._access_line(reply, started)

    def _access_line(self, reply: Reply, started: float) -> None:
        status = "dropped" if reply.drop else str(reply.status)
        parts = [self.command, urlsplit(self.path).path, status]
        if reply.code is not None:
            parts.append(f"code={reply.code}")
        if reply.app_id is not None:
            parts.append(f"app={reply.app_id}")
        parts.append(f"{(time.monotonic() - started) * 1000:.0f}ms")
        sys.stderr.write(f"sandbox {self.client_address[0]} {' '.join(parts)}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _access_line says it better, and only when verbose

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def _json_reply(status: int, value: Any) -> Reply:
    return Reply(status=status, body=json_bytes(value), content_type=JSON_TYPE)


def make_server(
    vendor: SandboxVendor,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    verbose: bool = False,
) -> SandboxServer:
    """A bound server, not yet serving (port 0 picks a free one). Raises OSError if taken."""
    return SandboxServer((host, port), vendor, verbose=verbose)


class RunningSandbox:
    """A sandbox serving on a background thread. Stop it, or use it as a context manager."""

    def __init__(self, server: SandboxServer, thread: threading.Thread) -> None:
        self.server = server
        self._thread = thread
        self._stopped = False

    @property
    def vendor(self) -> SandboxVendor:
        return self.server.vendor

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.stopping.set()
        self.server.shutdown()
        self.server.close_open_connections()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "RunningSandbox":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_in_thread(
    vendor: SandboxVendor, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
) -> RunningSandbox:
    server = make_server(vendor, host, port, verbose=verbose)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.02},  # how long stop() may wait
        name=f"sandbox:{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return RunningSandbox(server, thread)
