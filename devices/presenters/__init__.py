"""Vendor values -> what a support person reads, one module per page or concern.

Plain functions over the vendor client's typed results and the audit rows, so every rule is
unit-tested without a request; templates only lay out what these return. Views call the module
of their page:

- `formatting`: badges, facts, times and the labels of single values, used by every page;
- `plans`: where a cloud storage or SIM plan stands;
- `device`: the device page (the verdict and its sections);
- `user`: the user's page (a row per device);
- `provenance`: where an answer came from, and the escalation text;
- `failures`: the panel that explains a failed lookup;
- `lookups`: my lookups, and colleagues on the same case;
- `search`: the note after a search.
"""
