"""What to do next, and what to tell the customer: one table of cases for the device page.

Each case of `CASES` says when it applies (from `Facts`, read once from the answer), the agent's
next step (in the page's language) and a short reply to paste to the customer. The reply is
rendered in English and in Simplified Chinese whatever the page's language, because the agent
answers in the customer's language, not their own. Cases apply in the table's order; a SIM that
explains why a camera is offline (never activated, expired, out of data) replaces the generic
"offline" case, and "all fine" (or "no cloud storage", its variant) applies only alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from devices import gwell
from devices.presenters.formatting import (
    BAD,
    LOW_BATTERY_PERCENT,
    duration_words,
    is_permanent,
    is_weak_signal,
    relative_time,
    to_datetime,
)
from devices.presenters.plans import DataBundle, plan_state
from devices.presenters.sim_data import DataReading, used_of_total

# The languages a reply is written in: the customer's, whatever the agent reads.
REPLY_LANGUAGES = (("en", "English"), ("zh-hans", "中文"))


@dataclass(frozen=True)
class Facts:
    """What the cases read, from one devInfo answer, the owner's list and the link."""

    device: gwell.DeviceInfo
    storage: gwell.StoragePlan | None
    sim: gwell.SimPlan | None
    bundle: DataBundle | None
    asked_owner: str  # the link's ?access_id= ("" when not given)
    now: datetime

    @property
    def offline(self) -> bool:
        return self.device.online in (gwell.OFFLINE, None)

    @property
    def guest(self) -> bool:
        """The customer asked as someone other than the device's owner (a guest it was shared
        with: the vendor only answers its owner and guests)."""
        owner = self.device.owner_id
        return bool(self.asked_owner and self.device.is_bound and owner != self.asked_owner)

    @property
    def low_battery(self) -> bool:
        battery = self.device.battery
        charging = self.device.power_charging in (1, 2, 3)
        return battery is not None and battery <= LOW_BATTERY_PERCENT and not charging

    @property
    def weak_signal(self) -> bool:
        return is_weak_signal(self.device.signal, self.device.rssi)

    def ended(self, plan: gwell.StoragePlan | gwell.SimPlan | None) -> bool:
        """The plan is over (closed by the vendor, or its end has passed)."""
        if plan is None:
            return False
        state = plan_state(plan, self.now)
        return state.badge.tone == BAD or state.end_tone == BAD

    def ending(self, plan: gwell.StoragePlan | gwell.SimPlan | None) -> bool:
        """The plan ends within EXPIRY_WARNING_DAYS (`plan_state`'s warning)."""
        if plan is None or self.ended(plan) or is_permanent(plan.end_time):
            return False
        return plan_state(plan, self.now).problem

    @property
    def sim_explains_offline(self) -> bool:
        sim = self.sim
        return sim is not None and (
            sim.never_activated or self.ended(sim) or bool(self.bundle and self.bundle.used_up)
        )

    @property
    def offline_unexplained(self) -> bool:
        """Offline, bound, and no SIM problem that says why: power or network, then."""
        return self.offline and self.device.is_bound is not False and not self.sim_explains_offline

    def when(self, plan: gwell.StoragePlan | gwell.SimPlan) -> str:
        """ "5 days ago", "in 3 days": in the active language."""
        end = to_datetime(plan.end_time)
        return relative_time(end, self.now) if end else ""


@dataclass(frozen=True)
class Case:
    key: str
    applies: Callable[[Facts], bool]
    next_step: Promise
    reply: Promise
    # The placeholders of both texts, worked out in the language being written.
    params: Callable[[Facts], dict[str, Any]] = lambda facts: {}


def _offline_params(facts: Facts) -> dict[str, Any]:
    since = to_datetime(facts.device.online_update_time)
    if since is None:
        duration = _("a long time")
    else:
        duration = duration_words((facts.now - since).total_seconds())
    return {"duration": duration, "last": last_report(facts.device)}


def last_report(device: gwell.DeviceInfo) -> str:
    """What the device said at its last report: "battery 15%, weak signal"."""
    parts = []
    if device.battery is not None:
        parts.append(_("battery %(battery)s%%") % {"battery": device.battery})
    if is_weak_signal(device.signal, device.rssi):
        parts.append(_("weak signal"))
    elif device.signal is not None:
        parts.append(_("signal %(signal)s/100") % {"signal": device.signal})
    if not parts:
        return _("no battery or signal reported")
    return pgettext("list separator", ", ").join(parts)


def _data_params(facts: Facts) -> dict[str, Any]:
    return {"figures": used_of_total(facts.bundle) if facts.bundle else ""}


def _plan_params(plan_of: Callable[[Facts], Any]) -> Callable[[Facts], dict[str, Any]]:
    return lambda facts: {"when": facts.when(plan_of(facts))}


def _sim(facts: Facts) -> gwell.SimPlan | None:
    return facts.sim


def _storage(facts: Facts) -> gwell.StoragePlan | None:
    return facts.storage


def _problems(facts: Facts) -> bool:
    """Anything any case before "all fine" would say."""
    return any(case.applies(facts) for case in CASES if case.key not in ALONE)


CASES: tuple[Case, ...] = (
    Case(
        "unbound",
        lambda f: f.device.is_bound is False,
        gettext_lazy(
            "Not bound to any account: the customer adds it again in the app (reset the camera, "
            "then scan its QR code)."
        ),
        gettext_lazy(
            "Your camera is not linked to any account at the moment. Please reset it and add it "
            "again in the app by scanning its QR code."
        ),
    ),
    Case(
        "guest",
        lambda f: f.guest,
        gettext_lazy(
            "The customer (%(customer)s) is a guest on this camera, not its owner (%(owner)s): "
            "plans and settings are the owner's to change."
        ),
        gettext_lazy(
            "This camera was shared with you by its owner. Plans and settings can only be "
            "changed from the owner's account: please ask them."
        ),
        lambda f: {"customer": f.asked_owner, "owner": f.device.owner_id},
    ),
    Case(
        "sim_never_activated",
        lambda f: f.sim is not None and f.sim.never_activated,
        gettext_lazy(
            "The SIM was never activated: the customer completes the SIM's activation (real-name "
            "registration), then restarts the camera."
        ),
        gettext_lazy(
            "Your camera's SIM card has not been activated yet, so the camera cannot connect. "
            "Please complete the SIM card's activation (real-name registration), then restart "
            "the camera."
        ),
    ),
    Case(
        "sim_expired",
        lambda f: f.ended(f.sim),
        gettext_lazy(
            "The 4G data plan expired %(when)s: the customer renews it in the app; the camera "
            "reconnects a few minutes after."
        ),
        gettext_lazy(
            "Your camera's 4G data plan expired %(when)s, so it can no longer go online. Please "
            "renew the data plan in the app; the camera will reconnect a few minutes later."
        ),
        _plan_params(_sim),
    ),
    Case(
        "data_used_up",
        lambda f: f.bundle is not None and f.bundle.used_up and not f.ended(f.sim),
        gettext_lazy(
            "The data bundle is used up (%(figures)s): the customer buys a data top-up in the "
            "app, or waits for the next period."
        ),
        gettext_lazy(
            "Your camera has used all of its 4G data for this period (%(figures)s), so it "
            "cannot upload video. Please buy a data top-up in the app; the camera will "
            "reconnect shortly after."
        ),
        _data_params,
    ),
    Case(
        "offline",
        lambda f: f.offline_unexplained,
        gettext_lazy(
            "Offline for %(duration)s; at its last report: %(last)s. The customer checks its "
            "power and its network (WiFi router or mobile signal) where it is, then restarts it."
        ),
        gettext_lazy(
            "Your camera has been offline for %(duration)s. Please check that it has power and "
            "that its network (WiFi router or mobile signal) works where it is installed, then "
            "restart it."
        ),
        _offline_params,
    ),
    Case(
        "offline_battery",
        lambda f: f.offline_unexplained and f.low_battery,
        gettext_lazy(
            "Its battery was at %(battery)s%% at its last report: it has likely run flat."
        ),
        gettext_lazy(
            "Its battery was low (%(battery)s%%) at its last report: please charge it first."
        ),
        lambda f: {"battery": f.device.battery},
    ),
    Case(
        "offline_signal",
        lambda f: f.offline_unexplained and f.weak_signal,
        gettext_lazy(
            "Its signal was weak at its last report: the camera may be too far from the network."
        ),
        gettext_lazy(
            "Its signal was weak at its last report: moving the camera closer to the router "
            "(or to a place with better mobile coverage) may help."
        ),
    ),
    Case(
        "asleep",
        lambda f: f.device.online == gwell.ASLEEP,
        gettext_lazy(
            "Asleep: a low-power camera resting between events, which is normal. It wakes on "
            "motion or when opened in the app."
        ),
        gettext_lazy(
            "Your camera is in low-power sleep, which is normal for a battery camera: it wakes "
            "up when it detects motion or when you open it in the app."
        ),
    ),
    Case(
        "battery_low",
        lambda f: not f.offline and f.low_battery,
        gettext_lazy("Battery at %(battery)s%%: the customer charges it soon."),
        gettext_lazy(
            "Your camera's battery is low (%(battery)s%%). Please charge it soon so that it "
            "keeps recording."
        ),
        lambda f: {"battery": f.device.battery},
    ),
    Case(
        "weak_signal",
        lambda f: not f.offline and f.weak_signal,
        gettext_lazy(
            "Weak signal: the customer moves the camera closer to the router, or to better "
            "mobile coverage."
        ),
        gettext_lazy(
            "Your camera's signal is weak where it is installed, which can make it drop offline "
            "or lag. Moving it closer to the router (or to a place with better mobile coverage) "
            "should help."
        ),
    ),
    Case(
        "sim_expiring",
        lambda f: f.ending(f.sim),
        gettext_lazy("The 4G data plan expires %(when)s: suggest renewing it now."),
        gettext_lazy(
            "Your camera's 4G data plan expires %(when)s. Please renew it in the app to avoid "
            "an interruption."
        ),
        _plan_params(_sim),
    ),
    Case(
        "storage_expired",
        lambda f: f.ended(f.storage),
        gettext_lazy(
            "Cloud storage expired %(when)s: no new recordings are kept in the cloud until the "
            "customer renews it."
        ),
        gettext_lazy(
            "Your cloud storage plan expired %(when)s, so new recordings are no longer saved "
            "to the cloud. You can renew it in the app."
        ),
        _plan_params(_storage),
    ),
    Case(
        "storage_expiring",
        lambda f: f.ending(f.storage),
        gettext_lazy("Cloud storage expires %(when)s: suggest renewing it."),
        gettext_lazy(
            "Your cloud storage plan expires %(when)s. Please renew it in the app to keep "
            "your recordings."
        ),
        _plan_params(_storage),
    ),
    Case(
        "storage_never_bought",
        lambda f: f.storage is None and not _problems(f),
        gettext_lazy(
            "Nothing looks wrong, and it has no cloud storage plan: recordings are only on the "
            "camera's memory card, if it has one."
        ),
        gettext_lazy(
            "We checked your camera: it is working. It has no cloud storage plan, so recordings "
            "are only saved on its memory card (if one is inserted). You can buy a cloud storage "
            "plan in the app."
        ),
    ),
    Case(
        "all_fine",
        lambda f: f.storage is not None and not _problems(f),
        gettext_lazy(
            "Nothing looks wrong: ask what exactly the customer sees (which screen, which "
            "message) and when."
        ),
        gettext_lazy(
            "We checked your camera: it is online and its services are active. Could you tell "
            "us exactly what you see in the app (a screenshot helps) and when it happened?"
        ),
    ),
)
# Cases that apply only when no other does.
ALONE = {"storage_never_bought", "all_fine"}


@dataclass(frozen=True)
class Reply:
    language: str  # "en", "zh-hans"
    label: str  # the language's own name: "English", "中文"
    text: str


@dataclass(frozen=True)
class Advice:
    cases: list[str]  # the keys of the cases that apply, in order
    next_steps: list[str]  # in the page's language
    replies: list[Reply]  # in every REPLY_LANGUAGES, whatever the page's language


def facts_of(
    report: gwell.DeviceReport, data: DataReading | None, now: datetime, *, asked_owner: str = ""
) -> Facts:
    return Facts(
        device=report.device,
        storage=report.storage,
        sim=report.sim,
        bundle=data.bundle if data else None,
        asked_owner=asked_owner,
        now=now,
    )


def advice(facts: Facts) -> Advice:
    cases = [case for case in CASES if case.applies(facts)]
    return Advice(
        cases=[case.key for case in cases],
        next_steps=[_text(case.next_step, case, facts) for case in cases],
        replies=[
            Reply(language, label, reply_text(cases, facts, language))
            for language, label in REPLY_LANGUAGES
        ],
    )


def reply_text(cases: list[Case], facts: Facts, language: str) -> str:
    # Chinese sentences follow one another without a space.
    separator = "" if language.startswith("zh") else " "
    with translation.override(language):
        return separator.join(_text(case.reply, case, facts) for case in cases)


def _text(text: Promise, case: Case, facts: Facts) -> str:
    params = case.params(facts)
    return str(text) % params if params else str(text)
