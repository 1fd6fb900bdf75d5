"""What a bulk job shows: progress figures, result rows (problems first) and export rows, in
the reader's language, from the items' facts and their audit rows' verdicts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices import gwell
from devices.bulk.models import BulkItem, BulkJob
from devices.presenters.formatting import (
    absolute_time,
    duration_words,
    kind_label,
    online_badge,
    outcome_badge,
    raw_value,
)
from devices.presenters.lookups import row_verdict
from devices.presenters.plans import plan_state, sim_state

# (header, key of ExportRow) in export order; headers through gettext when exported.
EXPORT_COLUMNS = [
    (gettext_lazy("identifier"), "identifier"),
    (gettext_lazy("kind"), "kind"),
    (gettext_lazy("outcome"), "outcome"),
    (gettext_lazy("verdict"), "verdict"),
    (gettext_lazy("online state"), "online"),
    (gettext_lazy("battery"), "battery"),
    (gettext_lazy("cloud storage"), "storage_state"),
    (gettext_lazy("cloud storage ends"), "storage_end"),
    (gettext_lazy("SIM plan"), "sim_state"),
    (gettext_lazy("SIM plan ends"), "sim_end"),
    (gettext_lazy("data left"), "data_left"),
    (gettext_lazy("vendor code"), "vendor_code"),
    (gettext_lazy("vendor requestId"), "request_id"),
    (gettext_lazy("fetched at"), "fetched_at"),
]


@dataclass(frozen=True)
class ResultRow:
    identifier: str
    kind: str
    outcome: str
    outcome_tone: str
    verdict: str
    tone: str
    problem: bool
    online: str
    battery: str
    storage_state: str
    storage_end: str
    sim_state: str
    sim_end: str
    data_left: str
    vendor_code: str
    request_id: str
    fetched_at: str

    def as_dict(self) -> dict:
        return asdict(self)


def _plan(kind: type, numbers: list | None, now: datetime, *, answered: bool) -> tuple[str, str]:
    """(state, end) of a plan; a device that answered without one has "No plan", as its page
    says; an item with no device answer has nothing to say."""
    if not numbers:
        return (_("No plan"), "") if answered else ("", "")
    status, end, *rest = numbers  # a SIM's activation region third (absent in older rows)
    if kind is gwell.SimPlan:
        region = rest[0] if rest else None
        sim = gwell.SimPlan(srv_status=status, end_time=end, active_region=region)
        state = sim_state(sim, now, bundle=None)  # never "active" while never activated
    else:
        state = plan_state(kind(srv_status=status, end_time=end), now)
    ends = ""
    if isinstance(end, int) and end > 0:
        ends = absolute_time(datetime.fromtimestamp(end, tz=UTC))
    return state.badge.text, ends


def result_row(item: BulkItem, now: datetime) -> ResultRow:
    facts = item.facts or {}
    lookup = item.lookup
    verdict, tone = row_verdict(lookup) if lookup is not None else ("", "neutral")
    badge = outcome_badge(item.outcome) if item.outcome else None
    answered = "online" in facts  # a device's answer (not a list's, not a failure)
    storage_state, storage_end = _plan(
        gwell.StoragePlan, facts.get("storage"), now, answered=answered
    )
    sim_state, sim_end = _plan(gwell.SimPlan, facts.get("sim"), now, answered=answered)
    online = ""
    if "online" in facts:
        online = online_badge(facts["online"]).text
    battery = facts.get("battery")
    fetched = facts.get("fetched_at")
    code = facts.get("vendor_code")
    return ResultRow(
        identifier=item.value,
        kind=kind_label(item.kind),
        outcome=badge.text if badge else "",
        outcome_tone=badge.tone if badge else "neutral",
        verdict=verdict,
        tone=tone,
        problem=item.problem,
        online=online,
        battery=_battery(battery),
        storage_state=storage_state,
        storage_end=storage_end,
        sim_state=sim_state,
        sim_end=sim_end,
        data_left=str(facts["data_left"]) if facts.get("data_left") is not None else "",
        vendor_code=str(code) if code is not None else "",
        request_id=facts.get("request_id") or "",
        fetched_at=absolute_time(datetime.fromtimestamp(fetched, tz=UTC)) if fetched else "",
    )


def _battery(battery: object) -> str:
    if battery is None:
        return ""
    if isinstance(battery, int) and 0 <= battery <= 100:
        return f"{battery}%"
    return raw_value(battery)


def result_rows(items: Iterable[BulkItem], now: datetime | None = None) -> list[ResultRow]:
    """Done items, problems first, then in the order they were given."""
    now = now or timezone.now()
    done = sorted(items, key=lambda item: (not item.problem, item.position))
    return [result_row(item, now) for item in done]


def progress(job: BulkJob, now: datetime | None = None) -> dict:
    """The progress JSON: total, done and state (the contract), rate and time left."""
    now = now or timezone.now()
    answer: dict = {"total": job.total, "done": job.done, "state": job.state}
    rate = None
    if job.started_at and job.done:
        end = job.finished_at or now
        seconds = max((end - job.started_at).total_seconds(), 0.001)
        rate = job.done / seconds
    answer["rate"] = round(rate, 2) if rate else None
    left = job.total - job.done
    answer["seconds_left"] = round(left / rate) if rate and not job.is_over else None
    answer["summary"] = progress_summary(job, rate)
    answer["state_label"] = str(BulkJob.State(job.state).label)
    return answer


def progress_summary(job: BulkJob, rate: float | None) -> str:
    text = _("%(done)s of %(total)s done") % {"done": job.done, "total": job.total}
    if rate:
        text += " · " + _("%(rate).1f per second") % {"rate": rate}
        left = job.total - job.done
        if left and not job.is_over:
            text += " · " + _("about %(time)s left") % {"time": duration_words(left / rate)}
    return text
