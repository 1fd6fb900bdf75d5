"""A device page's lookups: the device, and its owner's device list for the data left on its SIM,
fetched side by side when the owner is known from the link."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future as ConcurrentFuture
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections

from devices import gwell, services
from devices.audit import AuditContext
from devices.credential_services import credential_get
from devices.models import Credential
from devices.ratelimit import Lane, calling_as
from devices.services import LookupResult, Summarise


@dataclass
class DeviceLookups:
    """A device, and its owner's device list: the only answer that holds a SIM's data figures
    (devList's `fourCard`). `owner_list` is None when it was not asked for (`owner_list_skipped`
    says why when that matters)."""

    device: LookupResult
    owner_list: LookupResult | None = None
    owner_list_skipped: str = ""  # OWNER_LIST_NEEDS_REASON, or "" (asked, or not needed)


# Why a device page did not ask for the owner's list.
OWNER_LIST_NEEDS_REASON = "needs_reason"


def lookup_device_and_owner_list(
    *,
    audit: AuditContext,
    kind: str,
    value: str,
    owner_id: str = "",
    credential_name: str | None = None,
    refresh: bool = False,
    summarise: Summarise | None = None,
    summarise_list: Callable[[str], Summarise] | None = None,
) -> DeviceLookups:
    """A device (`services.lookup_device`) and, when it has an owner, the owner's device list
    (`services.list_user_devices`), for the data left on its SIM.

    With the owner known from the link, both are asked at once: the list is fetched in a thread
    while devInfo is asked here. Otherwise the list is asked after devInfo, and only for a bound
    device with a SIM plan (a WiFi camera has no data to show). The list goes through the same
    cache, coalescing, limiter and audit as the user's page, so it costs one vendor call per
    owner per cache period. Where the audit policy wants a reason for a user lookup and none was
    given, the list is not asked for (`owner_list_skipped`)."""
    needs_reason = settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS and not audit.reason
    fetching = None
    if owner_id and not needs_reason:
        fetching = _fetch_alongside(
            credential_name=credential_name,
            cache_key=f"devList:{owner_id}",
            call=lambda client: client.device_list(user_id=owner_id),
            refresh=refresh,
            person=str(audit.user.pk),
        )
    try:
        device = services.lookup_device(
            audit=audit,
            kind=kind,
            value=value,
            owner_id=owner_id,
            credential_name=credential_name,
            refresh=refresh,
            summarise=summarise,
            # Read once for both (`_fetch_alongside`).
            credential=fetching.credential if fetching else None,
        )
    except BaseException:
        if fetching is not None:
            fetching.cancel()
        raise
    owner = owner_id or _owner_with_sim(device.data)
    if not owner:
        return DeviceLookups(device)
    if needs_reason:
        return DeviceLookups(device, owner_list_skipped=OWNER_LIST_NEEDS_REASON)
    owner_list = services.list_user_devices(
        audit=audit,
        user_id=owner,
        credential_name=credential_name,
        refresh=refresh,
        summarise=summarise_list(owner) if summarise_list else None,
        fetching=fetching if owner == owner_id else None,
        # Read for the device's page, not searched for: My lookups lists the device alone.
        follows=device.lookup,
        credential=device.lookup.credential if device.lookup.credential_id else None,
    )
    return DeviceLookups(device, owner_list)


def _owner_with_sim(report: gwell.DeviceReport | None) -> str:
    """The owner of a bound device with a SIM plan, from devInfo; "" otherwise."""
    if report is None or report.sim is None or not report.device.is_bound:
        return ""
    return report.device.owner_id or ""


class Future:
    """A fetch running in its own thread; `result()` waits for it and returns or raises as the
    fetch did. `store_key` says which answer it fetches."""

    def __init__(self, credential: Credential, store_key: str, future: ConcurrentFuture) -> None:
        self.credential = credential  # read once, for the lookup that picks the answer up
        self.store_key = store_key
        self._future = future

    def result(self) -> Any:
        return self._future.result()

    def done(self) -> bool:
        return self._future.done()

    def exception(self) -> BaseException | None:
        """What the finished fetch raised (None: it answered); waits if it has not finished."""
        return self._future.exception()

    def cancel(self) -> None:
        self._future.cancel()


# Threads for the fetches that run alongside a page's main lookup. Each waits on the vendor (I/O),
# so a few are plenty; a full pool only delays the extra fetch, never the page's own.
_ALONGSIDE = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lookup-alongside")


def _fetch_alongside(
    *,
    credential_name: str | None,
    cache_key: str,
    call: Callable[[gwell.VendorClient], Any],
    refresh: bool,
    person: str,
) -> Future | None:
    """Start fetching another answer (cache, coalescing, limiter, vendor) in a thread, for a
    lookup of the same key to pick up. The credential is read here, in the request's
    thread; the thread itself never touches the database. None when there is no credential to
    use: the lookup then fails on its own, with its audit row."""
    try:
        credential = credential_get(name=credential_name)
    except Exception:
        return None
    store_key = services.store_key_of(credential, cache_key)

    def produce() -> str:
        # A person's page: the interactive lane, in that person's turn (the thread does not
        # inherit the request's context).
        with calling_as(lane=Lane.INTERACTIVE, person=person):
            data = call(services.vendor_client(credential))
        return json.dumps(data.raw, ensure_ascii=False, default=str)

    def work() -> Any:
        try:
            return services.fetch_answer(store_key, produce, refresh=refresh)
        finally:
            connections.close_all()  # this thread's own, should anything have opened one

    return Future(credential, store_key, _ALONGSIDE.submit(work))
