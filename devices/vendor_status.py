"""Whether the vendor is failing for everyone: the banner "Vendor degraded since 14:03".

A small aggregate of the last minute's vendor calls per credential, kept in the "lookups" cache
(the same store as the rest: Redis, or the host's file cache). The service adds each
lookup as it completes its audit row, from the same outcome; pages read the aggregate without
touching the database, and it clears by itself as the minute moves on. With the file cache two
simultaneous updates may lose one count: a banner needs the proportion, not the exact figure.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import caches

from devices.models import Lookup

log = logging.getLogger("supportdesk.lookups")

WINDOW_SECONDS = 60
BUCKET_SECONDS = 10
# Fewer calls than this in the window say nothing either way (one timeout is not an outage).
MIN_CALLS = 3
# "Most" calls: more than this share of them failed.
FAILING_SHARE = 0.5

# Answers: the vendor answered, whatever it said about the device.
ANSWERED = {Lookup.Outcome.OK, Lookup.Outcome.NOT_FOUND}
FAILED = {
    Lookup.Outcome.UNAVAILABLE,
    Lookup.Outcome.RATE_LIMITED,
    Lookup.Outcome.SIGNATURE_ERROR,
    Lookup.Outcome.CREDENTIAL_ERROR,
    Lookup.Outcome.VENDOR_ERROR,
}

NAMES_KEY = "vendor-status:credentials"
NAMES_SECONDS = 3600


@dataclass(frozen=True)
class Degradation:
    credential_name: str
    since: datetime


def _cache():
    return caches["lookups"]


def _bucket(at: float) -> int:
    return int(at // BUCKET_SECONDS)


def _count_key(name: str, bucket: int, what: str) -> str:
    return f"vendor-status:{name}:{bucket}:{what}"


def _since_key(name: str) -> str:
    return f"vendor-status:{name}:since"


def record(lookup: Lookup, *, at: float | None = None) -> None:
    """Count a completed lookup that asked the vendor (answered or failed); others are ignored."""
    if not lookup.credential_name or lookup.source == Lookup.Source.CACHED:
        return
    failed = lookup.outcome in FAILED
    if not failed and lookup.outcome not in ANSWERED:
        return
    at = time.time() if at is None else at
    name, bucket = lookup.credential_name, _bucket(at)
    keep = WINDOW_SECONDS + 2 * BUCKET_SECONDS
    try:
        cache = _cache()
        names = cache.get(NAMES_KEY) or []
        if name not in names:
            cache.set(NAMES_KEY, sorted({*names, name}), NAMES_SECONDS)
        for what in ("calls", "failed") if failed else ("calls",):
            key = _count_key(name, bucket, what)
            cache.add(key, 0, keep)
            cache.incr(key)
        if failed:
            cache.add(_count_key(name, bucket, "first"), at, keep)
    except Exception:  # a banner must never cost a lookup
        log.warning("could not count the vendor call of lookup %s", lookup.pk, exc_info=True)


def degraded(*, at: float | None = None) -> list[Degradation]:
    """Credentials most of whose vendor calls failed in the last minute, and since when."""
    at = time.time() if at is None else at
    try:
        return _degraded(at)
    except Exception:
        log.warning("could not read the vendor status", exc_info=True)
        return []


def _degraded(at: float) -> list[Degradation]:
    cache = _cache()
    names = cache.get(NAMES_KEY) or []
    if not names:
        return []
    last = _bucket(at)
    buckets = range(last - WINDOW_SECONDS // BUCKET_SECONDS + 1, last + 1)
    keys = [
        _count_key(name, bucket, what)
        for name in names
        for bucket in buckets
        for what in ("calls", "failed", "first")
    ]
    values = cache.get_many(keys + [_since_key(name) for name in names])
    found = []
    for name in names:
        calls = sum(values.get(_count_key(name, b, "calls"), 0) for b in buckets)
        failed = sum(values.get(_count_key(name, b, "failed"), 0) for b in buckets)
        if calls < MIN_CALLS or failed <= calls * FAILING_SHARE:
            if _since_key(name) in values:
                cache.delete(_since_key(name))
            continue
        firsts = [values[key] for b in buckets if (key := _count_key(name, b, "first")) in values]
        since = values.get(_since_key(name)) or min(firsts, default=at)
        # Kept while the outage lasts, so "since" does not creep forward with the window.
        cache.set(_since_key(name), since, WINDOW_SECONDS * 2)
        found.append(Degradation(name, datetime.fromtimestamp(since, tz=UTC)))
    return found
