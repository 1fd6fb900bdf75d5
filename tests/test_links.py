"""Links to the lookup pages: the URL contract, and reopening a past lookup."""

import pytest

from devices.links import lookup_url, reopen_url
from tests.presenters.builders import USER_ID, lookup


def test_lookup_urls_follow_the_contract():
    assert lookup_url("sn", "876A", owner="-5", credential="cn") == (
        "/devices/sn/876A/?access_id=-5&credential=cn"
    )
    assert lookup_url("user", USER_ID, owner="-5") == f"/users/{USER_ID}/devices/"


@pytest.mark.parametrize(
    ("fields", "url"),
    [
        ({}, "/devices/sn/876ABCDEF0347/?credential=sandbox"),
        (
            {"kind": "dev_id", "value": "3435178203944", "owner_id": "-5"},
            "/devices/id/3435178203944/?access_id=-5&credential=sandbox",
        ),
        (
            {"kind": "user", "value": USER_ID, "reason": "T-12", "credential_name": ""},
            f"/users/{USER_ID}/devices/?reason=T-12",
        ),
        (
            {"outcome": "invalid_input", "value": "a/b"},
            "/?q=a%2Fb&kind=sn",
        ),
    ],
)
def test_each_lookup_reopens_where_it_came_from(fields, url):
    assert reopen_url(lookup(**fields)) == url
