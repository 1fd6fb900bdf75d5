"""One value per process: the limiter and the coordinator each keep theirs in a `PerProcess`."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


class PerProcess[T]:
    """A lazily built value, built again in a forked child (after gunicorn forks its workers)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self.build = build
        self._lock = threading.Lock()
        self._value: tuple[int, T] | None = None

    def get(self) -> T:
        pid = os.getpid()
        value = self._value
        if value is not None and value[0] == pid:
            return value[1]
        with self._lock:
            if self._value is None or self._value[0] != pid:
                self._value = (pid, self.build())
            return self._value[1]

    def reset(self) -> None:
        with self._lock:
            self._value = None
