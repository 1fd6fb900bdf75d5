"""The API's answers, assembled from the same presenters as the pages.

Each function returns what its serializer (devices/api/serializers.py) renders: the page's
presenter objects, the vendor's typed result, provenance and links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from devices import forms, gwell
from devices.links import lookup_url
from devices.models import Lookup
from devices.presenters.device import device_page
from devices.presenters.formatting import Badge
from devices.presenters.sim_data import DataReading
from devices.presenters.user import use_of, user_page


def provenance(lookup: Lookup, fetched_at: datetime | None) -> dict[str, Any]:
    return {
        "source": lookup.source,
        "fetched_at": fetched_at,
        "vendor_request_id": lookup.request_id or None,
        "lookup_id": str(lookup.pk),
        "request_id": lookup.http_request_id,
    }


def page_link(request: HttpRequest, form: forms.LookupForm) -> str:
    """The same lookup's page, with the query that went with it."""
    data = form.cleaned_data
    return request.build_absolute_uri(
        lookup_url(
            form.kind,
            data["value"],
            owner=data["access_id"],
            credential=data["credential"],
            reason=data["reason"],
        )
    )


def device_answer(
    *,
    request: HttpRequest,
    form: forms.LookupForm,
    report: gwell.DeviceReport,
    lookup: Lookup,
    fetched_at: datetime | None,
    now: datetime,
    data: DataReading | None = None,
) -> dict[str, Any]:
    page = device_page(report=report, lookup=lookup, fetched_at=fetched_at, now=now, data=data)
    return {
        "kind": form.kind,
        "query": form.cleaned_data["value"],
        "page": page,
        "report": report,
        "data_bundle": use_of(data.bundle) if data else None,
        "provenance": provenance(lookup, fetched_at),
        "links": {"page": page_link(request, form)},
    }


def user_answer(
    *,
    request: HttpRequest,
    form: forms.LookupForm,
    devices: gwell.DeviceList,
    lookup: Lookup,
    fetched_at: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    page = user_page(devices=devices, lookup=lookup, fetched_at=fetched_at, now=now)
    entries = {entry.dev_id: entry for entry in devices.devices}
    rows = []
    for row in page.rows:
        entry = entries[row.dev_id]
        rows.append(
            {
                "row": row,
                "entry": entry,
                "cloud_storage": {
                    "cell": row.cloud,
                    "ends_at": entry.vss_expire_time,
                    "auto_renewal": entry.vss_renew,
                },
                "sim": {
                    "cell": row.sim,
                    "ends_at": entry.fg_expire_time,
                    "auto_renewal": entry.fg_renew,
                },
                "links": {
                    "page": request.build_absolute_uri(row.url) if row.url else None,
                    "api": _device_api_link(request, row.dev_id, lookup=lookup),
                },
            }
        )
    return {
        "user_id": page.user_id,
        "summary": Badge(page.summary, page.tone),
        "devices": rows,
        "provenance": provenance(lookup, fetched_at),
        "links": {"page": page_link(request, form)},
    }


def _device_api_link(request: HttpRequest, dev_id: str, *, lookup: Lookup) -> str | None:
    """A device of the user's list, asked for its owner with the list's region and ticket (as
    the page's link does)."""
    try:
        path = reverse("api:device_by_id", args=[dev_id])
    except NoReverseMatch:  # an id with a "/" cannot be a path segment
        return None
    query = {
        "access_id": lookup.value,
        "credential": lookup.credential_name,
        "reason": lookup.reason,
    }
    kept = urlencode({key: value for key, value in query.items() if value})
    return request.build_absolute_uri(f"{path}?{kept}")
