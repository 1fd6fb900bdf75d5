"""The sidebar's views: the lookup page, and sign-in / sign-out inside the frame.

The lookup is the search box's (SearchForm: the same detection and normalisation) followed by
the page's flow: the permission, the per-person limit shared with the pages and the API, one
service call, an audit row with channel "embed"; what it says comes from the pages' presenters
(`presenters.embed` picks the key facts).
"""

from __future__ import annotations

import json
from functools import partial, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_ratelimit.core import get_usage

from devices import credential_services, failures, forms, page_lookups, services
from devices.audit import AuditContext
from devices.embed.framing import frame_ancestors, frameable_by_helpdesks
from devices.models import Lookup
from devices.presenters.embed import sidebar_device, sidebar_url, sidebar_user
from devices.presenters.failures import ErrorPanel, error_panel
from devices.presenters.lookups import device_verdicts, user_verdicts
from devices.presenters.search import candidate_notes
from devices.presenters.sim_data import reading_of
from devices.signin import LocalPasswordForm, ThrottledLoginView
from devices.views import (
    BULK_PERMISSION,
    LOOKUP_PERMISSION,
    RATE_GROUP,
    RATE_LIMITED,
    lookup_required,
    per_person_limit,
    row_check_answer,
)

TEMPLATE = "devices/embed/sidebar.html"


def _user_rate(group: str, request: HttpRequest) -> str:
    return settings.LOOKUP_USER_RATE


def chatwoot_attributes() -> list[dict[str, str]]:
    """EMBED_CHATWOOT_ATTRIBUTES as [{"name": "device_sn", "kind": "sn"}, ...] for the script."""
    read = []
    for item in settings.EMBED_CHATWOOT_ATTRIBUTES:
        name, _sep, kind = item.strip().partition(":")
        if name:
            read.append({"name": name, "kind": kind if kind in Lookup.Kind.values else ""})
    return read


def _context(request: HttpRequest, **extra) -> dict:
    return {
        "frame_ancestors": json.dumps(frame_ancestors()),
        "attributes": json.dumps(chatwoot_attributes()),
        "query": request.GET.get("q", ""),
        # The ticket goes along with what is typed next in the box, as the links keep it.
        "reason": forms.normalise_reason(request.GET.get("reason", ""))[:200],
        **extra,
    }


def _panel(failure: failures.Failure, message: str, retry_after: int | None = None) -> ErrorPanel:
    next_step = "" if retry_after else str(failure.next_step)  # the page says when instead
    return ErrorPanel(
        str(failure.title), message, next_step, failure.status, retry_after=retry_after
    )


def _fetched_as_a_resource(request: HttpRequest) -> bool:
    """True for an <img>, fetch() or similar from another site (Fetch Metadata): the sidebar's
    cookie travels with those inside the helpdesk's partition, and a lookup must not."""
    mode = request.headers.get("Sec-Fetch-Mode")
    site = request.headers.get("Sec-Fetch-Site")
    return mode is not None and mode != "navigate" and site not in ("same-origin", "none")


def _navigations_and_own_fetches_only(view):
    """Refuse a request another site's content makes with the sidebar's cookie (an image in a
    customer's message), before it counts against the person's limit or looks anything up."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _fetched_as_a_resource(request):
            return HttpResponse(status=403)
        return view(request, *args, **kwargs)

    return guarded


@frameable_by_helpdesks
@login_required(login_url="embed:login")
@require_safe
@_navigations_and_own_fetches_only
def sidebar(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(LOOKUP_PERMISSION):
        message = _("Your account may not look up devices. Ask an admin.")
        context = _context(request, failure=ErrorPanel(_("Not allowed"), message, "", 403))
        return render(request, TEMPLATE, context, status=403)
    credentials = credential_services.credential_choices()
    if not request.GET.get("q", "").strip():
        return render(request, TEMPLATE, _context(request, form=forms.SearchForm(credentials=())))
    # The sidebar has no kind to pick: a kind in the query comes from a link or the helpdesk's
    # attribute, and the value is read as given ("did you mean -…?" only for a typed one).
    form = forms.SearchForm(
        request.GET,
        credentials=credentials,
        link=sidebar_url,
        suggest_minus=not request.GET.get("kind"),
    )
    audit = AuditContext.of_request(
        request,
        reason=forms.normalise_reason(request.GET.get("reason", ""))[:200],
        channel=Lookup.Channel.EMBED,
    )
    if form.is_valid() and form.candidates:
        # Several identifiers, or a user id without its minus: links to choose from. Nothing is
        # looked up, so nothing counts against the person's limit (as on the search page).
        return _candidates(request, form)
    usage = get_usage(request, group=RATE_GROUP, key="user", rate=_user_rate, increment=True)
    if usage and usage["should_limit"]:
        services.record_over_limit(
            audit=audit,
            kind=form.attempted_kind,
            value=form.attempted_value or "-",
            message=RATE_LIMITED.format(rate=settings.LOOKUP_USER_RATE),
        )
        limit = failures.PERSON_LIMIT
        seconds = max(1, int(usage["time_left"]))
        panel = _panel(limit, str(limit.message), retry_after=seconds)
        return _answer(request, form, failure=panel)
    if not form.is_valid():
        services.record_refused_lookup(
            audit=audit,
            kind=form.attempted_kind,
            value=form.attempted_value,
            outcome=Lookup.Outcome.INVALID_INPUT,
            message=form.error_summary(),
        )
        problems = " ".join(str(m) for errors in form.errors.values() for m in errors)
        return _answer(request, form, failure=_panel(failures.INVALID_INPUT, problems))
    return _lookup(request, form, audit, credentials=credentials)


def _candidates(request: HttpRequest, form: forms.SearchForm) -> HttpResponse:
    """Each identifier pasted as a link inside the sidebar; with the bulk permission, the bulk
    form filled in (in a tab of its own: the dashboard's pages are not framed)."""
    candidates = candidate_notes(form.candidates)
    bulk_url = ""
    if len(candidates.bulk_values) > 1 and request.user.has_perm(BULK_PERMISSION):
        query = {
            "identifiers": "\n".join(candidates.bulk_values),
            "reason": form.cleaned_data["reason"],
        }
        bulk_url = f"{reverse('bulk:new')}?{urlencode(query)}"
    context = _context(request, form=form, candidates=candidates, bulk_url=bulk_url)
    return render(request, TEMPLATE, context)


@lookup_required  # outermost: Django copies inner decorators' login_url over outer ones'
@login_required(login_url="embed:login")
@_navigations_and_own_fetches_only
@per_person_limit
@require_safe
def owner_list_check(request: HttpRequest, user_id: str, dev_id: str) -> HttpResponse:
    """A row of a user's devices in the sidebar, checked by its script after the list is shown:
    the user's page's check of a list the sidebar showed, audited with channel "embed"."""
    return row_check_answer(request, user_id, dev_id, channel=Lookup.Channel.EMBED)


def _lookup(
    request: HttpRequest, form: forms.SearchForm, audit: AuditContext, *, credentials
) -> HttpResponse:
    data = form.cleaned_data
    kind, value = data["resolved_kind"], data["q"]
    credential = data.get("credential", "") if form.choose_credential else ""
    # "Refresh from the vendor": past the cache, through the limiter, as on the pages.
    refresh = request.GET.get("refresh") == "1"
    reading = None
    if kind == Lookup.Kind.USER:
        result = services.list_user_devices(
            audit=audit,
            user_id=value,
            credential_name=credential or None,
            refresh=refresh,
            summarise=partial(user_verdicts, user_id=value),  # for My lookups, as the page's
        )
    else:
        # As the device page does: the owner's list too, for the data left on the SIM.
        lookups = page_lookups.lookup_device_and_owner_list(
            audit=audit,
            kind=kind,
            value=value,
            owner_id=data.get("owner", ""),
            credential_name=credential or None,
            refresh=refresh,
            summarise=device_verdicts,
        )
        result, reading = lookups.device, reading_of(lookups)
    now = timezone.now()
    if not result.ok:
        panel = error_panel(
            result.error,
            lookup=result.lookup,
            now=now,
            retry_after=result.retry_after,
            # A device another region may know: the same lookup there, in the sidebar.
            credentials=credentials,
            link=sidebar_url,
        )
        return _answer(request, form, failure=panel)
    found = {"lookup": result.lookup, "fetched_at": result.fetched_at, "now": now}
    if kind == Lookup.Kind.USER:
        answer = sidebar_user(result.data, **found)
    else:
        answer = sidebar_device(result.data, data=reading, **found)
    return _answer(request, form, answer=answer)


def _answer(
    request: HttpRequest, form: forms.SearchForm, *, answer=None, failure: ErrorPanel | None = None
) -> HttpResponse:
    context = _context(request, form=form, answer=answer, failure=failure)
    response = render(request, TEMPLATE, context, status=failure.status if failure else 200)
    if failure and failure.retry_after:
        response["Retry-After"] = str(failure.retry_after)
    return response


class SidebarAuthenticationForm(LocalPasswordForm):
    """The normal sign-in form (OIDC_LOCAL_LOGIN included), without autofocus: a cross-origin
    frame may not take the focus from the helpdesk (browsers block it and say so in the
    console)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)


# Sign-in and sign-out inside the frame: the normal login (same form, same throttling), framable
# and on the sidebar's own session cookie.
login = frameable_by_helpdesks(
    login_not_required(
        ThrottledLoginView.as_view(
            template_name="devices/embed/login.html",
            authentication_form=SidebarAuthenticationForm,
            next_page="embed:sidebar",
        )
    )
)
logout = frameable_by_helpdesks(auth_views.LogoutView.as_view(next_page="embed:login"))
