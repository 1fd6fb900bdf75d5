"""The search form: normalising what was typed, detecting its kind, checking it."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from devices.forms import (
    INVALID_DEVICE_ID,
    INVALID_OWNER,
    INVALID_SERIAL,
    INVALID_USER_ID,
    REASON_REQUIRED,
    LookupForm,
    SearchForm,
    detect_kind,
    normalise,
)
from devices.models import Credential

USER_ID = "-9223371981234556044"


def form(credentials=(), **data) -> SearchForm:
    return SearchForm(data, credentials=credentials)


class TestNormalise:
    def test_full_width_digits_and_letters_become_ascii(self):
        assert normalise("８７６ＡＢＣＤＥＦ０３４７") == "876ABCDEF0347"

    def test_spaces_anywhere_go_including_ideographic_ones(self):
        assert normalise("  876 ABC\u3000DEF 0347\t") == "876ABCDEF0347"

    def test_invisible_characters_go(self):
        assert normalise("876\u200bABC\ufeff") == "876ABC"

    def test_a_full_width_or_typographic_minus_becomes_a_hyphen(self):
        assert normalise("－9223371981234556044") == USER_ID
        assert normalise("\u22129223371981234556044") == USER_ID

    @given(st.text())
    def test_normalising_twice_changes_nothing(self, text):
        assert normalise(normalise(text)) == normalise(text)


class TestDetect:
    @pytest.mark.parametrize(
        ("value", "kind"),
        [
            (USER_ID, "user"),
            ("-1", "user"),
            ("12345678901234567", "user"),
            ("3435178203944", "dev_id"),
            ("1234567890", "dev_id"),
            ("12345678901234", "dev_id"),
            ("123456789", "sn"),
            ("123456789012345", "sn"),
            ("876ABCDEF0347", "sn"),
            ("8764GA7C2M19", "sn"),
        ],
    )
    def test_the_kind_follows_the_shape(self, value, kind):
        assert detect_kind(value) == kind


class TestSearchForm:
    def test_a_serial_number_is_detected_and_links_to_its_page(self):
        search = form(q=" 876ABCDEF0347 ", kind="detect")
        assert search.is_valid(), search.errors
        assert search.cleaned_data["resolved_kind"] == "sn"
        assert search.cleaned_data["detected"] is True
        assert search.target_url() == "/devices/sn/876ABCDEF0347/"

    def test_a_device_id_with_an_owner_and_a_reason_carries_both(self):
        search = form(q="３４３５１７８２０３９４４", owner=USER_ID, reason="  T-1  refund ")
        assert search.is_valid(), search.errors
        assert search.target_url() == (
            f"/devices/id/3435178203944/?access_id={USER_ID}&reason=T-1+refund"
        )

    def test_a_user_id_goes_to_the_users_page_without_an_owner(self):
        search = form(q=USER_ID, owner="-5")
        assert search.is_valid(), search.errors
        assert search.target_url() == f"/users/{USER_ID}/devices/"

    def test_a_chosen_kind_wins_over_detection(self):
        search = form(q="3435178203944", kind="sn")
        assert search.is_valid(), search.errors
        assert search.cleaned_data["detected"] is False
        assert search.target_url() == "/devices/sn/3435178203944/"

    @pytest.mark.parametrize(
        ("q", "kind", "message"),
        [
            ("876/ABC", "detect", INVALID_SERIAL),
            ("876", "detect", INVALID_SERIAL),
            ("x" * 41, "detect", INVALID_SERIAL),
            ("abc", "dev_id", INVALID_DEVICE_ID),
            ("0", "dev_id", INVALID_DEVICE_ID),
            ("-", "user", INVALID_USER_ID),
            ("-9223372036854775809", "detect", INVALID_USER_ID),
            ("99999999999999999999", "detect", INVALID_USER_ID),
        ],
    )
    def test_invalid_input_gets_a_message_next_to_the_box(self, q, kind, message):
        search = form(q=q, kind=kind)
        assert not search.is_valid()
        assert search.errors["q"] == [str(message)]

    def test_an_empty_box_asks_for_something(self):
        search = form(q="   ")
        assert not search.is_valid()
        assert "Type the serial number" in search.errors["q"][0]

    def test_a_wrong_owner_is_refused(self):
        search = form(q="876ABCDEF0347", owner="abc")
        assert not search.is_valid()
        assert search.errors["owner"] == [str(INVALID_OWNER)]

    def test_the_reason_is_required_for_user_lookups_when_the_policy_says_so(self, settings):
        settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True
        search = form(q=USER_ID)
        assert not search.is_valid()
        assert search.errors["reason"] == [str(REASON_REQUIRED)]
        assert form(q=USER_ID, reason="T-77").is_valid()
        assert form(q="876ABCDEF0347").is_valid()

    def test_the_attempted_kind_and_value_are_known_even_when_invalid(self):
        search = form(q=" 876/ABC ")
        assert not search.is_valid()
        assert (search.attempted_kind, search.attempted_value) == ("sn", "876/ABC")
        assert search.error_summary().startswith("q: A serial number is 4 to 40")

    def test_no_region_choice_with_one_credential(self):
        assert "credential" not in SearchForm(credentials=[Credential(name="cn")]).fields

    def test_a_region_choice_with_several_credentials_goes_into_the_link(self):
        credentials = [Credential(name="cn", region="cn"), Credential(name="eu", region="de")]
        search = form(credentials, q="876ABCDEF0347", credential="eu")
        assert search.is_valid(), search.errors
        assert search.target_url() == "/devices/sn/876ABCDEF0347/?credential=eu"
        assert not form(credentials, q="876ABCDEF0347", credential="us").is_valid()


class TestLookupForm:
    def test_the_path_and_the_query_are_cleaned(self):
        form = LookupForm(
            {"access_id": " －5 ", "refresh": "1", "credential": "cn"},
            kind="sn",
            value="８７６ABC DEF0347",
        )
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {
            "access_id": "-5",
            "credential": "cn",
            "refresh": True,
            "reason": "",
            "value": "876ABCDEF0347",
        }

    def test_a_bad_identifier_and_a_bad_owner_are_both_reported_identifier_first(self):
        form = LookupForm({"access_id": "bob", "reason": " T-1 "}, kind="dev_id", value="abc")
        assert not form.is_valid()
        assert form.problems() == [str(INVALID_DEVICE_ID), str(INVALID_OWNER)]
        assert form.audit() == {
            "kind": "dev_id",
            "value": "abc",
            "owner_id": "bob",
            "reason": "T-1",
            "message": f"{INVALID_DEVICE_ID} {INVALID_OWNER}",
        }

    def test_the_audit_message_is_english_whatever_the_page_language(self):
        form = LookupForm({}, kind="user", value="alice")
        with translation.override("zh-hans"):
            assert form.problems()[0].startswith("用户 ID")
            message = form.audit()["message"]
        assert message.startswith("A user id is a whole number")
