"""Counting the sandbox's traffic: per-app counters and the exact sliding-window maximum."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


def max_in_any_window(times: Iterable[float], width: float = 1.0) -> int:
    """The most events in any window [t, t + width), over windows starting at any time t.

    A busiest window can always be slid right until it starts on an event, so trying each event
    as the start is exact. Two pointers over the sorted times: O(n log n) for the sort, O(n) after.
    An event at exactly t + width falls in the next window, not this one.
    """
    ordered = sorted(times)
    best = 0
    end = 0
    for start, first in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] - first < width:
            end += 1
        best = max(best, end - start)
    return best


def per_second(times: Iterable[float]) -> list[int]:
    """How many events fell in each whole second counted from the first one."""
    ordered = sorted(times)
    if not ordered:
        return []
    counts = [0] * (int(ordered[-1] - ordered[0]) + 1)
    for t in ordered:
        counts[int(t - ordered[0])] += 1
    return counts


@dataclass
class TrafficCounters:
    """What happened to the requests of one app (or of all of them) since the last reset.

    Times in `arrivals` and `admitted` come from the vendor's monotonic clock; they are kept
    whole (floats, cheap) so the sliding maxima are exact rather than bucketed.
    """

    arrivals: list[float] = field(default_factory=list)
    admitted: list[float] = field(default_factory=list)
    served: int = 0
    refused_rate_limit: int = 0
    refused_signature: int = 0
    errors_by_code: Counter[int] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": len(self.arrivals),
            "served": self.served,
            "refused_rate_limit": self.refused_rate_limit,
            "refused_signature": self.refused_signature,
            "errors_by_code": {str(code): n for code, n in sorted(self.errors_by_code.items())},
            "faults_injected": dict(sorted(self.faults_injected.items())),
            "max_in_any_1s": max_in_any_window(self.arrivals),
            "max_admitted_in_any_1s": max_in_any_window(self.admitted),
            "arrivals_per_second": per_second(self.arrivals),
            # time.monotonic() of each arrival: on Linux the same clock in every process, so a
            # benchmark can cut the run where its demand stopped.
            "arrival_times": sorted(self.arrivals),
        }
