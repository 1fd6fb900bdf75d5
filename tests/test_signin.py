"""Sign-in: failed attempts are throttled per username and per address; success is not."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, address="198.51.100.7"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = "3/5m"
    settings.LOGIN_FAILURES_PER_ADDRESS = "5/5m"


def test_a_good_password_signs_in(client, staff, limits):
    response = sign_in(client, "staff", PASSWORD)
    assert response.status_code == 302


def test_failed_sign_ins_for_one_username_are_throttled_even_with_the_right_password(
    client, staff, limits
):
    for _ in range(3):
        assert sign_in(client, "staff", "wrong").status_code == 200

    response = sign_in(client, "Staff", PASSWORD)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 300
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_usernames_is_throttled(client, staff, limits):
    for number in range(5):
        assert sign_in(client, f"guess{number}", "wrong").status_code == 200

    assert sign_in(client, "staff", PASSWORD).status_code == 429
    assert sign_in(client, "staff", PASSWORD, address="198.51.100.8").status_code == 302


def test_successful_sign_ins_are_not_counted(client, staff, limits):
    for _ in range(6):
        assert sign_in(client, "staff", PASSWORD).status_code == 302
        client.logout()


def test_the_throttled_page_reads_in_chinese(client, staff, limits):
    for _ in range(3):
        sign_in(client, "staff", "wrong")

    response = client.post(
        "/accounts/login/",
        {"username": "staff", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_the_admin_sign_in_goes_through_the_same_throttled_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
