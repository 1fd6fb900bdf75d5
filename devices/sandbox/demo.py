"""The demo's sample customers on the search page, as links (a context processor).

The one Django-side module of the sandbox: settings add `samples` to the template context
processors only when DEMO_MODE is on, so production code never imports the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from devices.links import lookup_url
from devices.presenters.formatting import kind_label
from devices.sandbox.data import demo_samples as sandbox_samples

# What the sample descriptions read in the person's language (unknown ones stay as sent).
DEMO_DESCRIPTIONS = {
    "Online camera, cloud plan auto-renewing": gettext_lazy(
        "Online camera, cloud plan auto-renewing"
    ),
    "Cloud recordings stopped: plan expired": gettext_lazy(
        "Cloud recordings stopped: plan expired"
    ),
    "Offline for months: no live status": gettext_lazy("Offline for months: no live status"),
    "4G camera out of data: bundle used up": gettext_lazy("4G camera out of data: bundle used up"),
    "Battery almost empty": gettext_lazy("Battery almost empty"),
    "Not bound to any account": gettext_lazy("Not bound to any account"),
    "Family account: several cameras, one shared": gettext_lazy(
        "Family account: several cameras, one shared"
    ),
    "Guest-only account: sees cameras shared with it": gettext_lazy(
        "Guest-only account: sees cameras shared with it"
    ),
}


@dataclass(frozen=True)
class DemoSample:
    url: str
    value: str
    kind: str
    description: str


def demo_samples() -> list[DemoSample]:
    """Sample identifiers of the sandbox vendor, as links, in the active language."""
    return [
        DemoSample(
            url=lookup_url(kind, value),
            value=value,
            kind=kind_label(kind),
            description=str(DEMO_DESCRIPTIONS.get(description, description)),
        )
        for kind, value, description in sandbox_samples()
    ]


def samples(request: HttpRequest) -> dict[str, Any]:
    """`demo_samples` for every template; only the search page uses it.

    The function itself, not its list: a template calls it when it reads the name, so the
    other pages never build the links.
    """
    return {"demo_samples": demo_samples}
