"""What the chaos tests break: a redis-server of their own, and a TCP proxy they can cut.

Both listen on 127.0.0.1 only, on free ports, and stop with their `with` block.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time

import redis

from bench.stack import free_port


class PrivateRedis:
    """A redis-server on a free loopback port, keeping nothing on disk: `kill()` is a crash
    (SIGKILL, every key lost), `start()` brings an empty one back on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    def start(self, timeout: float = 10.0) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        # No snapshot, no append-only file: a crash loses every key, as the test means it to.
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


class TcpProxy:
    """127.0.0.1:`port` forwarded to 127.0.0.1:`target_port`.

    `cut()` closes every connection through it, both ways, and closes new ones as soon as they
    are accepted, as a server that went away would; `restore()` forwards again. Threads: one
    accepting, two per connection.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._is_cut = False
        self._stopping = False
        self._accepting = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> TcpProxy:
        self._accepting.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping = True
        self._accepting.join(5)
        self._listener.close()
        self._close_all()

    def cut(self) -> None:
        with self._lock:
            self._is_cut = True
        self._close_all()

    def restore(self) -> None:
        with self._lock:
            self._is_cut = False

    def _close_all(self) -> None:
        with self._lock:
            doomed, self._open = self._open, set()
        for sock in doomed:
            _close(sock)

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                # Under the lock that cut() takes: a pair is either closed here or by cut().
                is_cut = self._is_cut
                if not is_cut:
                    self._open.update((client, upstream))
            if is_cut:
                _close(client)
                _close(upstream)
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.difference_update((source, sink))
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv() on it
    sock.close()
