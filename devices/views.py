"""The support pages: search, a device, a user's devices, my lookups, my settings.

Each view is decorators, a form, one service call and a render; what the page says comes from
its own module in `presenters` (a failed lookup's from `presenters.failures`). Every view needs a
signed-in person (LoginRequiredMiddleware); those that call the vendor also need the
`devices.lookup_devices` permission and share a per-person rate limit.
"""

from datetime import datetime
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from devices import credential_services, forms, page_lookups, preferences, selectors, services
from devices.audit import AuditContext
from devices.models import Lookup
from devices.presenters.device import DevicePage, device_page
from devices.presenters.failures import error_panel
from devices.presenters.formatting import time_zone_note
from devices.presenters.lookups import (
    colleague_notes,
    device_verdicts,
    lookup_rows,
    user_verdicts,
)
from devices.presenters.owner_list import owner_list, refused_check, row_check
from devices.presenters.search import candidate_notes, search_note
from devices.presenters.sim_data import reading_of
from devices.presenters.user import UserPage, user_page

LOOKUP_PERMISSION = "devices.lookup_devices"
BULK_PERMISSION = "bulk.run_bulk_lookups"
RATE_GROUP = "lookups"
RATE_LIMITED = "Per-person lookup limit reached ({rate})."
NOT_A_LIST_CHECK = "Not a row check of a device list this person opened."


def _user_rate(group: str, request: HttpRequest) -> str:
    return settings.LOOKUP_USER_RATE


lookup_required = permission_required(LOOKUP_PERMISSION, raise_exception=True)
# One budget per person for every page that calls the vendor, and for searching.
per_person_limit = ratelimit(group=RATE_GROUP, key="user", rate=_user_rate, block=False)


def _search_usage(request: HttpRequest, *, count: bool) -> dict | None:
    return get_usage(request, group=RATE_GROUP, key="user", rate=_user_rate, increment=count)


def _search_limited(request: HttpRequest) -> bool:
    """The search box shares the pages' budget: a valid search is counted by the page it opens,
    a refused one after it is refused (else bad input could be typed without limit, one audit
    row each). Full when one more would go over, as a page's own count would."""
    usage = _search_usage(request, count=False)
    return bool(usage) and usage["count"] >= usage["limit"]


@lookup_required
@require_http_methods(["GET", "HEAD", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    credentials = credential_services.credential_choices()
    if request.method == "POST":
        form = forms.SearchForm(request.POST, credentials=credentials)
        reason = forms.normalise_reason(request.POST.get("reason", ""))[:200]
        audit = AuditContext.of_request(request, reason=reason)
        if _search_limited(request):
            form.is_valid()
            services.record_over_limit(
                audit=audit,
                kind=form.attempted_kind,
                value=form.attempted_value or "-",
                message=RATE_LIMITED.format(rate=settings.LOOKUP_USER_RATE),
            )
            return user_rate_limited(request)
        if form.is_valid() and not form.candidates:
            messages.info(request, search_note(form.cleaned_data))
            return redirect(form.target_url())
        if form.is_valid():  # several identifiers, or a user id without its minus: choose
            context = {"form": form, "has_credential": bool(credentials)}
            candidates = context["candidates"] = candidate_notes(form.candidates)
            if len(candidates.bulk_values) > 1 and request.user.has_perm(BULK_PERMISSION):
                # Several at once: the bulk form, filled in, for the person to start.
                query = {"identifiers": "\n".join(candidates.bulk_values), "reason": reason}
                context["bulk_url"] = f"{reverse('bulk:new')}?{urlencode(query)}"
            return render(request, "devices/search.html", context)
        _search_usage(request, count=True)
        if form.attempted_value:
            services.record_refused_lookup(
                audit=audit,
                kind=form.attempted_kind,
                value=form.attempted_value,
                outcome=Lookup.Outcome.INVALID_INPUT,
                message=form.error_summary(),
            )
    else:
        form = forms.SearchForm(
            initial={"q": request.GET.get("q", ""), "kind": request.GET.get("kind", forms.DETECT)},
            credentials=credentials,
        )
    context = {"form": form, "has_credential": bool(credentials)}
    return render(request, "devices/search.html", context)


@lookup_required
@per_person_limit
@require_safe
def device_by_sn(request: HttpRequest, sn: str) -> HttpResponse:
    return _device_page(request, forms.LookupForm(request.GET, kind=Lookup.Kind.SERIAL, value=sn))


@lookup_required
@per_person_limit
@require_safe
def device_by_id(request: HttpRequest, dev_id: str) -> HttpResponse:
    return _device_page(
        request, forms.LookupForm(request.GET, kind=Lookup.Kind.DEVICE_ID, value=dev_id)
    )


def _refusal(request: HttpRequest, form: forms.LookupForm) -> HttpResponse | None:
    """The page for a lookup that must not reach the vendor (over the limit, bad input)."""
    if request.limited:
        return _over_the_limit(request, form)
    if not form.is_valid():
        return _invalid_input(request, form)
    return None


def _device_page(request: HttpRequest, form: forms.LookupForm) -> HttpResponse:
    if refused := _refusal(request, form):
        return refused
    data = form.cleaned_data
    lookups = page_lookups.lookup_device_and_owner_list(
        audit=AuditContext.of_request(request, reason=data["reason"]),
        kind=form.kind,
        value=data["value"],
        owner_id=data["access_id"],
        credential_name=data["credential"] or None,
        refresh=data["refresh"],
        # The owner's list is read for this device's data only: its audit row keeps no verdict
        # of the whole account (that costs a few ms on every device page).
        summarise=device_verdicts,
    )
    result = lookups.device
    now = timezone.now()
    page = None
    if result.data is not None:  # fresh, cached or shared; or the last good answer, marked
        page = device_page(
            report=result.data,
            lookup=result.lookup,
            fetched_at=result.fetched_at,
            now=now,
            data=reading_of(lookups),
        )
    return _lookup_page(request, "devices/device.html", form, result, now, page=page)


@lookup_required
@per_person_limit
@require_safe
def user_devices(request: HttpRequest, user_id: str) -> HttpResponse:
    form = forms.LookupForm(request.GET, kind=Lookup.Kind.USER, value=user_id)
    if refused := _refusal(request, form):
        return refused
    data = form.cleaned_data
    if settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS and not data["reason"]:
        ask = forms.ReasonForm(initial={"credential": data["credential"]})
        return render(request, "devices/reason_required.html", {"form": ask, "value": form.value})
    result = services.list_user_devices(
        audit=AuditContext.of_request(request, reason=data["reason"]),
        user_id=data["value"],
        credential_name=data["credential"] or None,
        refresh=data["refresh"],
        summarise=partial(user_verdicts, user_id=data["value"]),
    )
    now = timezone.now()
    page = None
    checks = None
    if result.data is not None:
        page = user_page(
            devices=result.data, lookup=result.lookup, fetched_at=result.fetched_at, now=now
        )
        checks = owner_list(page, lookup=result.lookup, entries=result.data.devices)
    return _lookup_page(
        request, "devices/user_devices.html", form, result, now, page=page, owner_list=checks
    )


@lookup_required
@per_person_limit
@require_safe
def owner_list_check(request: HttpRequest, user_id: str, dev_id: str) -> JsonResponse:
    """One row of an owner's list, checked after the page loaded (`row_check_answer`)."""
    return row_check_answer(request, user_id, dev_id, channel=Lookup.Channel.WEB)


def row_check_answer(
    request: HttpRequest, user_id: str, dev_id: str, *, channel: str
) -> JsonResponse:
    """One row of an owner's list, checked after the list was shown (on a page, or in the
    sidebar: `channel`): the device's state from its devInfo, through the same budget, cache and
    coalescing as its page, as JSON for the list's script. Audited as a follow-up of the list's
    lookup, with its credential and reason. The caller checks the permission and the limit."""
    listed = selectors.owner_list_lookup(
        user=request.user,
        lookup_id=request.GET.get("list", ""),
        user_id=forms.normalise(user_id),
        channel=channel,
    )
    query = {"access_id": user_id, "credential": "", "reason": ""}
    if listed is not None:
        query = {
            "access_id": listed.value,
            "credential": listed.credential_name,
            "reason": listed.reason,
        }
    form = forms.LookupForm(query, kind=Lookup.Kind.DEVICE_ID, value=dev_id)
    audit = AuditContext.of_request(
        request, reason=query["reason"], follows_id=listed.pk if listed else None, channel=channel
    )
    if request.limited:
        asked = form.audit()
        services.record_over_limit(
            audit=audit,
            kind=asked["kind"],
            value=asked["value"],
            owner_id=asked["owner_id"],
            message=RATE_LIMITED.format(rate=settings.LOOKUP_USER_RATE),
        )
        seconds = _retry_after(request)
        check = refused_check(Lookup.Outcome.RATE_LIMITED, retry_after=seconds)
        response = JsonResponse(check.as_json(), status=429)
        response["Retry-After"] = str(seconds)
        return response
    if listed is None or not form.is_valid():
        asked = form.audit()
        message = asked["message"] or NOT_A_LIST_CHECK
        services.record_refused_lookup(
            audit=audit,
            kind=asked["kind"],
            value=asked["value"],
            owner_id=asked["owner_id"],
            outcome=Lookup.Outcome.INVALID_INPUT,
            message=message,
        )
        return JsonResponse(refused_check(Lookup.Outcome.INVALID_INPUT).as_json(), status=400)
    result = services.lookup_device(
        audit=audit,
        kind=Lookup.Kind.DEVICE_ID,
        value=form.cleaned_data["value"],
        owner_id=listed.value,
        credential_name=listed.credential_name or None,
        summarise=device_verdicts,
    )
    check = row_check(
        report=result.data, error=result.error, retry_after=result.retry_after, now=timezone.now()
    )
    response = JsonResponse(check.as_json())
    if check.retry_after:
        response["Retry-After"] = str(check.retry_after)
    return response


@require_safe
def my_lookups(request: HttpRequest) -> HttpResponse:
    """Login only: everyone may see their own trail, even after losing the lookup permission.

    `?q=` searches it, `?before=` (a lookup's id) pages past the newest."""
    search = forms.normalise_reason(request.GET.get("q", ""))[:200]
    before = request.GET.get("before", "")
    page = selectors.lookups_of_user(
        user=request.user,
        search=search,
        identifier=forms.normalise(search),
        before=int(before) if before.isdigit() and len(before) < 19 else None,
    )
    context = {
        "rows": lookup_rows(page.rows, timezone.now()),
        "search": search,
        "older_url": _my_lookups_url(search, page.older) if page.older else "",
        "newest_url": _my_lookups_url(search, None) if before else "",
    }
    return render(request, "devices/my_lookups.html", context)


def _my_lookups_url(search: str, before: int | None) -> str:
    query = urlencode([(key, value) for key, value in (("q", search), ("before", before)) if value])
    return reverse("my_lookups") + (f"?{query}" if query else "")


@require_http_methods(["GET", "HEAD", "POST"])
def person_settings(request: HttpRequest) -> HttpResponse:
    """Login only: a person's own settings (their time zone)."""
    if request.method == "POST":
        form = preferences.PreferencesForm(request.POST)
        if form.is_valid():
            zone = form.cleaned_data["time_zone"]
            services.person_set_time_zone(user=request.user, time_zone=zone)
            preferences.remember(request, zone)
            timezone.activate(zone)  # this response's message already speaks of it
            messages.success(request, time_zone_note())
            return redirect("person_settings")
    else:
        form = preferences.PreferencesForm(
            initial={"time_zone": timezone.get_current_timezone_name()}
        )
    return render(request, "devices/settings.html", {"form": form})


def user_rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The per-person limit's page (also settings.RATELIMIT_VIEW for a blocking decorator)."""
    retry_after = _retry_after(request)
    response = render(
        request, "devices/rate_limited.html", {"retry_after": retry_after}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _over_the_limit(request: HttpRequest, form: forms.LookupForm) -> HttpResponse:
    asked = form.audit()
    services.record_over_limit(
        audit=AuditContext.of_request(request, reason=asked["reason"]),
        kind=asked["kind"],
        value=asked["value"],
        owner_id=asked["owner_id"],
        message=RATE_LIMITED.format(rate=settings.LOOKUP_USER_RATE),
    )
    return user_rate_limited(request)


def _invalid_input(request: HttpRequest, form: forms.LookupForm) -> HttpResponse:
    asked = form.audit()
    services.record_refused_lookup(
        audit=AuditContext.of_request(request, reason=asked["reason"]),
        kind=asked["kind"],
        value=asked["value"],
        owner_id=asked["owner_id"],
        outcome=Lookup.Outcome.INVALID_INPUT,
        message=asked["message"],
    )
    context = {"kind": form.kind, "value": form.value, "problems": form.problems()}
    return render(request, "devices/invalid_input.html", context, status=400)


def _lookup_page(
    request: HttpRequest,
    template: str,
    form: forms.LookupForm,
    result: services.LookupResult,
    now: datetime,
    *,
    page: DevicePage | UserPage | None = None,
    **extra,
) -> HttpResponse:
    """A looked-up identifier's page: its data (`page`), or the panel that explains its failure
    with the failure's status, or both: the panel above the last good answer, marked as old."""
    failure = None
    if result.error is not None:
        failure = error_panel(
            result.error,
            lookup=result.lookup,
            now=now,
            retry_after=result.retry_after,
            credentials=credential_services.credential_choices(),
        )
    colleagues = selectors.recent_colleague_lookups(
        user=request.user, kind=form.kind, value=form.value
    )
    context = {
        "lookup": result.lookup,  # the page's own lookup (devices/history follows it up)
        "kind": form.kind,
        "value": form.value,
        "options": form.cleaned_data,
        "colleagues": colleague_notes(colleagues, now),
        "page": page,
        "failure": failure,
        **extra,
    }
    response = render(request, template, context, status=failure.status if failure else 200)
    if failure and failure.retry_after:
        response["Retry-After"] = str(failure.retry_after)
    return response


def _retry_after(request: HttpRequest) -> int:
    usage = get_usage(request, group=RATE_GROUP, key="user", rate=_user_rate, increment=False)
    return max(1, int(usage["time_left"])) if usage else 60
