"""The last good answer of each lookup, kept for LOOKUP_LAST_GOOD_SECONDS (default a day).

The lookup cache keeps an answer for seconds; this keeps the last one for much longer, so that
while the vendor is not answering (the failure table's `stale_ok` rows) the page can show what it
said last, clearly marked, below the failure panel. It lives in the "lookups" cache
(supportdesk/settings.py): Redis when REDIS_URL is set, else a file cache under VAR_DIR shared
by the processes of the host; a cache of its own, so these entries never push out the
per-person limits kept in the default cache. A store that fails costs the feature, never the
lookup. See the README ("The last good answer").
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

log = logging.getLogger("supportdesk.lookups")

CACHE_ALIAS = "lookups"


@dataclass(frozen=True)
class LastGood:
    payload: str  # the vendor's answer as the lookup cache keeps it (JSON text)
    stored_at: float  # when the vendor gave it, Unix seconds


def _cache_key(key: str) -> str:
    # Lookup keys hold what people typed: hashed, any of them is a valid key for every backend.
    return "answer:" + hashlib.sha256(key.encode()).hexdigest()


def remember(key: str, *, payload: str, stored_at: float) -> None:
    """Keep `payload` as the last good answer for `key` (a fresh answer from the vendor)."""
    seconds = settings.LOOKUP_LAST_GOOD_SECONDS
    if seconds <= 0:
        return
    value = json.dumps({"payload": payload, "stored_at": stored_at}, ensure_ascii=False)
    try:
        caches[CACHE_ALIAS].set(_cache_key(key), value, timeout=seconds)
    except Exception:
        log.warning("could not keep the last good answer of %s", key, exc_info=True)


def recall(key: str) -> LastGood | None:
    """The last good answer for `key`, if one was kept and has not expired."""
    if settings.LOOKUP_LAST_GOOD_SECONDS <= 0:
        return None
    try:
        value = caches[CACHE_ALIAS].get(_cache_key(key))
        if value is None:
            return None
        kept = json.loads(value)
        return LastGood(payload=str(kept["payload"]), stored_at=float(kept["stored_at"]))
    except Exception:
        log.warning("could not read the last good answer of %s", key, exc_info=True)
        return None
