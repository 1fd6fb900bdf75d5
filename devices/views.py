"""The support pages: search, a device, a user's devices, my lookups.

Each view is decorators, a form, one service call and a render; what the page says comes from
`presenters`. Every view needs a signed-in person (LoginRequiredMiddleware); those that call the
vendor also need the `devices.lookup_devices` permission and share a per-person rate limit.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from devices import forms, presenters, selectors, services
from devices.models import Lookup

LOOKUP_PERMISSION = "devices.lookup_devices"
RATE_GROUP = "lookups"
RATE_LIMITED = "Per-person lookup limit reached ({rate})."


def _user_rate(group: str, request: HttpRequest) -> str:
    return settings.LOOKUP_USER_RATE


lookup_required = permission_required(LOOKUP_PERMISSION, raise_exception=True)
# One budget per person for every page that calls the vendor.
per_person_limit = ratelimit(group=RATE_GROUP, key="user", rate=_user_rate, block=False)


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _audit_context(request: HttpRequest) -> dict:
    return {
        "user": request.user,
        "client_ip": _client_ip(request),
        "http_request_id": getattr(request, "request_id", ""),
    }


@lookup_required
@require_http_methods(["GET", "HEAD", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    credentials = services.credential_choices()
    if request.method == "POST":
        form = forms.SearchForm(request.POST, credentials=credentials)
        if form.is_valid():
            messages.info(request, presenters.search_note(form.cleaned_data))
            return redirect(form.target_url())
        if form.attempted_value:
            services.record_refused_lookup(
                kind=form.attempted_kind,
                value=form.attempted_value,
                outcome=Lookup.Outcome.INVALID_INPUT,
                message=form.error_summary(),
                reason=forms.normalise_reason(request.POST.get("reason", ""))[:200],
                **_audit_context(request),
            )
    else:
        form = forms.SearchForm(
            initial={"q": request.GET.get("q", ""), "kind": request.GET.get("kind", forms.DETECT)},
            credentials=credentials,
        )
    context = {
        "form": form,
        "has_credential": bool(credentials),
        "samples": presenters.demo_samples() if settings.DEMO_MODE else [],
    }
    return render(request, "devices/search.html", context)


@lookup_required
@per_person_limit
@require_safe
def device_by_sn(request: HttpRequest, sn: str) -> HttpResponse:
    return _device_page(request, Lookup.Kind.SERIAL, sn)


@lookup_required
@per_person_limit
@require_safe
def device_by_id(request: HttpRequest, dev_id: str) -> HttpResponse:
    return _device_page(request, Lookup.Kind.DEVICE_ID, dev_id)


def _device_page(request: HttpRequest, kind: str, raw_value: str) -> HttpResponse:
    value = forms.normalise(raw_value)
    options = forms.LookupOptionsForm(request.GET)
    refused = _refuse(request, kind, value, options)
    if refused:
        return refused
    opts = options.cleaned_data
    result = services.lookup_device(
        kind=kind,
        value=value,
        owner_access_id=opts["access_id"],
        credential_name=opts["credential"] or None,
        reason=opts["reason"],
        refresh=opts["refresh"],
        **_audit_context(request),
    )
    now = timezone.now()
    context = {
        "kind": kind,
        "value": value,
        "options": opts,
        "colleagues": _colleagues(request, kind, value, now),
        **presenters.lookup_outcome(result, now=now, requested_credential=opts["credential"]),
    }
    return _lookup_response(request, "devices/device.html", context)


@lookup_required
@per_person_limit
@require_safe
def user_devices(request: HttpRequest, access_id: str) -> HttpResponse:
    value = forms.normalise(access_id)
    options = forms.LookupOptionsForm(request.GET)
    refused = _refuse(request, Lookup.Kind.USER, value, options)
    if refused:
        return refused
    opts = options.cleaned_data
    if settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS and not opts["reason"]:
        form = forms.ReasonForm(initial={"credential": opts["credential"]})
        return render(request, "devices/reason_required.html", {"form": form, "value": value})
    result = services.list_user_devices(
        access_id=value,
        credential_name=opts["credential"] or None,
        reason=opts["reason"],
        refresh=opts["refresh"],
        **_audit_context(request),
    )
    now = timezone.now()
    context = {
        "kind": Lookup.Kind.USER,
        "value": value,
        "options": opts,
        "colleagues": _colleagues(request, Lookup.Kind.USER, value, now),
        **presenters.lookup_outcome(result, now=now, requested_credential=opts["credential"]),
    }
    return _lookup_response(request, "devices/user_devices.html", context)


@require_safe
def my_lookups(request: HttpRequest) -> HttpResponse:
    """Login only: everyone may see their own trail, even after losing the lookup permission."""
    lookups = selectors.lookups_of_user(user=request.user)
    rows = presenters.lookup_rows(lookups, timezone.now())
    return render(request, "devices/my_lookups.html", {"rows": rows})


def user_rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The per-person limit's page (also settings.RATELIMIT_VIEW for a blocking decorator)."""
    retry_after = _retry_after(request)
    response = render(
        request, "devices/rate_limited.html", {"retry_after": retry_after}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _refuse(
    request: HttpRequest, kind: str, value: str, options: forms.LookupOptionsForm
) -> HttpResponse | None:
    """The page for a lookup that must not reach the vendor (over the limit, bad input)."""
    owner = request.GET.get("access_id", "")[:40]
    reason = forms.normalise_reason(request.GET.get("reason", ""))[:200]
    if getattr(request, "limited", False):
        services.record_refused_lookup(
            kind=kind,
            value=value[:200],
            outcome=Lookup.Outcome.RATE_LIMITED,
            message=RATE_LIMITED.format(rate=settings.LOOKUP_USER_RATE),
            owner_access_id=owner,
            reason=reason,
            **_audit_context(request),
        )
        return user_rate_limited(request)
    problems = [forms.identifier_error(kind, value)]
    if not options.is_valid():
        problems += [e for errors in options.errors.as_data().values() for e in errors]
    problems = [problem for problem in problems if problem]
    if not problems:
        return None
    services.record_refused_lookup(
        kind=kind,
        value=value[:200] or "-",
        outcome=Lookup.Outcome.INVALID_INPUT,
        message=_in_english(problems),
        owner_access_id=owner,
        reason=reason,
        **_audit_context(request),
    )
    context = {"kind": kind, "value": value, "problems": [_text(p) for p in problems]}
    return render(request, "devices/invalid_input.html", context, status=400)


def _text(problem) -> str:
    return " ".join(problem.messages) if isinstance(problem, ValidationError) else str(problem)


def _in_english(problems: list) -> str:
    """The audit row's message: admins of any language read the log."""
    with translation.override("en"):
        return " ".join(_text(problem) for problem in problems)


def _colleagues(request: HttpRequest, kind: str, value: str, now) -> list[str]:
    lookups = selectors.recent_colleague_lookups(user=request.user, kind=kind, value=value)
    return presenters.colleague_notes(lookups, now)


def _lookup_response(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    failure = context.get("failure")
    response = render(request, template, context, status=failure.status if failure else 200)
    if failure and failure.retry_after:
        response["Retry-After"] = str(failure.retry_after)
    return response


def _retry_after(request: HttpRequest) -> int:
    usage = get_usage(request, group=RATE_GROUP, key="user", rate=_user_rate, increment=False)
    return max(1, int(usage["time_left"])) if usage else 60
