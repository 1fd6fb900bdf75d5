"""A fake of the vendor's after-sales OpenAPI (same wire protocol) for the demo, dev and tests.

Stdlib only and no Django: it verifies signatures with its own code, enforces the 10/s limit,
serves a deterministic data set (data.py) and injects faults on demand. Where it goes beyond
what the vendor documents: docs/vendor-api.md#sandbox. The one Django module is demo.py (the
demo's sample links on the search page), which settings load only in DEMO_MODE.
"""

from .faults import FAULT_MODES, FaultPlan, parse_fault_spec
from .server import RunningSandbox, SandboxServer, make_server, start_in_thread
from .vendor import SandboxApp, SandboxVendor

__all__ = [
    "FAULT_MODES",
    "FaultPlan",
    "RunningSandbox",
    "SandboxApp",
    "SandboxServer",
    "SandboxVendor",
    "make_server",
    "parse_fault_spec",
    "start_in_thread",
]
