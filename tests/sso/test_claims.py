"""What the provider says about a person, as SupportDesk reads it (pure functions)."""

import pytest

from devices.sso.claims import groups_from, mapped_groups, profile_from, username_from

MAPPING = {"support-staff": "Support staff", "support-leads": "Support lead"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mei", "mei"),
        ("  mei.wang@example.com ", "mei.wang@example.com"),
        ("王美", "王美"),
        ("", None),
        ("mei wang", None),
        ("a" * 151, None),
        (42, None),
        (None, None),
        (["mei"], None),
    ],
)
def test_a_username_must_be_one_django_accepts(value, expected):
    assert username_from({"preferred_username": value}, claim_name="preferred_username") == expected


def test_the_username_claim_is_configurable_and_may_be_nested():
    claims = {"upn": "mei@corp.example", "ext": {"employee": "e-42"}}

    assert username_from(claims, claim_name="upn") == "mei@corp.example"
    assert username_from(claims, claim_name="ext.employee") == "e-42"
    assert username_from(claims, claim_name="ext.missing") is None


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"groups": ["support-staff", "canteen"]}, {"support-staff", "canteen"}),
        ({"groups": "support-staff"}, {"support-staff"}),
        ({"groups": ["support-staff", 7, None, {"x": 1}]}, {"support-staff"}),
        ({"groups": {"support-staff": True}}, set()),
        ({"groups": None}, set()),
        ({}, set()),
    ],
)
def test_groups_may_come_as_a_list_or_one_string(claims, expected):
    assert groups_from(claims, claim_name="groups") == expected


def test_keycloak_roles_nested_in_realm_access_are_read():
    claims = {"realm_access": {"roles": ["support-leads", "offline_access"]}}

    assert groups_from(claims, claim_name="realm_access.roles") == {
        "support-leads",
        "offline_access",
    }


def test_only_mapped_groups_count_and_names_are_exact():
    provider_groups = {"support-staff", "Support-Leads", "canteen"}

    assert mapped_groups(provider_groups, mapping=MAPPING) == {"Support staff"}


def test_the_profile_is_fitted_to_the_user_columns():
    profile = profile_from(
        {"email": "not an address", "given_name": "M" * 200, "family_name": "Wang"}
    )

    assert profile == {"email": "", "first_name": "M" * 150, "last_name": "Wang"}


def test_a_single_name_claim_becomes_the_first_name():
    assert profile_from({"name": "Mei Wang", "email": "mei@example.com"}) == {
        "email": "mei@example.com",
        "first_name": "Mei Wang",
        "last_name": "",
    }
