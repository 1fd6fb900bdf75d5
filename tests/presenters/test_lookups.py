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


class TestVerdictsAndRepeats:
    def test_a_found_row_shows_the_kept_verdict_in_the_readers_language(self):
        from django.utils import translation

        kept = {"tone": "bad", "text": {"en": "Offline for 3 days", "zh-hans": "已离线 3 天"}}
        with translation.override("en"):
            [row] = lookup_rows([lookup(verdict=kept)], NOW)
        assert (row.verdict, row.verdict_tone) == ("Offline for 3 days", "bad")
        with translation.override("zh-hans"):
            [row] = lookup_rows([lookup(verdict=kept)], NOW)
        assert row.verdict == "已离线 3 天"

    def test_a_row_from_before_verdicts_were_kept_has_none(self):
        [row] = lookup_rows([lookup(verdict=None)], NOW)
        assert (row.verdict, row.verdict_tone) == ("", "neutral")

    def test_repeats_fold_with_their_count_and_first_time(self):
        from datetime import timedelta

        rows = lookup_rows(
            [lookup(created_at=NOW - timedelta(minutes=minutes)) for minutes in (1, 2, 9)],
            NOW,
        )
        [row] = rows
        assert row.repeats == 3
        assert row.when.relative == "1 minute ago"
        assert row.first.relative == "9 minutes ago"


def test_the_verdict_is_kept_in_every_language():
    from django.utils.translation import gettext

    from devices.presenters.lookups import verdict_in_every_language

    kept = verdict_in_every_language(lambda: (gettext("Not found"), "warn"))

    assert kept == {"tone": "warn", "text": {"en": "Not found", "zh-hans": "未找到"}}
