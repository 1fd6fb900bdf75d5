"""My lookups: a row per lookup, in the reader's language."""

from devices.presenters.formatting import WARN, Badge
from devices.presenters.lookups import lookup_rows
from tests.presenters.builders import NOW, lookup


class TestMyLookups:
    def test_rows_show_the_outcome_and_the_vendors_code_not_the_english_audit_text(self):
        not_found, refused = lookup_rows(
            [
                lookup(outcome="not_found", vendor_message="The vendor found no such device"),
                lookup(outcome="vendor_error", vendor_code=10500, vendor_message="busy"),
            ],
            NOW,
        )
        assert not_found.outcome == Badge("Not found", WARN)
        assert not_found.message == ""
        assert refused.message == "Vendor code 10500"
        assert not_found.when.absolute == "2025-03-10 12:00 UTC+8"
