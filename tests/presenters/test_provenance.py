"""Where an answer came from, and the escalation text."""

from datetime import timedelta

from devices.coalescing import Source
from devices.presenters.provenance import escalation_text, provenance
from tests.presenters.builders import (
    NOW,
    USER_ID,
    lookup,
)


class TestProvenance:
    def test_cached_data_says_how_old_it_is(self):
        result = provenance(lookup(source=Source.CACHED), NOW - timedelta(seconds=12), NOW)
        assert result.age == "data from 12 seconds ago, cached"

    def test_fresh_data_has_no_age(self):
        result = provenance(lookup(source=Source.FRESH), NOW, NOW)
        assert result.age == ""
        assert result.source == "fresh from the vendor"
        assert result.request_id == "req-1"

    def test_the_escalation_text_holds_identifiers_codes_request_ids_and_raw_json(self):
        text = escalation_text(
            lookup=lookup(owner_id=USER_ID),
            now=NOW,
            device_id="3435178203944",
            raw={"code": 0, "msg": "ok", "requestId": "req-1", "big": 9223372036854775807},
        )
        assert "Looked up: serial number 876ABCDEF0347" in text
        assert "Device id: 3435178203944" in text
        assert f"Owner's user id: {USER_ID}" in text
        assert "Vendor code: 0" in text
        assert "Vendor requestId: req-1" in text
        assert "SupportDesk request id: http-1" in text
        assert "2025-03-10 12:00 UTC+8" in text
        assert '"big": 9223372036854775807' in text


class TestLastGoodAnswer:
    def test_it_says_the_vendor_is_not_answering_and_when_the_answer_is_from(self):
        result = provenance(lookup(source="last_good"), NOW - timedelta(minutes=6), NOW)
        # NOW is 12:00 in Asia/Shanghai.
        assert result.stale == (
            "The vendor is not answering. Showing what it said at 11:54, 6 minutes ago."
        )
        assert (
            result.age == "data from 6 minutes ago, the last good answer, the vendor not answering"
        )

    def test_an_answer_from_another_day_gives_its_date(self):
        result = provenance(lookup(source="last_good"), NOW - timedelta(hours=20), NOW)
        assert "at 2025-03-09 16:00 UTC+8, 20 hours ago." in result.stale

    def test_other_answers_are_never_marked_stale(self):
        for source in (Source.FRESH, Source.CACHED, Source.SHARED):
            assert provenance(lookup(source=source), NOW - timedelta(minutes=6), NOW).stale == ""
