"""The client against real local sockets: what actually goes on the wire, and real failures."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devices.gwell import AppCredentials, VendorClient, VendorUnavailable, sign
from devices.gwell.transport import new_session

from .conftest import APP_ID, APP_KEY, APP_TOKEN, data_text

SN = "876ABCDEF0347"


class RecordingHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers, body))
        answer = data_text("devinfo_example.json").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    httpd.received = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def client_for(port: int, *, timeout: float = 5.0) -> VendorClient:
    app = AppCredentials(
        base_url=f"http://127.0.0.1:{port}/", app_id=APP_ID, app_token=APP_TOKEN, app_key=APP_KEY
    )
    return VendorClient(app, timeout=timeout, session=new_session())


def test_the_server_can_verify_the_signature_from_what_it_received(server):
    port = server.server_address[1]

    report = client_for(port).device_info(sn=SN)

    assert report.device.owner_id == "-9223371981234556044"
    [(headers, body)] = server.received
    assert headers["Host"] == f"127.0.0.1:{port}"
    assert json.loads(body)["sn"] == SN
    expected = sign(
        secret=APP_KEY,
        host=headers["Host"],
        body=body,
        signer_id=headers["X-IotVideo-AccessID"],
        nonce=headers["X-IotVideo-Nonce"],
        timestamp=headers["X-IotVideo-Timestamp"],
    )
    assert headers["X-IotVideo-Signature"] == expected


@pytest.fixture
def silent_listener():
    """A socket that accepts connections and never answers; counts the connections."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    stop = threading.Event()

    def accept_loop(close_at_once: bool):
        listener.settimeout(0.01)
        # A client that forgot its timeout fails after this instead of hanging the suite.
        deadline = time.monotonic() + 3
        while not stop.is_set():
            if time.monotonic() > deadline:
                for connection in accepted:
                    connection.close()
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(connection)
            if close_at_once:
                connection.recv(65536)
                connection.close()

    def start(*, close_at_once: bool) -> int:
        thread = threading.Thread(target=accept_loop, args=(close_at_once,), daemon=True)
        thread.start()
        threads.append(thread)
        return listener.getsockname()[1]

    threads: list[threading.Thread] = []
    yield start, accepted
    stop.set()
    for thread in threads:
        thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_it_reports_a_refused_connection():
    # Bound but not listening: the kernel refuses connections to it.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    try:
        with pytest.raises(VendorUnavailable) as caught:
            client_for(port).device_info(sn=SN)
    finally:
        closed.close()

    assert caught.value.reason == "connection"
    assert str(caught.value) == "Could not connect to the vendor (connection refused)"


def test_it_reports_a_dropped_connection_and_does_not_retry(silent_listener):
    start, accepted = silent_listener
    port = start(close_at_once=True)

    with pytest.raises(VendorUnavailable) as caught:
        client_for(port).device_info(sn=SN)

    assert caught.value.reason == "connection"
    assert str(caught.value) == "The connection to the vendor was dropped before it answered"
    assert len(accepted) == 1


def test_it_gives_up_after_the_timeout_and_does_not_retry(silent_listener):
    start, accepted = silent_listener
    port = start(close_at_once=False)

    with pytest.raises(VendorUnavailable) as caught:
        client_for(port, timeout=0.05).device_info(sn=SN)

    assert caught.value.reason == "timeout"
    assert str(caught.value) == "The vendor did not answer within 0.05 s"
    assert len(accepted) == 1
